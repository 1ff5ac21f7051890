/* kpi list: the catalogue as a table or as JSON (jansson writes the JSON,
 * so any title or description text comes out as valid JSON). */
#include "core/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *def_json(const kpi_def *d, const kpi_config *cfg)
{
	const char *hint = NULL;
	bool on = kpi_source_configured(cfg, d, &hint);
	json_t *labels = json_array(), *th = json_null();
	json_t *o;

	for (size_t j = 0; j < d->nlabels; j++)
		json_array_append_new(labels, json_string(d->labels[j].name));
	if (d->threshold.op != KPI_OP_NONE)
		th = json_pack("{s:s, s:f, s:f}", "op", kpi_op_name(d->threshold.op), "target", d->threshold.target,
		               "warn_margin", d->threshold.warn_margin);
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:s, s:s, s:b}", "id", d->id, "title", d->title, "unit", d->unit,
	              "labels", labels, "threshold", th, "gating", d->gating, "missing",
	              d->missing == KPI_MISSING_BLOCK ? "block" : "ignore", "source", d->source, "configured", on);
	if (o && !on && hint)
		json_object_set_new(o, "configure", json_string(hint));
	return o;
}

int kpi_format_catalog(kpi_buf *out, const kpi_catalog *cat, const kpi_config *cfg, bool json, kpi_error *err)
{
	size_t noff = 0;

	if (json) {
		json_t *arr = json_array();
		char *text;
		for (size_t i = 0; arr && i < cat->nkpis; i++)
			if (json_array_append_new(arr, def_json(&cat->kpis[i], cfg))) {
				json_decref(arr);
				arr = NULL;
			}
		text = arr ? json_dumps(arr, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) : NULL;
		json_decref(arr);
		if (!text || kpi_buf_puts(out, text) || kpi_buf_puts(out, "\n")) {
			free(text);
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		}
		free(text);
		return 0;
	}
	kpi_buf_printf(out, "%-30s %-6s %-26s %-12s %-6s %-7s %-11s %s\n", "ID", "UNIT", "LABELS", "THRESHOLD", "GATING",
	               "MISSING", "SOURCE", "TITLE");
	for (size_t i = 0; i < cat->nkpis; i++) {
		const kpi_def *d = &cat->kpis[i];
		bool off = !kpi_source_configured(cfg, d, NULL);
		char labels[256] = "", th[64], src[64];
		for (size_t j = 0; j < d->nlabels; j++)
			snprintf(labels + strlen(labels), sizeof(labels) - strlen(labels), "%s%s", j ? "," : "",
			         d->labels[j].name);
		snprintf(src, sizeof(src), "%s%s", d->source, off ? "*" : "");
		kpi_buf_printf(out, "%-30s %-6s %-26s %-12s %-6s %-7s %-11s %s\n", d->id, d->unit, *labels ? labels : "-",
		               kpi_threshold_format(th, sizeof(th), &d->threshold, d->unit), d->gating ? "yes" : "no",
		               d->missing == KPI_MISSING_BLOCK ? "block" : "ignore", src, d->title);
		noff += off;
	}
	if (noff) {
		/* what would configure each, once per setting */
		kpi_buf_puts(out, "\n* not configured, so not part of runs:");
		for (size_t i = 0; i < cat->nkpis; i++) {
			const char *hint = NULL;
			bool seen = false;
			if (kpi_source_configured(cfg, &cat->kpis[i], &hint) || !hint)
				continue;
			for (size_t j = 0; j < i && !seen; j++) {
				const char *h2 = NULL;
				seen = !kpi_source_configured(cfg, &cat->kpis[j], &h2) && h2 && strcmp(h2, hint) == 0;
			}
			if (!seen)
				kpi_buf_printf(out, "\n  %s", hint);
		}
		kpi_buf_puts(out, "\n  (see docs/configuration.md)\n");
	}
	return out->data ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}
