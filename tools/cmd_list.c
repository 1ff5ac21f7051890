#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

typedef struct list_args {
	const char *config, *format;
} list_args;

static const char *const formats[] = { "table", "json", NULL };

static const kpi_opt opts[] = {
	KPI_ENUM("format", 'f', "FORMAT", list_args, format, "table", formats, "output format"),
	KPI_OPT_CONFIG(list_args, config),
	KPI_OPT_END,
};

const kpi_cmd_spec kpi_cmd_list = {
	"list", cmd_list, "list the KPI catalogue with thresholds and policies",
	"Print the KPI catalogue: id, unit, labels, threshold, gating, missing-data\n"
	"policy and source, after the config's overrides. CloudWatch KPIs whose load\n"
	"balancer or queues are not configured are marked '*' (\"configured\": false in json)\n"
	"and are not part of runs over the whole catalogue.",
	opts, NULL, false, false,
};

int cmd_list(int argc, char **argv)
{
	list_args a;
	const char *config, *format;
	int rc, noff = 0;
	kpi_config *cfg;
	kpi_catalog *cat;
	kpi_buf out = KPI_BUF_INIT;

	if ((rc = kpi_opts_parse(&kpi_cmd_list, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	config = a.config;
	format = a.format;
	if ((rc = kpi_load_setup(&cfg, &cat, config, NULL)))
		return rc;
	if (strcmp(format, "json") == 0)
		kpi_buf_puts(&out, "[");
	else
		kpi_buf_printf(&out, "%-30s %-6s %-26s %-12s %-6s %-7s %-10s %s\n", "ID", "UNIT", "LABELS",
		               "THRESHOLD", "GATING", "MISSING", "SOURCE", "TITLE");
	for (size_t i = 0; i < cat->nkpis; i++) {
		const kpi_def *d = &cat->kpis[i];
		bool off = d->source == KPI_SOURCE_CLOUDWATCH && !kpi_cloudwatch_configured(cfg, d);
		const char *src = d->source == KPI_SOURCE_POSTGRES ? "postgres" : off ? "cloudwatch*" : "cloudwatch";
		char labels[256] = "", th[64];
		for (size_t j = 0; j < d->nlabels; j++)
			snprintf(labels + strlen(labels), sizeof(labels) - strlen(labels), "%s%s", j ? "," : "",
			         d->labels[j].name);
		kpi_threshold_format(th, sizeof(th), &d->threshold, d->unit);
		if (strcmp(format, "json") == 0) {
			char tgt[40];
			kpi_buf_printf(&out,
			               "%s\n {\"id\":\"%s\",\"title\":\"%s\",\"unit\":\"%s\",\"labels\":\"%s\","
			               "\"threshold\":%s%s%s%s%s,\"gating\":%s,\"missing\":\"%s\",\"source\":\"%s\","
			               "\"configured\":%s}",
			               i ? "," : "", d->id, d->title, d->unit, labels,
			               d->threshold.op ? "{\"op\":\"" : "null", d->threshold.op ? kpi_op_name(d->threshold.op) : "",
			               d->threshold.op ? "\",\"target\":" : "",
			               d->threshold.op ? kpi_format_number(tgt, sizeof(tgt), true, d->threshold.target) : "",
			               d->threshold.op ? "}" : "", d->gating ? "true" : "false",
			               d->missing == KPI_MISSING_BLOCK ? "block" : "ignore",
			               d->source == KPI_SOURCE_POSTGRES ? "postgres" : "cloudwatch", off ? "false" : "true");
		} else {
			kpi_buf_printf(&out, "%-30s %-6s %-26s %-12s %-6s %-7s %-10s %s\n", d->id, d->unit,
			               *labels ? labels : "-", th, d->gating ? "yes" : "no",
			               d->missing == KPI_MISSING_BLOCK ? "block" : "ignore", src, d->title);
			noff += off;
		}
	}
	if (noff)
		kpi_buf_printf(&out, "\n* not configured, so not part of runs: set cloudwatch.load_balancer / "
		                     "cloudwatch.queues in the config\n  file, or KPI_CW_LOAD_BALANCER / KPI_CW_QUEUES "
		                     "(see docs/configuration.md)\n");
	if (strcmp(format, "json") == 0)
		kpi_buf_puts(&out, "\n]\n");
	rc = kpi_write_stdout(&out);
	kpi_buf_release(&out);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
