#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

int cmd_seed(int argc, char **argv)
{
	const char *config = NULL, *db = NULL, *scale = "1", *reset = NULL, *schema_only = NULL;
	const kpi_opt opts[] = {
		{ "scale", 's', "N", "size of the scale dataset: N x 1000 designs (default 1)", &scale },
		{ "reset", 0, NULL, "drop the reference tables first", &reset },
		{ "schema-only", 0, NULL, "create the schema and load no data", &schema_only },
		{ "config", 'c', "FILE", "JSON config file (default $KPI_CONFIG)", &config },
		{ "db", 'd', "CONNINFO", "libpq connection string (default: config, then PG* environment)", &db },
		{ NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[1];
	int npos, rc;
	long s;
	char *end;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;

	rc = kpi_opts_parse("seed", "[demo|scale] [--scale N] [--reset] [--schema-only]",
	                    "Create the reference schema (queries/schema.sql) and load a generated,\n"
	                    "deterministic dataset: 'demo' (the rollout story, 2026-W35..2026-W46) or\n"
	                    "'scale' (N x 1000 designs, 10 jobs and 20 design events per design). Needs a\n"
	                    "role that may create tables: never point it at a production database.",
	                    opts, argc, argv, pos, 1, &npos);
	if (rc)
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	s = strtol(scale, &end, 10);
	if (*end || end == scale) {
		fprintf(stderr, "kpi seed: --scale '%s': expected a whole number\n", scale);
		return KPI_EXIT_USAGE;
	}
	if (!schema_only && npos != 1) {
		fprintf(stderr, "kpi seed: name a dataset, demo or scale (or --schema-only)\n");
		return KPI_EXIT_USAGE;
	}
	if ((rc = kpi_load_setup(&cfg, &cat, config, db)))
		return rc;
	rc = kpi_seed(cfg, schema_only ? NULL : pos[0], s, reset != NULL, &err);
	if (rc)
		rc = kpi_fail(&err);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
