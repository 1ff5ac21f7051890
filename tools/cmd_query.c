#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "opts.h"

int cmd_query(int argc, char **argv)
{
	const char *config = NULL, *db = NULL, *week = "last", *weeks = "1", *format = "table",
	           *no_color = NULL;
	const kpi_opt opts[] = {
		{ "week", 'w', "WEEK", "last week of the window: YYYY-Www, last (default) or current", &week },
		{ "weeks", 'n', "N", "number of weeks ending with --week (default 1)", &weeks },
		{ "format", 'f', "FORMAT", "table (default), csv or json", &format },
		{ "config", 'c', "FILE", "JSON config file (default $KPI_CONFIG)", &config },
		{ "db", 'd', "CONNINFO", "libpq connection string (default: config, then PG* environment)", &db },
		{ "no-color", 0, NULL, "no ANSI colours (also when NO_COLOR is set or not a terminal)", &no_color },
		{ NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[1];
	int npos, rc, n;
	int64_t now;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_result *res = NULL;
	kpi_verdict *verdicts = NULL;
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf out = KPI_BUF_INIT;
	const char *id;

	rc = kpi_opts_parse("query", "KPI|all [--week YYYY-Www|last|current] [--weeks N] [--format table|csv|json]",
	                    "Compute a KPI (or all of them) for N consecutive ISO weeks, in one database\n"
	                    "round trip per KPI, and print each row with its status. The table shows the\n"
	                    "last week, the previous one and a sparkline across the window, then the\n"
	                    "verdict of each week; csv and json hold every row.",
	                    opts, argc, argv, pos, 1, &npos);
	if (rc)
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (npos != 1) {
		fprintf(stderr, "kpi query: missing KPI id (or 'all'); see kpi list\n");
		return KPI_EXIT_USAGE;
	}
	id = pos[0];
	if ((rc = kpi_parse_weeks("query", weeks, &n)))
		return rc;
	if (strcmp(format, "table") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "kpi query: unknown format '%s': expected table, csv or json\n", format);
		return KPI_EXIT_USAGE;
	}
	if ((rc = kpi_load_setup(&cfg, &cat, config, db)))
		return rc;
	if ((rc = kpi_now(cfg, &now)))
		goto done;
	if (strcmp(id, "all") != 0 && !kpi_catalog_find(cat, id)) {
		kpi_error_set(&err, KPI_ENOTFOUND, "unknown KPI '%s' (kpi list shows the catalogue)", id);
		goto fail;
	}
	if ((rc = kpi_window_init(&w, week, n, cfg->timezone, now, &err)))
		goto fail;
	if ((rc = kpi_collect(&res, cat, cfg, strcmp(id, "all") == 0 ? NULL : &id,
	                      strcmp(id, "all") == 0 ? 0 : 1, &w, &err)))
		goto fail;
	if ((rc = kpi_eval_verdicts(&verdicts, res, &err)))
		goto fail;
	if (strcmp(format, "json") == 0) {
		rc = strcmp(id, "all") == 0 ? kpi_format_json_result(&out, res, verdicts, &err)
		                            : kpi_format_json_series(&out, &res->series[0], &err);
	} else if (strcmp(format, "csv") == 0) {
		rc = kpi_format_csv(&out, res, &err);
	} else {
		kpi_table_opts to = KPI_TABLE_OPTS_INIT;
		const char *nc = getenv("NO_COLOR");
		to.color = !no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
		rc = kpi_format_table(&out, res, strcmp(id, "all") == 0 ? verdicts : NULL, &to, &err);
	}
	if (rc)
		goto fail;
	rc = kpi_write_stdout(&out);
	goto done;
fail:
	rc = kpi_fail(&err);
done:
	kpi_buf_release(&out);
	kpi_verdicts_free(verdicts, res ? (size_t)res->window.nweeks : 0);
	kpi_result_free(res);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
