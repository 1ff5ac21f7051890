#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "opts.h"
#include "progress.h"

typedef struct query_args {
	const char *id, *week, *format, *config, *db;
	int weeks;
	bool no_color, quiet;
	const char *log_format;
} query_args;

static const char *const formats[] = { "table", "csv", "json", NULL };

static const kpi_opt opts[] = {
	KPI_WEEK("week", 'w', query_args, week, "last", "last week of the window"),
	KPI_OPT_WEEKS(query_args, weeks, "1", "number of weeks ending with `--week`"),
	KPI_ENUM("format", 'f', "FORMAT", query_args, format, "table", formats, "output format"),
	KPI_OPT_CONFIG(query_args, config),
	KPI_OPT_DB(query_args, db),
	KPI_FLAG("no-color", 0, query_args, no_color,
	         "no ANSI colours (also when `NO_COLOR` is set, `TERM=dumb` or not a terminal)"),
	KPI_FLAG("quiet", 'q', query_args, quiet, KPI_QUIET_HELP),
	KPI_OPT_LOG_FORMAT(query_args, log_format),
	KPI_OPT_END,
};

static const kpi_arg args[] = {
	{ "KPI", KPI_ARG_KPI_OR_ALL, offsetof(query_args, id), NULL, NULL, "missing KPI id (or 'all'); see kpi list" },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_query = {
	"query", cmd_query, "compute KPIs for one or more ISO weeks (table, csv, json)",
	"Compute a KPI (or all of them) for N consecutive ISO weeks, in one database\n"
	"round trip per KPI, and print each row with its status. The table shows the\n"
	"last week, the previous one (with --weeks 2 or more; the default is one week)\n"
	"and a sparkline across the window, then the verdict of each week; csv and\n"
	"json hold every row.",
	opts, args, false, false,
};

int cmd_query(int argc, char **argv)
{
	query_args a;
	int rc, n;
	int64_t now;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_result *res = NULL;
	kpi_verdict *verdicts = NULL;
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf out = KPI_BUF_INIT;
	kpi_tool_progress progress;
	const char *id, *week, *format;

	if ((rc = kpi_opts_parse(&kpi_cmd_query, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	id = a.id;
	week = a.week;
	format = a.format;
	n = a.weeks;
	if ((rc = kpi_load_setup(&cfg, &cat, a.config, a.db)))
		return rc;
	kpi_tool_progress_begin(&progress, cfg, "query", a.quiet || strcmp(id, "all") != 0,
	                        kpi_tool_log_format(a.log_format));
	if ((rc = kpi_now(cfg, &now)))
		goto done;
	if (strcmp(id, "all") != 0 && !kpi_catalog_find(cat, id)) {
		kpi_error_set(&err, KPI_ENOTFOUND, "unknown KPI '%s' (kpi list shows the catalogue)", id);
		goto fail;
	}
	if ((rc = kpi_window_init(&w, week, n, cfg->timezone, now, &err)))
		goto fail;
	rc = kpi_collect(&res, cat, cfg, strcmp(id, "all") == 0 ? NULL : &id, strcmp(id, "all") == 0 ? 0 : 1, &w, &err);
	kpi_tool_progress_end(&progress, cfg);
	if (rc)
		goto fail;
	/* over the whole catalogue, the verdict rule weighs what was not measured and the waivers */
	if ((rc = strcmp(id, "all") == 0 ? kpi_collect_verdicts(&verdicts, res, cat, cfg, &err)
	                                 : kpi_eval_verdicts(&verdicts, res, &err)))
		goto fail;
	if (strcmp(id, "all") == 0)
		for (int i = 0; i < res->window.nweeks; i++)
			kpi_verdict_warn_expired(&verdicts[i], "query.waiver.expired");
	if (strcmp(format, "json") == 0) {
		rc = strcmp(id, "all") == 0 ? kpi_format_json_result(&out, res, verdicts, &err)
		                            : kpi_format_json_series(&out, &res->series[0], &err);
	} else if (strcmp(format, "csv") == 0) {
		rc = kpi_format_csv(&out, res, &err);
	} else {
		kpi_table_opts to = KPI_TABLE_OPTS_INIT;
		to.color = kpi_term_color(STDOUT_FILENO, a.no_color);
		rc = kpi_format_table(&out, res, strcmp(id, "all") == 0 ? verdicts : NULL, &to, &err);
	}
	if (rc)
		goto fail;
	rc = kpi_write_stdout(&out);
	goto done;
fail:
	rc = kpi_fail(&err);
done:
	kpi_tool_progress_end(&progress, cfg);
	kpi_buf_release(&out);
	kpi_verdicts_free(verdicts, res ? (size_t)res->window.nweeks : 0);
	kpi_result_free(res);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
