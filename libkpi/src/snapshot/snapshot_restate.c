/* snapshot.json's "restatements" section (format 4): write, parse,
 * validate, free. Written as
 *   "restatements": {"compared": ["2026-W45"],
 *     "unreadable": [{"pack": "reports/2026-W44", "reason": "..."}],
 *     "verdicts": [{"week": "2026-W45", "old": "GO", "new": "HOLD", "pack": "2026-W45",
 *                   "decided": true, "differ": ["data", "waivers"]}],
 *     "values_total": 1,
 *     "values": [
 *       {"kpi": "...", "labels": {"path": "owned"}, "week": "2026-W45", "old": 97.5, "new": null, "pack": "2026-W45"}]}
 * or "restatements": null when no reports directory was compared with.
 * Numbers are the snapshot's shortest round-trip decimals (null: missing). */
#include "snapshot/snapshot_restate.h"
#include "snapshot/snapshot_write.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A restated verdict's "differ" (absent: none known), in this order;
 * "decided" is written only when true. */
static const struct {
	unsigned bit;
	const char *name;
} differ_names[] = { { KPI_RESTATED_DATA, "data" },
	             { KPI_RESTATED_WAIVERS, "waivers" },
	             { KPI_RESTATED_COLLECTED, "collected" },
	             { KPI_RESTATED_THRESHOLDS, "thresholds" },
	             { KPI_RESTATED_RULE, "rule" } };
#define NDIFFER (sizeof(differ_names) / sizeof(differ_names[0]))

void kpi_restatements_free(kpi_restatements *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncompared; i++)
		free(r->compared[i]);
	free(r->compared);
	for (size_t i = 0; i < r->nverdicts; i++)
		free(r->verdicts[i].pack);
	free(r->verdicts);
	for (size_t i = 0; i < r->nvalues; i++) {
		kpi_restated *x = &r->values[i];
		for (size_t k = 0; k < x->nlabels; k++) {
			free(x->label_names[k]);
			free(x->label_values[k]);
		}
		free(x->label_names);
		free(x->label_values);
		free(x->kpi);
		free(x->pack);
	}
	free(r->values);
	for (size_t i = 0; i < r->nunread; i++) {
		free(r->unread[i].pack);
		free(r->unread[i].reason);
	}
	free(r->unread);
	free(r);
}

int kpi__window_week_index(const kpi_window *w, kpi_week wk)
{
	for (int i = 0; i < w->nweeks; i++)
		if (kpi_week_cmp(kpi_week_add(w->first, i), wk) == 0)
			return i;
	return -1;
}

/* ---- writing ---- */

typedef kpi__snapw wr;

/* Restatements' texts are never null. */
static void put_text(wr *w, const char *s)
{
	if (!s && !w->rc)
		w->rc = kpi_error_set(w->err, KPI_EDATA, "snapshot: a restatement's text is not valid UTF-8");
	kpi__snapw_str(w, s, "a restatement's text");
}

