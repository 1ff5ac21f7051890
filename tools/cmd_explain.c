#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

typedef struct explain_args {
	const char *id, *week, *config;
	int weeks;
} explain_args;

static const kpi_opt opts[] = {
	KPI_WEEK("week", 'w', explain_args, week, "last", "last week of the window"),
	KPI_OPT_WEEKS(explain_args, weeks, "1", "number of weeks ending with `--week`"),
	KPI_OPT_CONFIG(explain_args, config),
	KPI_OPT_END,
};

static const kpi_arg args[] = {
	{ "KPI", KPI_ARG_KPI, offsetof(explain_args, id), NULL, NULL, "missing KPI id; see kpi list" },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_explain = {
	"explain", cmd_explain, "print the SQL behind a KPI and the parameters it runs with",
	"Print a KPI's definition, its query file and SHA-256, the parameter values\n"
	"it would run with for the window, and the SQL itself. Reads no database.\n"
	"For a CloudWatch KPI: the endpoint, region, SigV4 scope and credential\n"
	"source (never a secret) and the body of every GetMetricData request it\n"
	"would send. Sends nothing.",
	opts, args, false, false,
};

int cmd_explain(int argc, char **argv)
{
	explain_args a;
	const char *config, *week, *pos[1];
	int rc, n;
	int64_t now;
	char *text = NULL, th[64], sha[65];
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	const kpi_def *d;
	kpi_window w;
	kpi_query_params qp;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf out = KPI_BUF_INIT;

	if ((rc = kpi_opts_parse(&kpi_cmd_explain, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	pos[0] = a.id;
	config = a.config;
	week = a.week;
	n = a.weeks;
	if ((rc = kpi_load_setup(&cfg, &cat, config, NULL)))
		return rc;
	if ((rc = kpi_now(cfg, &now)))
		goto done;
	if (!(d = kpi_catalog_find(cat, pos[0]))) {
		kpi_error_set(&err, KPI_ENOTFOUND, "unknown KPI '%s' (kpi list shows the catalogue)", pos[0]);
		goto fail;
	}
	if ((rc = kpi_window_init(&w, week, n, cfg->timezone, now, &err)))
		goto fail;
	kpi_buf_printf(&out, "-- %s: %s (%s)\n", d->id, d->title, d->unit);
	if (d->description)
		kpi_buf_printf(&out, "-- %s\n", d->description);
	kpi_buf_printf(&out, "-- threshold %s, %s, missing data: %s\n",
	               kpi_threshold_format(th, sizeof(th), &d->threshold, d->unit),
	               d->gating ? "gating" : "not gating", d->missing == KPI_MISSING_BLOCK ? "block" : "ignore");
	if (d->source == KPI_SOURCE_CLOUDWATCH) {
		if ((rc = kpi_cloudwatch_explain(&out, cfg, d, &w, &err)))
			goto fail;
	} else {
		if ((rc = kpi_query_text(&text, cfg, d, &err)))
			goto fail;
		kpi_query_params_init(&qp, cfg, cat, &w);
		kpi_sha256_hex(sha, text, strlen(text));
		kpi_buf_printf(&out, "-- query file: %s/%s\n-- sha256: %s\n-- time zone: %s (session TimeZone)\n",
		               cfg->query_dir, d->query, sha, cfg->timezone);
		for (size_t i = 0; i < qp.n; i++)
			kpi_buf_printf(&out, "-- $%zu %-16s = %s\n", i + 1, qp.names[i], qp.values[i]);
		kpi_buf_printf(&out, "\n%s", text);
		if (out.len && out.data[out.len - 1] != '\n')
			kpi_buf_puts(&out, "\n");
	}
	rc = kpi_write_stdout(&out);
	goto done;
fail:
	rc = kpi_fail(&err);
done:
	free(text);
	kpi_buf_release(&out);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
