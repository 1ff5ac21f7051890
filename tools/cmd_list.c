#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

int cmd_list(int argc, char **argv)
{
	const char *config = NULL, *format = "table";
	const kpi_opt opts[] = {
		{ "config", 'c', "FILE", "JSON config file (default $KPI_CONFIG)", &config },
		{ "format", 'f', "FORMAT", "table (default) or json", &format },
		{ NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[1];
	int npos, rc;
	kpi_error err = KPI_ERROR_INIT;
	kpi_config *cfg;
	kpi_catalog *cat;
	kpi_buf out = KPI_BUF_INIT;

	rc = kpi_opts_parse("list", "[--format table|json] [--config FILE]",
	                    "Print the KPI catalogue: id, unit, labels, threshold, gating, missing-data\n"
	                    "policy and source, after the config's overrides. KPIs whose source the config\n"
	                    "does not configure to read them (a CloudWatch KPI without its load balancer or\n"
	                    "queues) are marked '*' (\"configured\": false in json) with what would, and\n"
	                    "are not part of runs over the whole catalogue.",
	                    opts, argc, argv, pos, 0, &npos);
	if (rc)
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "kpi list: unknown format '%s': expected table or json\n", format);
		return KPI_EXIT_USAGE;
	}
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
