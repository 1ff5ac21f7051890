/*
 * The snapshot's waivers (format 3): the config's waivers at collection,
 * written to and read from snapshot.json's "waivers", and the verdicts of a
 * snapshot, which weigh them with the KPIs it did not collect
 * (kpi_eval_verdicts_in(), the one verdict rule).
 *
 *   "waivers": [
 *     {"kpi": "api_error_rate_pct", "labels": {"load_balancer": "app/api"},
 *      "reason": "...", "approved_by": "...", "until": "2026-W48"}
 *   ]
 */
#include "core/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kpi__snapshot_verdicts(kpi_verdict **out, const kpi_snapshot *snap, kpi_error *err)
{
	kpi_unmeasured *u;
	kpi_verdict_in in = { 0 };
	int rc;

	/* formats 1 and 2 were decided by the rows alone */
	if (snap->format < 3)
		return kpi_eval_verdicts(out, snap->result, err);
	if (!(u = calloc(snap->nnot_collected + 1, sizeof(*u))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < snap->nnot_collected; i++) {
		u[i].kpi = snap->not_collected[i].kpi;
		u[i].gating = snap->not_collected[i].gating;
		u[i].why = snap->not_collected[i].reason;
	}
	in.unmeasured = u;
	in.nunmeasured = snap->nnot_collected;
	in.waivers = snap->waivers;
	in.nwaivers = snap->nwaivers;
	rc = kpi_eval_verdicts_in(out, snap->result, &in, err);
	free(u);
	return rc;
}

int kpi__snapshot_waivers_write(kpi_buf *out, const kpi_snapshot *snap, kpi_error *err)
{
	int rc = kpi_buf_puts(out, ",\n  \"waivers\": [");
	char wk[16];

	for (size_t i = 0; i < snap->nwaivers && !rc; i++) {
		const kpi_waiver *w = &snap->waivers[i];
		json_t *o = json_object(), *labels = json_object();
		char *text = NULL;
		bool ok = o && labels;
		for (size_t k = 0; ok && k < w->nlabels; k++)
			ok = json_object_set_new(labels, w->label_names[k], json_string(w->label_values[k])) == 0;
		ok = ok && json_object_set_new(o, "kpi", json_string(w->kpi)) == 0 &&
		     json_object_set(o, "labels", labels) == 0 &&
		     json_object_set_new(o, "reason", json_string(w->reason)) == 0 &&
		     json_object_set_new(o, "approved_by", json_string(w->approved_by)) == 0 &&
		     json_object_set_new(o, "until", json_string(kpi_week_format(wk, sizeof(wk), w->until))) == 0 &&
		     (text = json_dumps(o, 0)) != NULL;
		if (!ok)
			/* jansson takes no text that is not UTF-8 */
			rc = kpi_error_set(err, KPI_EDATA, "snapshot: waiver %zu of KPI %s cannot be written (text that "
			                   "is not UTF-8, or out of memory)", i + 1, w->kpi);
		else
			rc = kpi_buf_printf(out, "%s%s", i ? ",\n    " : "\n    ", text);
		free(text);
		json_decref(labels);
		json_decref(o);
	}
	if (!rc)
		rc = kpi_buf_puts(out, snap->nwaivers ? "\n  ]" : "]");
	return rc < 0 && err && !err->code ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : rc;
}

static int fail(const kpi__jsondoc *doc, const json_t *v, kpi_error *err, const char *what)
{
	return kpi__jsondoc_error(doc, v, err, KPI_EDATA, "%s", what);
}

static bool known_kpi(const kpi_snapshot *snap, const char *id)
{
	if (kpi_catalog_find(snap->catalog, id))
		return true;
	for (size_t i = 0; i < snap->nnot_collected; i++)
		if (strcmp(snap->not_collected[i].kpi, id) == 0)
			return true;
	return false;
}

static int parse_one(kpi_waiver *w, const kpi_snapshot *snap, const kpi__jsondoc *doc, const json_t *o,
                     kpi_error *err)
{
	static const char *const keys[] = { "kpi", "labels", "reason", "approved_by", "until", NULL };
	const char *const text_keys[] = { "kpi", "reason", "approved_by", "until" };
	char **dst[] = { &w->kpi, &w->reason, &w->approved_by, NULL };
	const json_t *labels, *v;
	const char *name;
	kpi_error werr = KPI_ERROR_INIT;
	size_t n;
	int rc;

	if (!json_is_object(o))
		return fail(doc, o, err, "a waiver must be an object {\"kpi\", \"labels\", \"reason\", \"approved_by\", \"until\"}");
	if ((rc = kpi__json_check_keys(doc, o, keys, "waiver", err)))
		return err->code = KPI_EDATA;
	for (int i = 0; i < 4; i++) {
		v = json_object_get(o, text_keys[i]);
		if (!json_is_string(v) || !json_string_length(v))
			return kpi__jsondoc_error(doc, v ? v : o, err, KPI_EDATA, "waiver '%s' must be a non-empty string",
			                          text_keys[i]);
		if (dst[i] && !(*dst[i] = strdup(json_string_value(v))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	if (kpi_week_parse(&w->until, json_string_value(json_object_get(o, "until")), &werr))
		return fail(doc, json_object_get(o, "until"), err, "waiver 'until' must be an ISO week \"YYYY-Www\"");
	if (!known_kpi(snap, w->kpi))
		return kpi__jsondoc_error(doc, json_object_get(o, "kpi"), err, KPI_EDATA,
		                          "waiver of KPI '%s', which is neither in the catalogue nor among those not collected",
		                          w->kpi);
	labels = json_object_get(o, "labels");
	if (!json_is_object(labels))
		return fail(doc, labels ? labels : o, err, "waiver 'labels' must be an object of label names to values");
	n = json_object_size(labels);
	if (n && (!(w->label_names = calloc(n, sizeof(char *))) || !(w->label_values = calloc(n, sizeof(char *)))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	json_object_foreach((json_t *)labels, name, v) {
		if (!json_is_string(v))
			return fail(doc, labels, err, "a waiver label's value must be a string");
		w->label_names[w->nlabels] = strdup(name);
		w->label_values[w->nlabels] = strdup(json_string_value(v));
		if (!w->label_names[w->nlabels++] || !w->label_values[w->nlabels - 1])
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

int kpi__snapshot_waivers_parse(kpi_snapshot *snap, const kpi__jsondoc *doc, const json_t *root, kpi_error *err)
{
	const json_t *arr = json_object_get(root, "waivers"), *o;
	size_t i;
	int rc;

	if (!json_is_array(arr))
		return fail(doc, arr ? arr : root, err, "'waivers' must be an array (snapshot format 3)");
	if (json_array_size(arr) > KPI_WAIVERS_MAX)
		return fail(doc, arr, err, "too many waivers");
	if (!json_array_size(arr))
		return 0;
	if (!(snap->waivers = calloc(json_array_size(arr), sizeof(*snap->waivers))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	json_array_foreach(arr, i, o) {
		snap->nwaivers++;
		if ((rc = parse_one(&snap->waivers[i], snap, doc, o, err)))
			return rc;
	}
	return 0;
}
