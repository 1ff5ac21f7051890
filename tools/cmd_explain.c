#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

typedef struct explain_args {
	const char *id, *week, *config, *db;
	int weeks;
	bool analyze;
	const char *log_format;
} explain_args;

static const kpi_opt opts[] = {
	KPI_WEEK("week", 'w', explain_args, week, "last", "last week of the window"),
	KPI_OPT_WEEKS(explain_args, weeks, "1", "number of weeks ending with `--week`"),
	KPI_OPT_CONFIG(explain_args, config),
	KPI_OPT_DB(explain_args, db),
	KPI_FLAG("analyze", 0, explain_args, analyze,
	         "also run the query under EXPLAIN (ANALYZE, BUFFERS) in kpi's read-only transaction and print each "
	         "plan node's time, rows and shared blocks hit and read (PostgreSQL KPIs; reads the database)"),
	KPI_OPT_LOG_FORMAT(explain_args, log_format),
	KPI_OPT_END,
};

static const kpi_arg args[] = {
	{ "KPI", KPI_ARG_KPI, offsetof(explain_args, id), NULL, NULL, "missing KPI id; see kpi list" },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_explain = {
	"explain", cmd_explain, "print the query behind a KPI and the parameters it runs with",
	"Print a KPI's definition and threshold, then what its source would run for\n"
	"the window, without running it: for a PostgreSQL KPI its query file and the\n"
	"SHA-256 of its text, each parameter with its value and where the value comes\n"
	"from, the other KPIs the same file answers (a run reading them together runs\n"
	"it once), and the SQL with its fragments included; for a CloudWatch or Prometheus\n"
	"KPI its query file, the endpoint and how requests are authenticated (never a\n"
	"secret), and every request it would send. Reads and sends nothing, unless\n"
	"--analyze runs a PostgreSQL KPI's query under EXPLAIN (ANALYZE, BUFFERS,\n"
	"FORMAT JSON) in kpi's read-only transaction and prints where its time and\n"
	"its reads went, node by node.",
	opts, args, false, false,
};

int cmd_explain(int argc, char **argv)
{
	explain_args a;
	const char *config, *week, *pos[1];
	int rc, n;
	int64_t now;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	const kpi_def *d;
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf out = KPI_BUF_INIT;

	if ((rc = kpi_opts_parse(&kpi_cmd_explain, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	pos[0] = a.id;
	config = a.config;
	week = a.week;
	n = a.weeks;
	if ((rc = kpi_load_setup(&cfg, &cat, config, a.db)))
		return rc;
	if ((rc = kpi_now(cfg, &now)))
		goto done;
	if (!(d = kpi_catalog_find(cat, pos[0]))) {
		kpi_error_set(&err, KPI_ENOTFOUND, "unknown KPI '%s' (kpi list shows the catalogue)", pos[0]);
		goto fail;
	}
	if ((rc = kpi_window_init(&w, week, n, cfg->timezone, now, &err)))
		goto fail;
	if ((rc = kpi_source_explain(&out, cfg, cat, d, &w, &err)))
		goto fail;
	if (a.analyze && (rc = kpi_source_analyze(&out, cfg, cat, d, &w, &err)))
		goto fail;
	rc = kpi_write_stdout(&out);
	goto done;
fail:
	rc = kpi_fail(&err);
done:
	kpi_buf_release(&out);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