int kpi__restate_write(kpi_buf *b, const kpi_restatements *r, kpi_error *err)
{
	wr w = { b, 0, err };
	char wk[16], n[32];

	if (!r) {
		kpi__snapw_put(&w, ",\n  \"restatements\": null");
		return w.rc;
	}
	kpi__snapw_put(&w, ",\n  \"restatements\": {\"compared\": [");
	for (size_t i = 0; i < r->ncompared; i++) {
		kpi__snapw_put(&w, i ? ", " : "");
		put_text(&w, r->compared[i]);
	}
	kpi__snapw_put(&w, "],\n    \"unreadable\": [");
	for (size_t i = 0; i < r->nunread; i++) {
		kpi__snapw_put(&w, i ? ",\n      {\"pack\": " : "\n      {\"pack\": ");
		put_text(&w, r->unread[i].pack);
		kpi__snapw_put(&w, ", \"reason\": ");
		put_text(&w, r->unread[i].reason);
		kpi__snapw_put(&w, "}");
	}
	kpi__snapw_put(&w, r->nunread ? "\n    ],\n    \"verdicts\": [" : "],\n    \"verdicts\": [");
	for (size_t i = 0; i < r->nverdicts; i++) {
		const kpi_restated_verdict *v = &r->verdicts[i];
		kpi__snapw_put(&w, i ? ",\n      {\"week\": \"" : "\n      {\"week\": \"");
		kpi__snapw_put(&w, kpi_week_format(wk, sizeof(wk), v->week));
		kpi__snapw_put(&w, "\", \"old\": \"");
		kpi__snapw_put(&w, kpi_verdict_name(v->old_verdict));
		kpi__snapw_put(&w, "\", \"new\": \"");
		kpi__snapw_put(&w, kpi_verdict_name(v->new_verdict));
		kpi__snapw_put(&w, "\", \"pack\": ");
		put_text(&w, v->pack);
		/* both only when known, so a snapshot written without them reads
		 * and writes back as it was */
		if (v->decided)
			kpi__snapw_put(&w, ", \"decided\": true");
		for (size_t k = 0, nd = 0; k < NDIFFER; k++)
			if (v->differ & differ_names[k].bit) {
				kpi__snapw_put(&w, nd++ ? ", \"" : ", \"differ\": [\"");
				kpi__snapw_put(&w, differ_names[k].name);
				kpi__snapw_put(&w, "\"");
			}
		if (v->differ)
			kpi__snapw_put(&w, "]");
		kpi__snapw_put(&w, "}");
	}
	snprintf(n, sizeof(n), "%zu", r->values_total);
	kpi__snapw_put(&w, r->nverdicts ? "\n    ],\n    \"values_total\": " : "],\n    \"values_total\": ");
	kpi__snapw_put(&w, n);
	kpi__snapw_put(&w, ",\n    \"values\": [");
	for (size_t i = 0; i < r->nvalues; i++) {
		const kpi_restated *x = &r->values[i];
		kpi__snapw_put(&w, i ? ",\n      {\"kpi\": " : "\n      {\"kpi\": ");
		put_text(&w, x->kpi);
		kpi__snapw_put(&w, ", \"labels\": {");
		for (size_t k = 0; k < x->nlabels; k++) {
			kpi__snapw_put(&w, k ? ", " : "");
			put_text(&w, x->label_names[k]);
			kpi__snapw_put(&w, ": ");
			put_text(&w, x->label_values[k]);
		}
		kpi__snapw_put(&w, "}, \"week\": \"");
		kpi__snapw_put(&w, kpi_week_format(wk, sizeof(wk), x->week));
		kpi__snapw_put(&w, "\", \"old\": ");
		kpi__snapw_num(&w, x->old_has, x->old_value, "a restated value");
		kpi__snapw_put(&w, ", \"new\": ");
		kpi__snapw_num(&w, x->new_has, x->new_value, "a restated value");
		kpi__snapw_put(&w, ", \"pack\": ");
		put_text(&w, x->pack);
		kpi__snapw_put(&w, "}");
	}
	kpi__snapw_put(&w, r->nvalues ? "\n    ]}" : "]}");
	return w.rc;
}

/* ---- parsing ---- */

static int bad(const kpi__jsondoc *doc, const json_t *v, const json_t *parent, kpi_error *err, const char *what)
{
	return kpi__jsondoc_error(doc, v ? v : parent, err, KPI_EDATA, "restatements: %s", what);
}

