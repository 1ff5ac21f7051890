/*
 * The config file's `waivers` (kpi/waiver.h): read and checked against the
 * catalogue, each error at its position in the file.
 */
#include "core/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kpi_waivers_free(kpi_waiver *w, size_t n)
{
	for (size_t i = 0; w && i < n; i++) {
		for (size_t k = 0; k < w[i].nlabels; k++) {
			free(w[i].label_names[k]);
			free(w[i].label_values[k]);
		}
		free(w[i].label_names);
		free(w[i].label_values);
		free(w[i].kpi);
		free(w[i].reason);
		free(w[i].approved_by);
	}
	free(w);
}

char *kpi_waiver_labels_format(char *buf, size_t size, const kpi_waiver *w)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < w->nlabels && o < size; k++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s=%s", k ? "," : "", w->label_names[k], w->label_values[k]);
	return buf;
}

/* Fill `w` (zeroed) with copies; false when out of memory. */
static bool waiver_set(kpi_waiver *w, const char *kpi, const char *reason, const char *by, kpi_week until,
                       size_t nlabels)
{
	w->until = until;
	w->kpi = strdup(kpi);
	w->reason = strdup(reason);
	w->approved_by = strdup(by);
	if (nlabels && (!(w->label_names = calloc(nlabels, sizeof(char *))) ||
	                !(w->label_values = calloc(nlabels, sizeof(char *)))))
		return false;
	return w->kpi && w->reason && w->approved_by;
}

static bool label_add(kpi_waiver *w, const char *name, const char *value)
{
	w->label_names[w->nlabels] = strdup(name);
	w->label_values[w->nlabels] = strdup(value);
	w->nlabels++;
	return w->label_names[w->nlabels - 1] && w->label_values[w->nlabels - 1];
}

int kpi_waivers_dup(kpi_waiver **out, const kpi_waiver *w, size_t n, kpi_error *err)
{
	kpi_waiver *c = n ? calloc(n, sizeof(*c)) : NULL;
	*out = NULL;
	if (n && !c)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		bool ok = waiver_set(&c[i], w[i].kpi, w[i].reason, w[i].approved_by, w[i].until, w[i].nlabels);
		for (size_t k = 0; ok && k < w[i].nlabels; k++)
			ok = label_add(&c[i], w[i].label_names[k], w[i].label_values[k]);
		if (!ok) {
			kpi_waivers_free(c, n);
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		}
	}
	*out = c;
	return 0;
}

/* A non-empty string member `key` of waiver `o`. */
static int text(const kpi__jsondoc *doc, const json_t *o, const char *key, const char **out, kpi_error *err)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "a waiver needs '%s' (waivers: [{kpi, labels?, reason, "
		                          "approved_by, until: \"YYYY-Www\"}])", key);
	if (!json_is_string(v) || !json_string_length(v))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "waiver '%s' must be a non-empty string", key);
	*out = json_string_value(v);
	return 0;
}

static int one(kpi_waiver *w, const kpi__jsondoc *doc, const json_t *o, const kpi_catalog *cat, kpi_error *err)
{
	static const char *const keys[] = { "kpi", "labels", "reason", "approved_by", "until", NULL };
	const char *kpi, *reason, *by, *until, *name;
	const json_t *labels, *v;
	const kpi_def *def;
	kpi_week week;
	kpi_error werr = KPI_ERROR_INIT;
	kpi_buf listed = KPI_BUF_INIT;
	int rc;

	if (!json_is_object(o))
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG,
		                          "a waiver must be an object {kpi, labels?, reason, approved_by, until}");
	if ((rc = kpi__json_check_keys(doc, o, keys, "waiver", err)) || (rc = text(doc, o, "kpi", &kpi, err)) ||
	    (rc = text(doc, o, "reason", &reason, err)) || (rc = text(doc, o, "approved_by", &by, err)) ||
	    (rc = text(doc, o, "until", &until, err)))
		return rc;
	if (!(def = kpi_catalog_find(cat, kpi)))
		return kpi__jsondoc_error(doc, json_object_get(o, "kpi"), err, KPI_ECONFIG,
		                          "waiver of unknown KPI '%s' (see kpi list)", kpi);
	if (!def->gating)
		return kpi__jsondoc_error(doc, json_object_get(o, "kpi"), err, KPI_ECONFIG,
		                          "waiver of KPI '%s', which is not gating: it has no part in the verdict", kpi);
	if (kpi_week_parse(&week, until, &werr))
		return kpi__jsondoc_error(doc, json_object_get(o, "until"), err, KPI_ECONFIG,
		                          "waiver 'until' must be an ISO week \"YYYY-Www\" (e.g. \"2026-W48\"), not '%s'",
		                          until);
	labels = json_object_get(o, "labels");
	if (labels && !json_is_object(labels))
		return kpi__jsondoc_error(doc, labels, err, KPI_ECONFIG,
		                          "waiver 'labels' must be an object of label names to values");
	if (!waiver_set(w, kpi, reason, by, week, labels ? json_object_size(labels) : 0))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	json_object_foreach((json_t *)labels, name, v) {
		if (kpi_def_label_index(def, name) < 0)
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "KPI '%s' has no label '%s'%s", kpi, name,
			                          def->nlabels ? " (kpi list shows its labels)" : ": it has no labels");
		if (!json_is_string(v))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "waiver label '%s' must be a string", name);
		if (!kpi__def_label_value_known(def, name, json_string_value(v), &listed)) {
			rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                        "waiver of KPI '%s': label '%s' has no value '%s' (the catalogue lists: %s): "
			                        "the waiver would never match",
			                        kpi, name, json_string_value(v), listed.data ? listed.data : "");
			kpi_buf_release(&listed);
			return rc;
		}
		if (!label_add(w, name, json_string_value(v)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

int kpi_config_waivers(kpi_waiver **out, size_t *nout, const kpi_config *cfg, const kpi_catalog *cat, kpi_error *err)
{
	const kpi__jsondoc *doc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	const json_t *arr = doc ? json_object_get(doc->root, "waivers") : NULL, *o;
	kpi_waiver *w;
	size_t i, n;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return kpi__jsondoc_error(doc, arr, err, KPI_ECONFIG,
		                          "waivers must be an array of {kpi, labels?, reason, approved_by, until}");
	if ((n = json_array_size(arr)) > KPI_WAIVERS_MAX)
		return kpi__jsondoc_error(doc, arr, err, KPI_ECONFIG, "at most %d waivers", KPI_WAIVERS_MAX);
	if (!n)
		return 0;
	if (!(w = calloc(n, sizeof(*w))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	json_array_foreach(arr, i, o)
		if ((rc = one(&w[i], doc, o, cat, err)))
			break;
	if (rc) {
		kpi_waivers_free(w, n);
		return rc;
	}
	*out = w;
	*nout = n;
	return 0;
}
