#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

int cmd_pack(int argc, char **argv)
{
	const char *config = NULL, *db = NULL, *week = "last", *weeks = "12", *outdir = NULL;
	const kpi_opt opts[] = {
		{ "week", 'w', "WEEK", "the pack's week: YYYY-Www, last (default: the last complete week) or current",
		  &week },
		{ "weeks", 'n', "N", "weeks of history ending with --week (default 12)", &weeks },
		{ "out", 'o', "DIR", "pack directory (default reports/YYYY-Www)", &outdir },
		{ "config", 'c', "FILE", "JSON config file (default $KPI_CONFIG)", &config },
		{ "db", 'd', "CONNINFO", "libpq connection string (default: config, then PG* environment)", &db },
		{ NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[1];
	int npos, rc, n;
	int64_t now;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_snapshot *snap = NULL;
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf json = KPI_BUF_INIT;
	kpi_pack_paths paths = { NULL, NULL, NULL };

	rc = kpi_opts_parse("pack", "[--week YYYY-Www|last|current] [--weeks N] [--out DIR] [--config FILE] [--db CONNINFO]",
	                    "Write the weekly go/no-go pack: read every KPI over the window and the\n"
	                    "drill-down lists in one read-only transaction, save them as snapshot.json,\n"
	                    "and render the PDF, the XLSX and one PNG chart per KPI, with manifest.json\n"
	                    "(size and SHA-256 of every file). The pack is built beside DIR and swapped\n"
	                    "in whole: a killed run leaves the previous pack intact. Prints the paths of\n"
	                    "the PDF and the XLSX. Re-render with kpi render, check with kpi verify.",
	                    opts, argc, argv, pos, 0, &npos);
	if (rc)
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if ((rc = kpi_parse_weeks("pack", weeks, &n)))
		return rc;
	if ((rc = kpi_load_setup(&cfg, &cat, config, db)))
		return rc;
	if ((rc = kpi_now(cfg, &now)))
		goto done;
	if ((rc = kpi_window_init(&w, week, n, cfg->timezone, now, &err)) ||
	    (rc = kpi_snapshot_collect(&snap, cat, cfg, &w, &err)) || (rc = kpi_snapshot_write(&json, snap, &err)) ||
	    (rc = kpi_pack_write(&paths, outdir, snap, json.data, json.len, &err)))
		goto fail;
	rc = kpi_print_pack(&paths);
	goto done;
fail:
	rc = kpi_fail(&err);
done:
	kpi_pack_paths_release(&paths);
	kpi_buf_release(&json);
	kpi_snapshot_free(snap);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
