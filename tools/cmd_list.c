#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

typedef struct list_args {
	const char *config, *format;
	const char *log_format;
} list_args;

static const char *const formats[] = { "table", "json", NULL };

static const kpi_opt opts[] = {
	KPI_ENUM("format", 'f', "FORMAT", list_args, format, "table", formats, "output format"),
	KPI_OPT_CONFIG(list_args, config),
	KPI_OPT_LOG_FORMAT(list_args, log_format),
	KPI_OPT_END,
};

const kpi_cmd_spec kpi_cmd_list = {
	"list", cmd_list, "list the KPI catalogue with thresholds and policies",
	"Print the KPI catalogue: id, unit, labels, threshold, gating, missing-data\n"
	"policy and source, after the config's overrides. KPIs whose source the config\n"
	"does not configure to read them (a CloudWatch KPI without its load balancer or\n"
	"queues) are marked '*' (\"configured\": false in json) with what would, and\n"
	"are not part of runs over the whole catalogue.",
	opts, NULL, false, false,
};

int cmd_list(int argc, char **argv)
{
	list_args a;
	const char *config, *format;
	int rc;
	kpi_error err = KPI_ERROR_INIT;
	kpi_config *cfg;
	kpi_catalog *cat;
	kpi_buf out = KPI_BUF_INIT;

	if ((rc = kpi_opts_parse(&kpi_cmd_list, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	config = a.config;
	format = a.format;
	if ((rc = kpi_load_setup(&cfg, &cat, config, NULL)))
		return rc;
	if (kpi_format_catalog(&out, cat, cfg, strcmp(format, "json") == 0, &err))
		rc = kpi_fail(&err);
	else
		rc = kpi_write_stdout(&out);
	kpi_buf_release(&out);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
