#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

int cmd_explain(int argc, char **argv)
{
	const char *config = NULL, *week = "last", *weeks = "1";
	const kpi_opt opts[] = {
		{ "week", 'w', "WEEK", "last week of the window: YYYY-Www, last (default) or current", &week },
		{ "weeks", 'n', "N", "number of weeks (default 1)", &weeks },
		{ "config", 'c', "FILE", "JSON config file (default $KPI_CONFIG)", &config },
		{ NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[1];
	int npos, rc, n;
	int64_t now;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	const kpi_def *d;
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf out = KPI_BUF_INIT;

	rc = kpi_opts_parse("explain", "KPI [--week YYYY-Www|last|current] [--weeks N]",
	                    "Print a KPI's definition, its query file and SHA-256, each parameter with\n"
	                    "its value for the window and where it comes from, and the SQL itself with\n"
	                    "its includes expanded. Reads no database.\n"
	                    "For a CloudWatch KPI: the endpoint, region, SigV4 scope and credential\n"
	                    "source (never a secret) and the body of every GetMetricData request it\n"
	                    "would send. Sends nothing.",
	                    opts, argc, argv, pos, 1, &npos);
	if (rc)
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (npos != 1) {
		fprintf(stderr, "kpi explain: missing KPI id; see kpi list\n");
		return KPI_EXIT_USAGE;
	}
	if ((rc = kpi_parse_weeks("explain", weeks, &n)))
		return rc;
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
	if ((rc = kpi_source_explain(&out, cfg, cat, d, &w, &err)))
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
