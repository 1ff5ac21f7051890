/* Where a query's named parameters get their values (the catalogue's
 * "params" of a KPI, see docs/configuration.md "Query parameters"):
 *
 *   window.from         start of the window's first period (timestamptz)
 *   window.to           T of its last period: its end, or now for the week in
 *                       progress (timestamptz)
 *   config.active_days  the legacy cohort's activity window (int)
 *   threshold.KPI       the target of KPI's threshold, after the config's
 *                       overrides (float8)
 *
 * A parameter named `from` or `to` that the catalogue does not map is
 * window.from or window.to. No KPI id or parameter name is known to C. */
#include "core/internal.h"
#include <stdio.h>
#include <string.h>

typedef enum origin { ORIGIN_FROM, ORIGIN_TO, ORIGIN_ACTIVE_DAYS, ORIGIN_THRESHOLD, ORIGIN_BAD } origin;

static origin parse_origin(const char *text, const char **kpi)
{
	*kpi = NULL;
	if (!text)
		return ORIGIN_BAD;
	if (strcmp(text, "window.from") == 0)
		return ORIGIN_FROM;
	if (strcmp(text, "window.to") == 0)
		return ORIGIN_TO;
	if (strcmp(text, "config.active_days") == 0)
		return ORIGIN_ACTIVE_DAYS;
	if (strncmp(text, "threshold.", 10) == 0 && text[10]) {
		*kpi = text + 10;
		return ORIGIN_THRESHOLD;
	}
	return ORIGIN_BAD;
}

#define ORIGINS "window.from, window.to, config.active_days or threshold.KPI"

int kpi__params_check(const kpi__jsondoc *doc, const json_t *params, kpi_error *err)
{
	const char *name;
	json_t *v;

	if (!params)
		return 0;
	if (!json_is_object(params))
		return kpi__jsondoc_error(doc, params, err, KPI_ECONFIG,
		                          "params must be an object {parameter name: where its value comes from}");
	json_object_foreach((json_t *)params, name, v) {
		const char *kpi;
		if (parse_origin(json_string_value(v), &kpi) == ORIGIN_BAD)
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "parameter '%s' comes from %s, not from %s%s%s",
			                          name, ORIGINS, json_is_string(v) ? "'" : "a non-string",
			                          json_is_string(v) ? json_string_value(v) : "",
			                          json_is_string(v) ? "'" : "");
	}
	return 0;
}

const char *kpi__param_origin(const kpi_def *def, const char *name)
{
	const json_t *params = def->raw ? json_object_get(def->raw, "params") : NULL;
	const char *o = json_string_value(json_object_get(params, name));
	if (o)
		return o;
	if (strcmp(name, "from") == 0)
		return "window.from";
	if (strcmp(name, "to") == 0)
		return "window.to";
	return NULL;
}

int kpi__param_value(char *buf, size_t size, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                     const char *name, const kpi_window *w, kpi_error *err)
{
	const char *text = kpi__param_origin(def, name), *kpi;
	const kpi_def *of;

	switch (parse_origin(text, &kpi)) {
	case ORIGIN_FROM:
		kpi_time_format(buf, size, w->from);
		return 0;
	case ORIGIN_TO:
		kpi_time_format(buf, size, w->as_of);
		return 0;
	case ORIGIN_ACTIVE_DAYS:
		snprintf(buf, size, "%d", cfg->active_days);
		return 0;
	case ORIGIN_THRESHOLD:
		if (!(of = kpi_catalog_find(cat, kpi)))
			return kpi_error_set(err, KPI_ECONFIG, "KPI %s: parameter '%s' is the threshold of KPI '%s', which is "
			                     "not in the catalogue", def->id, name, kpi);
		if (of->threshold.op == KPI_OP_NONE)
			return kpi_error_set(err, KPI_ECONFIG, "KPI %s: parameter '%s' is the threshold of KPI '%s', which has "
			                     "none", def->id, name, kpi);
		kpi_format_number(buf, size, true, of->threshold.target);
		return 0;
	default:
		return kpi_error_set(err, KPI_ECONFIG,
		                     "KPI %s: query parameter '%s' has no value: say where it comes from in the "
		                     "catalogue's \"params\" (" ORIGINS ")", def->id, name);
	}
}