static int text(char **out, const kpi__jsondoc *doc, const json_t *o, const char *key, kpi_error *err)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || !json_string_value(v)[0])
		return kpi__jsondoc_error(doc, v ? v : o, err, KPI_EDATA, "restatements: '%s' must be non-empty text", key);
	if (!(*out = strdup(json_string_value(v))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

static int verdict_of(kpi_verdict_kind *out, const json_t *v)
{
	for (int k = KPI_VERDICT_GO; k <= KPI_VERDICT_NOGO; k++)
		if (json_is_string(v) && strcmp(json_string_value(v), kpi_verdict_name((kpi_verdict_kind)k)) == 0) {
			*out = (kpi_verdict_kind)k;
			return 0;
		}
	return -1;
}

/* A restated week: inside the window and before its last week. */
static int past_week(kpi_week *out, const kpi_snapshot *snap, const kpi__jsondoc *doc, const json_t *o,
                     kpi_error *err)
{
	const json_t *v = json_object_get(o, "week");
	int i;
	if (!json_is_string(v) || kpi_week_parse(out, json_string_value(v), NULL))
		return bad(doc, v, o, err, "'week' must be an ISO week \"YYYY-Www\"");
	i = kpi__window_week_index(&snap->result->window, *out);
	if (i < 0 || i >= snap->result->window.nweeks - 1)
		return bad(doc, v, o, err, "a restated week must be a week of the window before its last");
	return 0;
}

static int num(bool *has, double *out, const kpi__jsondoc *doc, const json_t *o, const char *key, kpi_error *err)
{
	const json_t *v = json_object_get(o, key);
	*has = false;
	if (json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return kpi__jsondoc_error(doc, v ? v : o, err, KPI_EDATA, "restatements: '%s' must be a number or null", key);
	*has = true;
	*out = json_number_value(v);
	return 0;
}

static int parse_value(kpi_restated *x, const kpi_snapshot *snap, const kpi__jsondoc *doc, const json_t *o,
                       kpi_error *err)
{
	static const char *const keys[] = { "kpi", "labels", "week", "old", "new", "pack", NULL };
	const json_t *labels, *v;
	const char *name;
	int rc;

	if (!json_is_object(o))
		return bad(doc, o, o, err, "a restated value must be an object");
	if (kpi__json_check_keys(doc, o, keys, "a restated value", err))
		return err->code = KPI_EDATA;
	if ((rc = text(&x->kpi, doc, o, "kpi", err)) || (rc = text(&x->pack, doc, o, "pack", err)) ||
	    (rc = past_week(&x->week, snap, doc, o, err)) || (rc = num(&x->old_has, &x->old_value, doc, o, "old", err)) ||
	    (rc = num(&x->new_has, &x->new_value, doc, o, "new", err)))
		return rc;
	if (!kpi_catalog_find(snap->catalog, x->kpi))
		return bad(doc, json_object_get(o, "kpi"), o, err, "a restated value's KPI is not in the catalogue");
	if (x->old_has == x->new_has && (!x->old_has || x->old_value == x->new_value))
		return bad(doc, o, o, err, "a restated value must differ from the value reported");
	labels = json_object_get(o, "labels");
	if (!json_is_object(labels))
		return bad(doc, labels, o, err, "'labels' must be an object of label names to values");
	if (json_object_size(labels) &&
	    (!(x->label_names = calloc(json_object_size(labels), sizeof(char *))) ||
	     !(x->label_values = calloc(json_object_size(labels), sizeof(char *)))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	json_object_foreach((json_t *)labels, name, v) {
		if (!json_is_string(v))
			return bad(doc, labels, o, err, "a label's value must be text");
		x->label_names[x->nlabels] = strdup(name);
		x->label_values[x->nlabels++] = strdup(json_string_value(v));
		if (!x->label_names[x->nlabels - 1] || !x->label_values[x->nlabels - 1])
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_verdict(kpi_restated_verdict *x, const kpi_snapshot *snap, const kpi__jsondoc *doc,
                         const json_t *o, kpi_error *err)
{
	static const char *const keys[] = { "week", "old", "new", "pack", "decided", "differ", NULL };
	const json_t *dec, *dif, *e;
	size_t i, after = 0;
	int rc;

	if (!json_is_object(o))
		return bad(doc, o, o, err, "a restated verdict must be an object");
	if (kpi__json_check_keys(doc, o, keys, "a restated verdict", err))
		return err->code = KPI_EDATA;
	if ((rc = past_week(&x->week, snap, doc, o, err)) || (rc = text(&x->pack, doc, o, "pack", err)))
		return rc;
	if (verdict_of(&x->old_verdict, json_object_get(o, "old")) || verdict_of(&x->new_verdict, json_object_get(o, "new")))
		return bad(doc, o, o, err, "'old' and 'new' must be GO, HOLD or NO-GO");
	if (x->old_verdict == x->new_verdict)
		return bad(doc, o, o, err, "a restated verdict must differ from the verdict reported");
	if (snap->verdicts[kpi__window_week_index(&snap->result->window, x->week)].verdict != x->new_verdict)
		return bad(doc, json_object_get(o, "new"), o, err, "a restated verdict's 'new' is not the snapshot's verdict of that week");
	/* optional: written only when true, and when something is known to differ */
	if ((dec = json_object_get(o, "decided")) && !json_is_true(dec))
		return bad(doc, dec, o, err, "a restated verdict's 'decided' is true or absent");
	x->decided = dec != NULL;
	if (!(dif = json_object_get(o, "differ")))
		return 0;
	if (!json_is_array(dif) || !json_array_size(dif))
		return bad(doc, dif, o, err, "a restated verdict's 'differ' must be a non-empty list, or absent");
	json_array_foreach(dif, i, e) {
		size_t k;
		for (k = 0; k < NDIFFER && !(json_is_string(e) && strcmp(json_string_value(e), differ_names[k].name) == 0); k++)
			;
		if (k == NDIFFER || k + 1 <= after)
			return bad(doc, e, o, err, "a restated verdict's 'differ' lists data, waivers, collected, thresholds "
			           "or rule, each once, in that order");
		x->differ |= differ_names[k].bit;
		after = k + 1;
	}
	return 0;
}

/* An array member of `o`, at most `max` long. */
static const json_t *array(const kpi__jsondoc *doc, const json_t *o, const char *key, size_t max, kpi_error *err)
{
	const json_t *a = json_object_get(o, key);
	if (!json_is_array(a)) {
		kpi__jsondoc_error(doc, a ? a : o, err, KPI_EDATA, "restatements: '%s' must be a list", key);
		return NULL;
	}
	if (json_array_size(a) > max) {
		kpi__jsondoc_error(doc, a, err, KPI_EDATA, "restatements: '%s' has more than %zu entries", key, max);
		return NULL;
	}
	return a;
}

int kpi__restate_parse(kpi_snapshot *snap, const kpi__jsondoc *doc, const json_t *v, kpi_error *err)
{
	static const char *const keys[] = { "compared", "unreadable", "verdicts", "values_total", "values", NULL };
	static const char *const ukeys[] = { "pack", "reason", NULL };
	kpi_restatements *r = NULL;
	const json_t *a, *t;
	size_t n;
	int rc = 0;

	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return kpi__jsondoc_error(doc, v ? v : doc->root, err, KPI_EDATA, "'restatements' must be an object or null");
	if (kpi__json_check_keys(doc, v, keys, "restatements", err))
		return err->code = KPI_EDATA;
	if (!(r = calloc(1, sizeof(*r))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (!(a = array(doc, v, "compared", 10000, err))) {
		rc = KPI_EDATA;
		goto done;
	}
	if ((n = json_array_size(a)) && !(r->compared = calloc(n, sizeof(char *)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++, r->ncompared++) {
		t = json_array_get(a, i);
		if (!json_is_string(t) || !json_string_value(t)[0]) {
			rc = bad(doc, t, a, err, "'compared' must list pack names");
			goto done;
		}
		if (!(r->compared[i] = strdup(json_string_value(t)))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (!(a = array(doc, v, "unreadable", 10000, err))) {
		rc = KPI_EDATA;
		goto done;
	}
	if ((n = json_array_size(a)) && !(r->unread = calloc(n, sizeof(*r->unread)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		t = json_array_get(a, i);
		r->nunread++;
		if (!json_is_object(t) || kpi__json_check_keys(doc, t, ukeys, "an unreadable pack", err)) {
			rc = bad(doc, t, a, err, "an unreadable pack must be {\"pack\", \"reason\"}");
			goto done;
		}
		if ((rc = text(&r->unread[i].pack, doc, t, "pack", err)) || (rc = text(&r->unread[i].reason, doc, t, "reason", err)))
			goto done;
	}
	if (!(a = array(doc, v, "verdicts", (size_t)KPI_MAX_WEEKS, err))) {
		rc = KPI_EDATA;
		goto done;
	}
	if ((n = json_array_size(a)) && !(r->verdicts = calloc(n, sizeof(*r->verdicts)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		r->nverdicts++;
		if ((rc = parse_verdict(&r->verdicts[i], snap, doc, json_array_get(a, i), err)))
			goto done;
	}
	if (!(a = array(doc, v, "values", KPI_SNAPSHOT_RESTATED_MAX, err))) {
		rc = KPI_EDATA;
		goto done;
	}
	if ((n = json_array_size(a)) && !(r->values = calloc(n, sizeof(*r->values)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		r->nvalues++;
		if ((rc = parse_value(&r->values[i], snap, doc, json_array_get(a, i), err)))
			goto done;
	}
	t = json_object_get(v, "values_total");
	if (!json_is_integer(t) || json_integer_value(t) < (json_int_t)r->nvalues ||
	    (r->nvalues < KPI_SNAPSHOT_RESTATED_MAX && json_integer_value(t) != (json_int_t)r->nvalues)) {
		rc = bad(doc, t, v, err, "'values_total' must be the number of restated values (the list holds at most "
		                         "the first of them)");
		goto done;
	}
	r->values_total = (size_t)json_integer_value(t);
	snap->restatements = r;
	r = NULL;
done:
	kpi_restatements_free(r);
	return rc;
}
