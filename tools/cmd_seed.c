#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

typedef struct seed_args {
	const char *dataset, *config, *db;
	int scale;
	bool reset, schema_only;
	const char *log_format;
} seed_args;

static const kpi_opt opts[] = {
	KPI_INT("scale", 's', "N", seed_args, scale, "1", 1, 100000,
	        "size of the scale dataset: N x 1000 designs"),
	KPI_FLAG("reset", 0, seed_args, reset, "drop the reference tables first"),
	KPI_FLAG("schema-only", 0, seed_args, schema_only, "create the schema and load no data"),
	KPI_OPT_CONFIG(seed_args, config),
	KPI_OPT_DB(seed_args, db),
	KPI_OPT_LOG_FORMAT(seed_args, log_format),
	KPI_OPT_END,
};

static const char *const datasets[] = { "demo", "scale", NULL };

static const kpi_arg args[] = {
	{ "DATASET", KPI_ARG_ENUM, offsetof(seed_args, dataset), datasets, "dataset", NULL },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_seed = {
	"seed", cmd_seed, "create the reference schema and load the demo or scale dataset",
	"Create the reference schema (queries/schema.sql) and load a generated,\n"
	"deterministic dataset: 'demo' (the rollout story, 2026-W35..2026-W46) or\n"
	"'scale' (N x 1000 designs, 10 jobs and 20 design events per design). Needs a\n"
	"role that may create tables: never point it at a production database.",
	opts, args, false, false,
};

int cmd_seed(int argc, char **argv)
{
	seed_args a;
	int rc;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;

	if ((rc = kpi_opts_parse(&kpi_cmd_seed, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (!a.schema_only && !a.dataset) {
		fprintf(stderr, "kpi seed: name a dataset, demo or scale (or --schema-only)\n");
		return KPI_EXIT_USAGE;
	}
	if ((rc = kpi_load_setup(&cfg, &cat, a.config, a.db)))
		return rc;
	rc = kpi_seed(cfg, a.schema_only ? NULL : a.dataset, a.scale, a.reset, &err);
	if (rc)
		rc = kpi_fail(&err);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
