/*
 * snapshot.json: writing and parsing (format KPI_SNAPSHOT_FORMAT, described
 * in docs/pack.md).
 *
 * The writer prints by hand, like format.c, so numbers are the shortest
 * decimal that reads back as the same double (kpi_format_number) and keys
 * come in one fixed order: the same snapshot always gives the same bytes,
 * and parsing those bytes and writing again gives them back. Times are
 * ISO-8601 UTC seconds ("2026-11-16T00:00:00Z").
 *
 * The parser (jansson through kpi__jsondoc, for file:line:col positions)
 * trusts nothing: every key is known, every type checked, every row placed in
 * the window, every status and verdict consistent with the rest, so that a
 * renderer handed a parsed snapshot can rely on its invariants. Any defect is
 * KPI_EDATA with the position of the offending value.
 */
#include "core/internal.h"
#include <math.h>
#include <stdarg.h>
#include "snapshot/snapshot_history.h"
#include "snapshot/snapshot_restate.h"
#include "snapshot/snapshot_provenance.h"
#include "snapshot/snapshot_slo.h"
#include "snapshot/snapshot_write.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ writing */

typedef kpi__snapw wr;

static void put_key(wr *w, const char *sep, const char *key)
{
	kpi__snapw_put(w, sep);
	kpi__snapw_str(w, key, "a key");
	kpi__snapw_put(w, ": ");
}

/* `sep` "key": "value" (put_key(), kpi__snapw_str()). */
static void put_kv(wr *w, const char *sep, const char *key, const char *s, const char *what)
{
	put_key(w, sep, key);
	kpi__snapw_str(w, s, what);
}

static void put_bool(wr *w, bool v)
{
	kpi__snapw_put(w, v ? "true" : "false");
}

static const char *missing_name(kpi_missing m)
{
	return m == KPI_MISSING_BLOCK ? "block" : "ignore";
}

/* Keys of a definition the writer prints itself; every other member of the
 * catalogue entry (module settings: "pack", "alert", "alarm", "params", the
 * source's own object) is copied
 * verbatim so the definitions stay complete. */
static const char *const def_keys[] = { "id", "title", "unit", "source", "query", "kind", "labels",
	                                "threshold", "gating", "missing", "empty", "chart",
	                                "description", NULL };

static bool is_def_key(const char *k)
{
	for (size_t i = 0; def_keys[i]; i++)
		if (strcmp(def_keys[i], k) == 0)
			return true;
	return false;
}

static void put_def(wr *w, const kpi_def *d)
{
	char what[160];

	snprintf(what, sizeof(what), "KPI %s: threshold", d->id);
	put_kv(w, "{", "id", d->id, "a KPI id");
	put_kv(w, ", ", "title", d->title, "a KPI title");
	put_kv(w, ", ", "unit", d->unit, "a KPI unit");
	put_key(w, ", ", "source");
	kpi__snapw_str(w, d->source, "a source name");
	if (d->query) {
		put_kv(w, ", ", "query", d->query, "a query file");
	}
	put_key(w, ", ", "kind");
	kpi__snapw_put(w, d->state ? "\"state\"" : "\"flow\"");
	put_key(w, ", ", "labels");
	kpi__snapw_put(w, "[");
	for (size_t i = 0; i < d->nlabels; i++) {
		put_key(w, i ? ", {" : "{", "name");
		kpi__snapw_str(w, d->labels[i].name, "a label name");
		if (d->labels[i].nvalues) {
			put_key(w, ", ", "values");
			for (size_t j = 0; j < d->labels[i].nvalues; j++) {
				kpi__snapw_put(w, j ? ", " : "[");
				kpi__snapw_str(w, d->labels[i].values[j], "a label value");
			}
			kpi__snapw_put(w, "]");
		}
		kpi__snapw_put(w, "}");
	}
	kpi__snapw_put(w, "]");
	put_key(w, ", ", "threshold");
	if (d->threshold.op == KPI_OP_NONE) {
		kpi__snapw_put(w, "null");
	} else {
		put_kv(w, "{", "op", kpi_op_name(d->threshold.op), "an operator");
		put_key(w, ", ", "target");
		kpi__snapw_num(w, true, d->threshold.target, what);
		put_key(w, ", ", "warn_margin");
		kpi__snapw_num(w, true, d->threshold.warn_margin, what);
		kpi__snapw_put(w, "}");
	}
	put_key(w, ", ", "gating");
	put_bool(w, d->gating);
	put_key(w, ", ", "missing");
	kpi__snapw_putf(w, "\"%s\"", missing_name(d->missing));
	put_key(w, ", ", "empty");
	kpi__snapw_put(w, d->empty_is_zero ? "\"zero\"" : "\"null\"");
	if (d->chart) {
		put_kv(w, ", ", "chart", d->chart, "a chart style");
	}
	if (d->description) {
		put_kv(w, ", ", "description", d->description, "a KPI description");
	}
	if (json_is_object((json_t *)d->raw)) {
		/* Module settings, sorted by key, printed compactly by jansson (they
		 * are parsed back by jansson, so its printing round-trips). */
		const char **keys = calloc(json_object_size((json_t *)d->raw) + 1, sizeof(char *));
		const char *k;
		json_t *v;
		size_t n = 0;

		if (!keys) {
			if (!w->rc)
				w->rc = kpi_error_set(w->err, KPI_ENOMEM, "out of memory");
			return;
		}
		json_object_foreach((json_t *)d->raw, k, v)
			if (!is_def_key(k))
				keys[n++] = k;
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
				const char *t = keys[j];
				keys[j] = keys[j - 1];
				keys[j - 1] = t;
			}
		for (size_t i = 0; i < n && !w->rc; i++) {
			char *text = json_dumps(json_object_get((json_t *)d->raw, keys[i]),
			                        JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
			put_key(w, ", ", keys[i]);
			if (!text)
				w->rc = kpi_error_set(w->err, KPI_ENOMEM, "out of memory");
			kpi__snapw_put(w, text ? text : "");
			free(text);
		}
		free(keys);
	}
	kpi__snapw_put(w, "}");
}

static void put_row(wr *w, const kpi_series *s, const kpi_row *r)
{
	char what[200], wk[32];

	snprintf(what, sizeof(what), "KPI %s, week of %s: a value", s->def->id,
	         kpi_time_format(wk, sizeof(wk), r->period_start));
	put_key(w, "{", "period_start");
	kpi__snapw_time(w, r->period_start);
	put_key(w, ", ", "period_end");
	kpi__snapw_time(w, r->period_end);
	put_key(w, ", ", "labels");
	kpi__snapw_put(w, "{");
	for (size_t i = 0; i < s->nlabels; i++) {
		put_key(w, i ? ", " : "", s->label_names[i]);
		kpi__snapw_str(w, r->labels[i], "a label value");
	}
	kpi__snapw_put(w, "}");
	put_key(w, ", ", "value");
	kpi__snapw_num(w, r->has_value, r->value, what);
	put_key(w, ", ", "numerator");
	kpi__snapw_num(w, r->has_numerator, r->numerator, what);
	put_key(w, ", ", "denominator");
	kpi__snapw_num(w, r->has_denominator, r->denominator, what);
	put_key(w, ", ", "applicable");
	put_bool(w, r->applicable);
	put_key(w, ", ", "partial");
	put_bool(w, r->partial);
	put_key(w, ", ", "incomplete");
	put_bool(w, r->incomplete);
	put_key(w, ", ", "status");
	kpi__snapw_putf(w, "\"%s\"}", kpi_status_name(r->status));
}

static void put_drilldown(wr *w, const kpi_snapshot *snap)
{
	kpi__snapw_put(w, ",\n  \"drilldown\": {\n    \"queries\": [");
	for (size_t i = 0; i < snap->ndrill_queries; i++) {
		put_key(w, i ? ", {" : "{", "name");
		kpi__snapw_str(w, snap->drill_queries[i].name, "a query file");
		put_kv(w, ", ", "sha256", snap->drill_queries[i].sha256, "a SHA-256");
		kpi__snapw_put(w, "}");
	}
	kpi__snapw_putf(w, "],\n    \"uncovered\": {\"total\": %zu, \"designs\": [", snap->uncovered_total);
	for (size_t i = 0; i < snap->nuncovered; i++) {
		const kpi_uncovered *u = &snap->uncovered[i];
		kpi__snapw_putf(w, "%s\n      {\"design_id\": %lld, \"tenant_id\": ", i ? "," : "", (long long)u->design_id);
		kpi__snapw_str(w, u->tenant_id, "a tenant id");
		put_kv(w, ", ", "style_id", u->style_id, "a style id");
		kpi__snapw_putf(w, ", \"revision\": %d, \"revision_at\": ", u->revision);
		kpi__snapw_time(w, u->revision_at);
		put_key(w, ", ", "age_days");
		kpi__snapw_num(w, true, u->age_days, "an uncovered design's age");
		kpi__snapw_put(w, "}");
	}
	kpi__snapw_putf(w, "%s]},\n    \"mismatches\": {\"total\": %zu, \"decisions\": [", snap->nuncovered ? "\n    " : "",
	     snap->mismatches_total);
	for (size_t i = 0; i < snap->nmismatches; i++) {
		const kpi_mismatch *m = &snap->mismatches[i];
		kpi__snapw_putf(w, "%s\n      {\"id\": %lld, \"decided_at\": ", i ? "," : "", (long long)m->id);
		kpi__snapw_time(w, m->decided_at);
		kpi__snapw_putf(w, ", \"design_id\": %lld", (long long)m->design_id);
		put_kv(w, ", ", "environment", m->environment, "an environment");
		put_kv(w, ", ", "tenant_id", m->tenant_id, "a tenant id");
		put_kv(w, ", ", "style_id", m->style_id, "a style id");
		put_kv(w, ", ", "user_id", m->user_id, "a user id");
		put_kv(w, ", ", "decided_by", m->decided_by, "a flag layer");
		put_kv(w, ", ", "provider_metadata", m->provider_metadata, "a provider");
		put_kv(w, ", ", "route_outcome", m->route_outcome, "a provider");
		put_key(w, ", ", "design_migrated");
		put_bool(w, m->design_migrated);
		kpi__snapw_put(w, "}");
	}
	kpi__snapw_putf(w, "%s]},\n    \"changes\": {\"total\": %zu, \"changes\": [", snap->nmismatches ? "\n    " : "",
	     snap->changes_total);
	for (size_t i = 0; i < snap->nchanges; i++) {
		const kpi_change *c = &snap->changes[i];
		kpi__snapw_putf(w, "%s\n      {\"id\": %lld, \"changed_at\": ", i ? "," : "", (long long)c->id);
		kpi__snapw_time(w, c->changed_at);
		put_kv(w, ", ", "layer", c->layer, "a flag layer");
		put_kv(w, ", ", "key", c->key, "a flag key");
		put_kv(w, ", ", "old_value", c->old_value, "a flag value");
		put_kv(w, ", ", "new_value", c->new_value, "a flag value");
		put_kv(w, ", ", "actor", c->actor, "an actor");
		kpi__snapw_put(w, "}");
	}
	kpi__snapw_putf(w, "%s]}\n  }", snap->nchanges ? "\n    " : "");
}

/* Format 2: the catalogue's KPIs the run left out, and why. */
static void put_not_collected(wr *w, const kpi_snapshot *snap)
{
	kpi__snapw_put(w, ",\n  \"not_collected\": [");
	for (size_t i = 0; i < snap->nnot_collected; i++) {
		const kpi_not_collected *n = &snap->not_collected[i];
		put_key(w, i ? ",\n    {" : "\n    {", "kpi");
		kpi__snapw_str(w, n->kpi, "a KPI id");
		put_kv(w, ", ", "title", n->title, "a KPI title");
		put_key(w, ", ", "source");
		kpi__snapw_str(w, n->source, "a source name");
		put_key(w, ", ", "gating");
		put_bool(w, n->gating);
		put_kv(w, ", ", "reason", n->reason, "a reason");
		put_kv(w, ", ", "detail", n->detail, "a detail");
		kpi__snapw_put(w, "}");
	}
	kpi__snapw_put(w, snap->nnot_collected ? "\n  ]" : "]");
}

int kpi_snapshot_write(kpi_buf *out, kpi_snapshot *snap, kpi_error *err)
{
	wr w = { out, 0, err };
	size_t start = out->len;
	const kpi_result *res = snap->result;
	const kpi_window *win;
	char fw[16], lw[16];

	if (!res || !snap->catalog || !snap->verdicts)
		return kpi_error_set(err, KPI_EUSAGE, "snapshot: nothing to write (no result, catalogue or verdicts)");
	win = &res->window;
	/* a format-1 snapshot read back is written as it was read */
	kpi__snapw_putf(&w, "{\n  \"format\": %d,\n  \"tool_version\": ",
	                snap->format < KPI_SNAPSHOT_FORMAT ? snap->format : KPI_SNAPSHOT_FORMAT);
	kpi__snapw_str(&w, snap->tool_version, "the tool version");
	kpi__snapw_put(&w, ",\n  \"timezone\": ");
	kpi__snapw_str(&w, snap->timezone, "the time zone");
	kpi__snapw_putf(&w, ",\n  \"active_days\": %d,\n  \"read_at\": ", snap->active_days);
	kpi__snapw_time(&w, res->read_at);
	kpi__snapw_putf(&w, ",\n  \"window\": {\"first_week\": \"%s\", \"last_week\": \"%s\", \"weeks\": %d, \"from\": ",
	     kpi_week_format(fw, sizeof(fw), win->first), kpi_week_format(lw, sizeof(lw), win->last), win->nweeks);
	kpi__snapw_time(&w, win->from);
	kpi__snapw_put(&w, ", \"to\": ");
	kpi__snapw_time(&w, win->to);
	kpi__snapw_put(&w, ", \"as_of\": ");
	kpi__snapw_time(&w, win->as_of);
	kpi__snapw_put(&w, ", \"partial\": ");
	put_bool(&w, win->partial);
	kpi__snapw_put(&w, ",\n    \"starts\": [");
	for (int i = 0; i <= win->nweeks; i++) {
		kpi__snapw_put(&w, i ? ", " : "");
		kpi__snapw_time(&w, win->starts[i]);
	}
	kpi__snapw_put(&w, "]},\n  \"sources\": [");
	for (size_t i = 0; i < snap->nsources; i++) {
		put_key(&w, i ? ",\n    {" : "\n    {", "kind");
		kpi__snapw_str(&w, snap->sources[i].kind, "a source kind");
		put_key(&w, ", ", "where");
		kpi__snapw_str(&w, snap->sources[i].where, "a source");
		kpi__snapw_put(&w, "}");
	}
	kpi__snapw_put(&w, snap->nsources ? "\n  ]" : "]");
	if (snap->format != 1)
		put_not_collected(&w, snap);
	if (snap->format >= 3 && !w.rc)
		w.rc = kpi__snapshot_waivers_write(out, snap, err);
	kpi__snapw_put(&w, ",\n  \"catalog\": {\"path\": ");
	kpi__snapw_str(&w, snap->catalog->path, "the catalogue path");
	kpi__snapw_put(&w, ", \"kpis\": [");
	for (size_t i = 0; i < snap->catalog->nkpis; i++) {
		kpi__snapw_put(&w, i ? ",\n    " : "\n    ");
		put_def(&w, &snap->catalog->kpis[i]);
	}
	kpi__snapw_put(&w, snap->catalog->nkpis ? "\n  ]},\n  \"series\": [" : "]},\n  \"series\": [");
	for (size_t i = 0; i < res->nseries; i++) {
		const kpi_series *s = &res->series[i];
		put_key(&w, i ? ",\n    {" : "\n    {", "kpi");
		kpi__snapw_str(&w, s->def->id, "a KPI id");
		put_key(&w, ", ", "query_sha256");
		kpi__snapw_str(&w, s->query_sha256, "a SHA-256");
		put_key(&w, ", ", "labels");
		kpi__snapw_put(&w, "[");
		for (size_t j = 0; j < s->nlabels; j++) {
			kpi__snapw_put(&w, j ? ", " : "");
			kpi__snapw_str(&w, s->label_names[j], "a label name");
		}
		kpi__snapw_put(&w, "], \"rows\": [");
		for (size_t j = 0; j < s->nrows; j++) {
			kpi__snapw_put(&w, j ? ",\n      " : "\n      ");
			put_row(&w, s, &s->rows[j]);
		}
		kpi__snapw_put(&w, s->nrows ? "\n    ]}" : "]}");
	}
	kpi__snapw_put(&w, res->nseries ? "\n  ],\n  \"verdicts\": [" : "],\n  \"verdicts\": [");
	for (int i = 0; i < win->nweeks; i++) {
		const kpi_verdict *v = &snap->verdicts[i];
		kpi__snapw_putf(&w, "%s\n    {\"week\": \"%s\", \"period_start\": ", i ? "," : "",
		     kpi_week_format(fw, sizeof(fw), v->week));
		kpi__snapw_time(&w, v->period_start);
		kpi__snapw_putf(&w, ", \"verdict\": \"%s\", \"reasons\": [", kpi_verdict_name(v->verdict));
		for (size_t j = 0; j < v->nreasons; j++) {
			const kpi_reason *r = &v->reasons[j];
			put_key(&w, j ? ", {" : "{", "kpi");
			kpi__snapw_str(&w, r->kpi, "a KPI id");
			put_key(&w, ", ", "labels");
			kpi__snapw_str(&w, r->labels, "labels");
			put_key(&w, ", ", "value");
			kpi__snapw_num(&w, r->has_value, r->value, "a verdict reason's value");
			kpi__snapw_putf(&w, ", \"status\": \"%s\", \"threshold\": ", kpi_status_name(r->status));
			kpi__snapw_str(&w, r->threshold, "a threshold");
			if (r->not_measured)
				put_kv(&w, ", ", "not_measured", r->not_measured, "why a KPI was not measured");
			kpi__snapw_put(&w, "}");
		}
		kpi__snapw_put(&w, "]}");
	}
	kpi__snapw_put(&w, "\n  ]");
	put_drilldown(&w, snap);
	if (snap->format != 1 && snap->format != 2 && !w.rc) /* format 3: snapshot/snapshot_history.c */
		w.rc = kpi__history_write(out, snap->history, err);
	if (snap->format >= 4 && !w.rc) /* format 4: snapshot/snapshot_restate.c */
		w.rc = kpi__restate_write(out, snap->restatements, err);
	if (snap->format >= 4 && !w.rc) /* format 4: snapshot/snapshot_provenance.c */
		w.rc = kpi__provenance_write(out, snap->provenance, err);
	if (snap->format >= 4 && !w.rc) /* format 4: snapshot/snapshot_slo.c */
		w.rc = kpi__slo_snap_write(out, snap, err);
	kpi__snapw_put(&w, "\n}\n");
	if (w.rc) {
		kpi__buf_truncate(out, start);
		return w.rc;
	}
	kpi_sha256_hex(snap->sha256, out->data + start, out->len - start);
	return 0;
}

/* ================================================================ parsing */

typedef struct rd {
	const kpi__jsondoc *doc;
	kpi_error *err;
	kpi_snapshot *snap;
	kpi_window *w;
} rd;

/* An error at value `v` (or at `parent` when `v` has no position of its own:
 * true/false/null are shared singletons in jansson, and a missing key). */
static int fail(rd *r, const json_t *v, const json_t *parent, const char *fmt, ...) KPI_PRINTF(4, 5);
static int fail(rd *r, const json_t *v, const json_t *parent, const char *fmt, ...)
{
	char msg[KPI_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!v || json_is_boolean(v) || json_is_null(v))
		v = parent;
	return kpi__jsondoc_error(r->doc, v, r->err, KPI_EDATA, "%s", msg);
}

static int nomem(rd *r)
{
	return kpi_error_set(r->err, KPI_ENOMEM, "out of memory");
}

static int check_keys(rd *r, const json_t *obj, const char *const *allowed, const char *what)
{
	int rc = kpi__json_check_keys(r->doc, obj, allowed, what, r->err);
	if (rc)
		r->err->code = rc = KPI_EDATA;
	return rc;
}

/* Entry `o` of array `arr` is an object of the `keys` only: else the error
 * `not_object`, or check_keys()'s naming the entry `what`. */
static int get_entry(rd *r, const json_t *o, const json_t *arr, const char *const *keys, const char *not_object,
                     const char *what)
{
	if (!json_is_object(o))
		return fail(r, o, arr, "%s", not_object);
	return check_keys(r, o, keys, what);
}

/* `obj[key]` of the wanted JSON type, or an error naming the key. */
static int get(rd *r, const json_t *obj, const char *key, json_type type, json_t **out)
{
	static const char *const names[] = { "an object", "an array", "a string", "a whole number",
		                             "a number", "true or false", "true or false", "null" };
	json_t *v = json_object_get(obj, key);

	*out = v;
	if (!v)
		return fail(r, obj, obj, "missing key '%s'", key);
	if (json_typeof(v) == type || (type == JSON_REAL && json_is_integer(v)) ||
	    (type == JSON_TRUE && json_is_boolean(v)))
		return 0;
	return fail(r, v, obj, "'%s' must be %s", key, names[type]);
}

static int get_object(rd *r, const json_t *obj, const char *key, const char *const *allowed, json_t **out)
{
	int rc = get(r, obj, key, JSON_OBJECT, out);
	return rc ? rc : check_keys(r, *out, allowed, key);
}

static int get_str(rd *r, const json_t *obj, const char *key, bool nullable, char **out)
{
	json_t *v = json_object_get(obj, key);
	int rc;

	*out = NULL;
	if (nullable && json_is_null(v))
		return 0;
	if ((rc = get(r, obj, key, JSON_STRING, &v)))
		return nullable && v && !json_is_string(v)
		               ? fail(r, v, obj, "'%s' must be a string or null", key)
		               : rc;
	return (*out = strdup(json_string_value(v))) ? 0 : nomem(r);
}

static int get_int(rd *r, const json_t *obj, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	json_t *v;
	int rc = get(r, obj, key, JSON_INTEGER, &v);
	if (rc)
		return rc;
	*out = (int64_t)json_integer_value(v);
	if (*out < lo || *out > hi)
		return fail(r, v, obj, "'%s' must be %lld..%lld", key, (long long)lo, (long long)hi);
	return 0;
}

static int get_num(rd *r, const json_t *obj, const char *key, bool nullable, bool *has, double *out)
{
	json_t *v = json_object_get(obj, key);
	int rc;

	*has = false;
	*out = 0;
	if (nullable && json_is_null(v))
		return 0;
	if ((rc = get(r, obj, key, JSON_REAL, &v)))
		return nullable && v ? fail(r, v, obj, "'%s' must be a number or null", key) : rc;
	*out = json_number_value(v);
	*has = true;
	return 0;
}

static int get_bool(rd *r, const json_t *obj, const char *key, bool *out)
{
	json_t *v;
	int rc = get(r, obj, key, JSON_TRUE, &v);
	if (!rc)
		*out = json_is_true(v);
	return rc;
}

/* An instant written exactly as the writer writes it. */
static int get_time(rd *r, const json_t *obj, const char *key, int64_t *out)
{
	json_t *v;
	char b[32];
	int rc = get(r, obj, key, JSON_STRING, &v);

	if (rc)
		return rc;
	if (kpi_time_parse(out, json_string_value(v), NULL) != 0 ||
	    strcmp(kpi_time_format(b, sizeof(b), *out), json_string_value(v)) != 0)
		return fail(r, v, obj, "'%s' must be an ISO-8601 UTC time like 2026-11-16T00:00:00Z", key);
	return 0;
}

static int get_week(rd *r, const json_t *obj, const char *key, kpi_week *out)
{
	json_t *v;
	int rc = get(r, obj, key, JSON_STRING, &v);
	if (rc)
		return rc;
	if (kpi_week_parse(out, json_string_value(v), NULL) != 0)
		return fail(r, v, obj, "'%s' must be an ISO week like 2026-W46", key);
	return 0;
}

static int get_sha(rd *r, const json_t *obj, const char *key, bool empty_ok, char out[65])
{
	json_t *v;
	const char *s;
	int rc = get(r, obj, key, JSON_STRING, &v);

	if (rc)
		return rc;
	s = json_string_value(v);
	if (!(empty_ok && !*s)) {
		bool ok = strlen(s) == 64;
		for (size_t i = 0; ok && i < 64; i++)
			ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
		if (!ok)
			return fail(r, v, obj, "'%s' must be 64 lowercase hex digits%s", key, empty_ok ? " or \"\"" : "");
	}
	snprintf(out, 65, "%s", s);
	return 0;
}

static int get_status(rd *r, const json_t *obj, kpi_status *out)
{
	json_t *v;
	int rc = get(r, obj, "status", JSON_STRING, &v);
	if (rc)
		return rc;
	if (kpi_status_parse(out, json_string_value(v)) != 0)
		return fail(r, v, obj, "unknown status '%s' (ok, warn, breach, no_data, not_applicable)",
		            json_string_value(v));
	return 0;
}

static int parse_window(rd *r, const json_t *root)
{
	static const char *const keys[] = { "first_week", "last_week", "weeks", "from", "to", "as_of",
		                            "partial", "starts", NULL };
	kpi_window *w = r->w;
	json_t *o, *starts;
	int64_t n;
	int rc;

	if ((rc = get_object(r, root, "window", keys, &o)) || (rc = get_week(r, o, "first_week", &w->first)) ||
	    (rc = get_week(r, o, "last_week", &w->last)) || (rc = get_int(r, o, "weeks", 1, KPI_MAX_WEEKS, &n)) ||
	    (rc = get_time(r, o, "from", &w->from)) || (rc = get_time(r, o, "to", &w->to)) ||
	    (rc = get_time(r, o, "as_of", &w->as_of)) || (rc = get_bool(r, o, "partial", &w->partial)) ||
	    (rc = get(r, o, "starts", JSON_ARRAY, &starts)))
		return rc;
	w->nweeks = (int)n;
	if (kpi_week_cmp(kpi_week_add(w->first, w->nweeks - 1), w->last) != 0)
		return fail(r, json_object_get(o, "weeks"), o, "%d weeks from first_week do not end with last_week",
		            w->nweeks);
	if (json_array_size(starts) != (size_t)w->nweeks + 1)
		return fail(r, starts, o, "'starts' must hold weeks + 1 = %d instants", w->nweeks + 1);
	for (int i = 0; i <= w->nweeks; i++) {
		json_t *s = json_array_get(starts, (size_t)i);
		char b[32];
		if (!json_is_string(s) || kpi_time_parse(&w->starts[i], json_string_value(s), NULL) != 0 ||
		    strcmp(kpi_time_format(b, sizeof(b), w->starts[i]), json_string_value(s)) != 0)
			return fail(r, s, starts, "a week start must be an ISO-8601 UTC time like 2026-11-16T00:00:00Z");
		if (i > 0 && w->starts[i] <= w->starts[i - 1])
			return fail(r, s, starts, "week starts must increase");
	}
	if (w->from != w->starts[0] || w->to != w->starts[w->nweeks])
		return fail(r, json_object_get(o, "from"), o, "'from' and 'to' must be the first and last of 'starts'");
	if (w->as_of <= w->starts[w->nweeks - 1] || w->as_of > w->to)
		return fail(r, json_object_get(o, "as_of"), o, "'as_of' must fall in the last week (after its start, "
		                                               "at most its end)");
	if (w->partial != (w->as_of < w->to))
		return fail(r, json_object_get(o, "partial"), o, "'partial' must be true exactly when as_of < to");
	return 0;
}

static int parse_sources(rd *r, const json_t *root)
{
	static const char *const keys[] = { "kind", "where", NULL };
	json_t *arr, *o;
	size_t i;
	int rc;

	if ((rc = get(r, root, "sources", JSON_ARRAY, &arr)))
		return rc;
	if (!(r->snap->sources = calloc(json_array_size(arr) + 1, sizeof(*r->snap->sources))))
		return nomem(r);
	json_array_foreach(arr, i, o) {
		kpi_source_info *s = &r->snap->sources[r->snap->nsources++];
		if ((rc = get_entry(r, o, arr, keys, "a source must be an object {\"kind\", \"where\"}", "source")) ||
		    (rc = get_str(r, o, "kind", false, &s->kind)) ||
		    (rc = get_str(r, o, "where", false, &s->where)))
			return rc;
	}
	return 0;
}

/* Format 2: the catalogue's KPIs the run left out (parsed after the
 * catalogue: none of them may have been collected). */
static int parse_not_collected(rd *r, const json_t *root)
{
	static const char *const keys[] = { "kpi", "title", "source", "gating", "reason", "detail", NULL };
	kpi_snapshot *snap = r->snap;
	json_t *arr, *o;
	size_t i;
	int rc;

	if ((rc = get(r, root, "not_collected", JSON_ARRAY, &arr)))
		return rc;
	if (!(snap->not_collected = calloc(json_array_size(arr) + 1, sizeof(*snap->not_collected))))
		return nomem(r);
	json_array_foreach(arr, i, o) {
		kpi_not_collected *n = &snap->not_collected[snap->nnot_collected++];
		if ((rc = get_entry(r, o, arr, keys, "a KPI not collected must be an object {\"kpi\", \"title\", ...}",
		                       "KPI not collected")) ||
		    (rc = get_str(r, o, "kpi", false, &n->kpi)) ||
		    (rc = get_str(r, o, "title", false, &n->title)) || (rc = get_str(r, o, "source", false, &n->source)) ||
		    (rc = get_bool(r, o, "gating", &n->gating)) || (rc = get_str(r, o, "reason", false, &n->reason)) ||
		    (rc = get_str(r, o, "detail", false, &n->detail)))
			return rc;
		if (!*n->kpi || !*n->reason)
			return fail(r, json_object_get(o, *n->kpi ? "reason" : "kpi"), o, "'%s' must not be empty",
			            *n->kpi ? "reason" : "kpi");
		/* a source's name, whichever sources this kpi knows: the snapshot is a record */
		if (!*n->source || strspn(n->source, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(n->source))
			return fail(r, json_object_get(o, "source"), o, "source '%s' is not a source name (a-z, 0-9, _)",
			            n->source);
		if (kpi_catalog_find(snap->catalog, n->kpi))
			return fail(r, json_object_get(o, "kpi"), o, "KPI '%s' is in the snapshot's catalogue, so it was collected",
			            n->kpi);
		for (size_t j = 0; j + 1 < snap->nnot_collected; j++)
			if (strcmp(snap->not_collected[j].kpi, n->kpi) == 0)
				return fail(r, json_object_get(o, "kpi"), o, "KPI '%s' is named twice", n->kpi);
	}
	return 0;
}

static int parse_catalog(rd *r, const json_t *root)
{
	static const char *const keys[] = { "path", "kpis", NULL };
	kpi_catalog *cat;
	json_t *o, *arr, *d;
	size_t i;
	int rc;

	if ((rc = get_object(r, root, "catalog", keys, &o)) || (rc = get(r, o, "kpis", JSON_ARRAY, &arr)))
		return rc;
	if (!(cat = r->snap->catalog = calloc(1, sizeof(*cat))) ||
	    !(cat->kpis = calloc(json_array_size(arr) + 1, sizeof(*cat->kpis))))
		return nomem(r);
	if ((rc = get_str(r, o, "path", true, &cat->path)))
		return rc;
	json_array_foreach(arr, i, d) {
		kpi_def *def = &cat->kpis[cat->nkpis++];
		if ((rc = kpi__catalog_parse_def(r->doc, d, def, r->err)))
			return r->err->code = rc == KPI_ENOMEM ? rc : KPI_EDATA;
		if (kpi_catalog_find(cat, def->id) != def)
			return fail(r, json_object_get(d, "id"), d, "duplicate KPI id '%s'", def->id);
	}
	return 0;
}

static int parse_row(rd *r, const json_t *o, kpi_series *s, int *last_week)
{
	static const char *const keys[] = { "period_start", "period_end", "labels", "value", "numerator",
		                            "denominator", "applicable", "partial", "incomplete", "status", NULL };
	kpi_row *row = &s->rows[s->nrows];
	const kpi_window *w = r->w;
	json_t *labels;
	char t[32];
	int rc, wi;

	if (!json_is_object(o))
		return fail(r, o, o, "a row must be an object");
	if ((rc = check_keys(r, o, keys, "row")) || (rc = get_time(r, o, "period_start", &row->period_start)) ||
	    (rc = get_time(r, o, "period_end", &row->period_end)) ||
	    (rc = get(r, o, "labels", JSON_OBJECT, &labels)))
		return rc;
	wi = kpi_window_index(w, row->period_start);
	if (wi < 0)
		return fail(r, json_object_get(o, "period_start"), o,
		            "KPI %s: period_start %s is not the start of a week of the window", s->def->id,
		            kpi_time_format(t, sizeof(t), row->period_start));
	if (row->period_end != w->starts[wi + 1])
		return fail(r, json_object_get(o, "period_end"), o, "KPI %s: period_end must be the end of its week",
		            s->def->id);
	if (wi < *last_week)
		return fail(r, o, o, "KPI %s: rows must be in week order, oldest first", s->def->id);
	*last_week = wi;
	if (json_object_size(labels) != s->nlabels)
		return fail(r, labels, o, "KPI %s: a row must have exactly the labels of its series (%zu)", s->def->id,
		            s->nlabels);
	if (!(row->labels = calloc(s->nlabels + 1, sizeof(char *))))
		return nomem(r);
	s->nrows++; /* from here on kpi_result_free releases the row */
	for (size_t i = 0; i < s->nlabels; i++) {
		const kpi_label_def *ld = &s->def->labels[i];
		json_t *v = json_object_get(labels, s->label_names[i]);
		bool known = ld->nvalues == 0;
		if (!json_is_string(v))
			return fail(r, v, labels, "KPI %s: label '%s' must be a string", s->def->id, s->label_names[i]);
		for (size_t j = 0; j < ld->nvalues && !known; j++)
			known = strcmp(ld->values[j], json_string_value(v)) == 0;
		if (!known)
			return fail(r, v, labels, "KPI %s: '%s' is not a known value of label '%s'", s->def->id,
			            json_string_value(v), ld->name);
		if (!(row->labels[i] = strdup(json_string_value(v))))
			return nomem(r);
	}
	if ((rc = get_num(r, o, "value", true, &row->has_value, &row->value)) ||
	    (rc = get_num(r, o, "numerator", true, &row->has_numerator, &row->numerator)) ||
	    (rc = get_num(r, o, "denominator", true, &row->has_denominator, &row->denominator)) ||
	    (rc = get_bool(r, o, "applicable", &row->applicable)) || (rc = get_bool(r, o, "partial", &row->partial)) ||
	    (rc = get_bool(r, o, "incomplete", &row->incomplete)) || (rc = get_status(r, o, &row->status)))
		return rc;
	if (row->partial != (w->partial && wi == w->nweeks - 1))
		return fail(r, json_object_get(o, "partial"), o,
		            "KPI %s: 'partial' must be true exactly on the last week of a partial window", s->def->id);
	return 0;
}

static int parse_series_one(rd *r, const json_t *o, kpi_series *s)
{
	static const char *const keys[] = { "kpi", "query_sha256", "labels", "rows", NULL };
	const kpi_def *def;
	json_t *id, *names, *rows, *row;
	kpi_status *given = NULL;
	int rc, last_week = 0;
	size_t i;

	if (!json_is_object(o))
		return fail(r, o, o, "a series must be an object");
	if ((rc = check_keys(r, o, keys, "series")) || (rc = get(r, o, "kpi", JSON_STRING, &id)) ||
	    (rc = get(r, o, "labels", JSON_ARRAY, &names)) || (rc = get(r, o, "rows", JSON_ARRAY, &rows)))
		return rc;
	if (!(def = kpi_catalog_find(r->snap->catalog, json_string_value(id))))
		return fail(r, id, o, "series of KPI '%s', which is not in the snapshot's catalogue",
		            json_string_value(id));
	if (kpi_result_find(r->snap->result, def->id))
		return fail(r, id, o, "a second series of KPI '%s'", def->id);
	if ((rc = kpi__series_init(s, def, r->err)))
		return rc;
	r->snap->result->nseries++;
	if ((rc = get_sha(r, o, "query_sha256", true, s->query_sha256)))
		return rc;
	if (json_array_size(names) != def->nlabels)
		return fail(r, names, o, "KPI %s: labels must be the catalogue's (%zu)", def->id, def->nlabels);
	for (i = 0; i < def->nlabels; i++)
		if (!json_is_string(json_array_get(names, i)) ||
		    strcmp(json_string_value(json_array_get(names, i)), def->labels[i].name) != 0)
			return fail(r, json_array_get(names, i), names, "KPI %s: label %zu must be '%s'", def->id, i + 1,
			            def->labels[i].name);
	if (!(s->rows = calloc(json_array_size(rows) + 1, sizeof(*s->rows))) ||
	    !(given = calloc(json_array_size(rows) + 1, sizeof(*given))))
		return nomem(r);
	json_array_foreach(rows, i, row)
		if ((rc = parse_row(r, row, s, &last_week)))
			goto done;
	{
		/* a week and label set appear once: grouped by a hash of the labels,
		 * linear in the rows (a week of 10,000 label sets) */
		kpi__lsets ls;
		size_t dup;
		if (kpi__lsets_build(&ls, s, r->w) != 0) {
			rc = nomem(r);
			goto done;
		}
		dup = ls.dup_row;
		kpi__lsets_release(&ls);
		if (dup) {
			rc = fail(r, json_array_get(rows, dup - 1), rows, "KPI %s: two rows for the same week and label set",
			          def->id);
			goto done;
		}
	}
	/* The statuses must be what evaluation gives for these values. */
	for (i = 0; i < s->nrows; i++)
		given[i] = s->rows[i].status;
	{
		kpi_result one = { .series = s, .nseries = 1 };
		kpi_eval_result(&one);
	}
	for (i = 0; i < s->nrows; i++)
		if (given[i] != s->rows[i].status) {
			json_t *row_o = json_array_get(rows, i);
			rc = fail(r, json_object_get(row_o, "status"), row_o,
			          "KPI %s: status %s does not follow from the value and threshold (evaluation gives %s)",
			          def->id, kpi_status_name(given[i]), kpi_status_name(s->rows[i].status));
			goto done;
		}
done:
	free(given);
	return rc;
}

static int parse_series(rd *r, const json_t *root)
{
	kpi_result *res = r->snap->result;
	json_t *arr, *o;
	size_t i;
	int rc;

	if ((rc = get(r, root, "series", JSON_ARRAY, &arr)))
		return rc;
	if (!(res->series = calloc(json_array_size(arr) + 1, sizeof(*res->series))))
		return nomem(r);
	json_array_foreach(arr, i, o)
		if ((rc = parse_series_one(r, o, &res->series[res->nseries])))
			return rc;
	return 0;
}

static int parse_reason(rd *r, const json_t *o, kpi_reason *x)
{
	static const char *const keys[] = { "kpi", "labels", "value", "status", "threshold", "not_measured", NULL };
	int rc;

	if (!json_is_object(o))
		return fail(r, o, o, "a reason must be an object");
	if ((rc = check_keys(r, o, keys, "reason")) || (rc = get_str(r, o, "kpi", false, &x->kpi)) ||
	    (rc = get_str(r, o, "labels", false, &x->labels)) ||
	    (rc = get_num(r, o, "value", true, &x->has_value, &x->value)) || (rc = get_status(r, o, &x->status)) ||
	    (rc = get_str(r, o, "threshold", false, &x->threshold)) ||
	    (json_object_get(o, "not_measured") && (rc = get_str(r, o, "not_measured", false, &x->not_measured))))
		return rc;
	return 0;
}

static bool same_reason(const kpi_reason *a, const kpi_reason *b)
{
	return strcmp(a->kpi, b->kpi) == 0 && strcmp(a->labels, b->labels) == 0 && a->has_value == b->has_value &&
	       (!a->has_value || a->value == b->value) && a->status == b->status &&
	       strcmp(a->threshold, b->threshold) == 0 && !a->not_measured == !b->not_measured &&
	       (!a->not_measured || strcmp(a->not_measured, b->not_measured) == 0);
}

/* What differs between the verdict a snapshot holds (`got`) and the one
 * its rows' statuses give (`want`): the verdict, or the first reason that
 * differs (its KPI, labels, value, status or threshold), or the first
 * reason only one side has. */
static void verdict_diff(char *buf, size_t size, const kpi_verdict *got, const kpi_verdict *want)
{
	char a[48], b[48];

	if (got->verdict != want->verdict) {
		snprintf(buf, size, "it says %s where they give %s", kpi_verdict_name(got->verdict),
		         kpi_verdict_name(want->verdict));
		return;
	}
	for (size_t j = 0; j < got->nreasons && j < want->nreasons; j++) {
		const kpi_reason *x = &got->reasons[j], *y = &want->reasons[j];
		if (same_reason(x, y))
			continue;
		if (strcmp(x->kpi, y->kpi) != 0)
			snprintf(buf, size, "reason %zu is of KPI %s where they give KPI %s", j + 1, x->kpi, y->kpi);
		else if (strcmp(x->labels, y->labels) != 0)
			snprintf(buf, size, "reason %zu (KPI %s) has labels '%s' where they give '%s'", j + 1, x->kpi,
			         x->labels, y->labels);
		else if (x->has_value != y->has_value || (x->has_value && x->value != y->value)) {
			if (x->has_value)
				snprintf(a, sizeof(a), "%.17g", x->value);
			else
				snprintf(a, sizeof(a), "null");
			if (y->has_value)
				snprintf(b, sizeof(b), "%.17g", y->value);
			else
				snprintf(b, sizeof(b), "null");
			snprintf(buf, size, "reason %zu (KPI %s%s%s) has value %s where the row has %s", j + 1, x->kpi,
			         x->labels[0] ? ", " : "", x->labels, a, b);
		} else if (x->status != y->status)
			snprintf(buf, size, "reason %zu (KPI %s%s%s) has status %s where the row has %s", j + 1, x->kpi,
			         x->labels[0] ? ", " : "", x->labels, kpi_status_name(x->status), kpi_status_name(y->status));
		else
			snprintf(buf, size, "reason %zu (KPI %s%s%s) has threshold '%s' where the catalogue gives '%s'", j + 1,
			         x->kpi, x->labels[0] ? ", " : "", x->labels, x->threshold, y->threshold);
		return;
	}
	if (got->nreasons > want->nreasons) {
		const kpi_reason *x = &got->reasons[want->nreasons];
		snprintf(buf, size, "it has %zu reasons where they give %zu: reason %zu (KPI %s%s%s) is not a row's",
		         got->nreasons, want->nreasons, want->nreasons + 1, x->kpi, x->labels[0] ? ", " : "", x->labels);
	} else {
		const kpi_reason *y = &want->reasons[got->nreasons];
		snprintf(buf, size, "it has %zu reason%s where they give %zu: it lacks KPI %s%s%s (%s)", got->nreasons,
		         got->nreasons == 1 ? "" : "s", want->nreasons, y->kpi, y->labels[0] ? ", " : "", y->labels,
		         kpi_status_name(y->status));
	}
}

static int parse_verdicts(rd *r, const json_t *root)
{
	static const char *const keys[] = { "week", "period_start", "verdict", "reasons", NULL };
	static const kpi_verdict_kind kinds[] = { KPI_VERDICT_GO, KPI_VERDICT_HOLD, KPI_VERDICT_NOGO };
	const kpi_window *w = r->w;
	kpi_verdict *v, *want = NULL;
	json_t *arr, *o;
	char wk[16];
	int rc;

	if ((rc = get(r, root, "verdicts", JSON_ARRAY, &arr)))
		return rc;
	if (json_array_size(arr) != (size_t)w->nweeks)
		return fail(r, arr, root, "'verdicts' must hold one verdict per week (%d)", w->nweeks);
	if (!(v = r->snap->verdicts = calloc((size_t)w->nweeks, sizeof(*v))))
		return nomem(r);
	for (int i = 0; i < w->nweeks; i++) {
		json_t *reasons, *name, *x;
		bool known = false;
		size_t j;

		o = json_array_get(arr, (size_t)i);
		if (!json_is_object(o))
			return fail(r, o, arr, "a verdict must be an object");
		if ((rc = check_keys(r, o, keys, "verdict")) || (rc = get_week(r, o, "week", &v[i].week)) ||
		    (rc = get_time(r, o, "period_start", &v[i].period_start)) ||
		    (rc = get(r, o, "verdict", JSON_STRING, &name)) || (rc = get(r, o, "reasons", JSON_ARRAY, &reasons)))
			return rc;
		if (kpi_week_cmp(v[i].week, kpi_week_add(w->first, i)) != 0 || v[i].period_start != w->starts[i])
			return fail(r, json_object_get(o, "week"), o, "verdict %d must be of week %s, starting at 'starts'[%d]",
			            i + 1, kpi_week_format(wk, sizeof(wk), kpi_week_add(w->first, i)), i);
		for (size_t k = 0; k < 3 && !known; k++)
			if (strcmp(json_string_value(name), kpi_verdict_name(kinds[k])) == 0) {
				v[i].verdict = kinds[k];
				known = true;
			}
		if (!known)
			return fail(r, name, o, "unknown verdict '%s' (GO, HOLD, NO-GO)", json_string_value(name));
		if (!(v[i].reasons = calloc(json_array_size(reasons) + 1, sizeof(*v[i].reasons))))
			return nomem(r);
		json_array_foreach(reasons, j, x)
			if ((rc = parse_reason(r, x, &v[i].reasons[v[i].nreasons++])))
				return rc;
	}
	/* The verdicts must be what the statuses give. */
	if ((rc = kpi__snapshot_verdicts(&want, r->snap, r->err)))
		return rc;
	for (int i = 0; i < w->nweeks && !rc; i++) {
		bool ok = want[i].verdict == v[i].verdict && want[i].nreasons == v[i].nreasons;
		for (size_t j = 0; ok && j < v[i].nreasons; j++)
			ok = same_reason(&want[i].reasons[j], &v[i].reasons[j]);
		if (!ok) {
			char diff[640];
			verdict_diff(diff, sizeof(diff), &v[i], &want[i]);
			rc = fail(r, json_array_get(arr, (size_t)i), arr,
			          "the verdict of %s does not follow from the rows' statuses%s: %s",
			          kpi_week_format(wk, sizeof(wk), v[i].week),
			          r->snap->format >= 3 ? ", the KPIs not collected and the waivers" : "", diff);
		}
	}
	if (!rc) {
		/* the same verdicts, with each reason's labels as names and values too */
		kpi_verdicts_free(v, (size_t)w->nweeks);
		r->snap->verdicts = want;
		return 0;
	}
	kpi_verdicts_free(want, (size_t)w->nweeks);
	return rc;
}

/* The list object {"total": n, KEY: [...]} of the drill-down; at most `max` items. */
static int get_list(rd *r, const json_t *dd, const char *name, const char *key, size_t max, size_t *total,
                    json_t **items, json_t **list)
{
	const char *keys[] = { "total", key, NULL };
	int64_t t;
	int rc;

	if ((rc = get_object(r, dd, name, keys, list)) || (rc = get_int(r, *list, "total", 0, INT64_MAX, &t)) ||
	    (rc = get(r, *list, key, JSON_ARRAY, items)))
		return rc;
	*total = (size_t)t;
	if (json_array_size(*items) > max)
		return fail(r, *items, *list, "'%s' holds more than %zu entries", key, max);
	if (json_array_size(*items) > *total)
		return fail(r, json_object_get(*list, "total"), *list, "'total' is smaller than the number of %s", key);
	if (json_array_size(*items) < max && json_array_size(*items) != *total)
		return fail(r, json_object_get(*list, "total"), *list,
		            "'total' must be the number of %s when fewer than %zu are listed", key, max);
	return 0;
}

static int parse_uncovered(rd *r, const json_t *dd)
{
	static const char *const keys[] = { "design_id", "tenant_id", "style_id", "revision", "revision_at",
		                            "age_days", NULL };
	kpi_snapshot *snap = r->snap;
	json_t *list, *items, *o;
	size_t i;
	int rc;

	if ((rc = get_list(r, dd, "uncovered", "designs", KPI_SNAPSHOT_UNCOVERED_MAX, &snap->uncovered_total, &items,
	                   &list)))
		return rc;
	if (!(snap->uncovered = calloc(json_array_size(items) + 1, sizeof(*snap->uncovered))))
		return nomem(r);
	json_array_foreach(items, i, o) {
		kpi_uncovered *u = &snap->uncovered[snap->nuncovered++];
		int64_t rev;
		bool has;
		if ((rc = get_entry(r, o, items, keys, "an uncovered design must be an object", "uncovered design")) ||
		    (rc = get_int(r, o, "design_id", INT64_MIN, INT64_MAX, &u->design_id)) ||
		    (rc = get_str(r, o, "tenant_id", false, &u->tenant_id)) ||
		    (rc = get_str(r, o, "style_id", false, &u->style_id)) ||
		    (rc = get_int(r, o, "revision", INT32_MIN, INT32_MAX, &rev)) ||
		    (rc = get_time(r, o, "revision_at", &u->revision_at)) ||
		    (rc = get_num(r, o, "age_days", false, &has, &u->age_days)))
			return rc;
		u->revision = (int)rev;
		if (i > 0 && u->age_days > snap->uncovered[i - 1].age_days)
			return fail(r, json_object_get(o, "age_days"), o, "uncovered designs must be oldest first");
	}
	return 0;
}

static int parse_mismatches(rd *r, const json_t *dd)
{
	static const char *const keys[] = { "id", "decided_at", "design_id", "environment", "tenant_id", "style_id",
		                            "user_id", "decided_by", "provider_metadata", "route_outcome",
		                            "design_migrated", NULL };
	kpi_snapshot *snap = r->snap;
	const kpi_window *w = r->w;
	json_t *list, *items, *o;
	size_t i;
	int rc;

	if ((rc = get_list(r, dd, "mismatches", "decisions", KPI_SNAPSHOT_MISMATCHES_MAX, &snap->mismatches_total,
	                   &items, &list)))
		return rc;
	if (!(snap->mismatches = calloc(json_array_size(items) + 1, sizeof(*snap->mismatches))))
		return nomem(r);
	json_array_foreach(items, i, o) {
		kpi_mismatch *m = &snap->mismatches[snap->nmismatches++];
		if ((rc = get_entry(r, o, items, keys, "a mismatch must be an object", "mismatch")) ||
		    (rc = get_int(r, o, "id", INT64_MIN, INT64_MAX, &m->id)) ||
		    (rc = get_time(r, o, "decided_at", &m->decided_at)) ||
		    (rc = get_int(r, o, "design_id", INT64_MIN, INT64_MAX, &m->design_id)) ||
		    (rc = get_str(r, o, "environment", false, &m->environment)) ||
		    (rc = get_str(r, o, "tenant_id", false, &m->tenant_id)) ||
		    (rc = get_str(r, o, "style_id", false, &m->style_id)) ||
		    (rc = get_str(r, o, "user_id", false, &m->user_id)) ||
		    (rc = get_str(r, o, "decided_by", false, &m->decided_by)) ||
		    (rc = get_str(r, o, "provider_metadata", false, &m->provider_metadata)) ||
		    (rc = get_str(r, o, "route_outcome", false, &m->route_outcome)) ||
		    (rc = get_bool(r, o, "design_migrated", &m->design_migrated)))
			return rc;
		/* decided_at is floored to seconds: the week starts on a whole second */
		if (m->decided_at < w->starts[w->nweeks - 1] || m->decided_at >= w->as_of)
			return fail(r, json_object_get(o, "decided_at"), o, "a mismatch must be of the last week");
		if (i > 0 && m->decided_at > snap->mismatches[i - 1].decided_at)
			return fail(r, json_object_get(o, "decided_at"), o, "mismatches must be newest first");
	}
	return 0;
}

static int parse_changes(rd *r, const json_t *dd)
{
	static const char *const keys[] = { "id", "changed_at", "layer", "key", "old_value", "new_value", "actor",
		                            NULL };
	kpi_snapshot *snap = r->snap;
	const kpi_window *w = r->w;
	json_t *list, *items, *o;
	size_t i;
	int rc;

	if ((rc = get_list(r, dd, "changes", "changes", KPI_SNAPSHOT_CHANGES_MAX, &snap->changes_total, &items,
	                   &list)))
		return rc;
	if (!(snap->changes = calloc(json_array_size(items) + 1, sizeof(*snap->changes))))
		return nomem(r);
	json_array_foreach(items, i, o) {
		kpi_change *c = &snap->changes[snap->nchanges++];
		if ((rc = get_entry(r, o, items, keys, "a rollout change must be an object", "rollout change")) ||
		    (rc = get_int(r, o, "id", INT64_MIN, INT64_MAX, &c->id)) ||
		    (rc = get_time(r, o, "changed_at", &c->changed_at)) || (rc = get_str(r, o, "layer", false, &c->layer)) ||
		    (rc = get_str(r, o, "key", false, &c->key)) || (rc = get_str(r, o, "old_value", true, &c->old_value)) ||
		    (rc = get_str(r, o, "new_value", true, &c->new_value)) ||
		    (rc = get_str(r, o, "actor", false, &c->actor)))
			return rc;
		if (c->changed_at < w->from || c->changed_at >= w->as_of)
			return fail(r, json_object_get(o, "changed_at"), o, "a rollout change must be in the window");
		if (i > 0 && c->changed_at < snap->changes[i - 1].changed_at)
			return fail(r, json_object_get(o, "changed_at"), o, "rollout changes must be oldest first");
	}
	return 0;
}

static int parse_drilldown(rd *r, const json_t *root)
{
	static const char *const keys[] = { "queries", "uncovered", "mismatches", "changes", NULL };
	static const char *const qkeys[] = { "name", "sha256", NULL };
	kpi_snapshot *snap = r->snap;
	json_t *dd, *arr, *o;
	size_t i;
	int rc;

	if ((rc = get_object(r, root, "drilldown", keys, &dd)) || (rc = get(r, dd, "queries", JSON_ARRAY, &arr)))
		return rc;
	if (!(snap->drill_queries = calloc(json_array_size(arr) + 1, sizeof(*snap->drill_queries))))
		return nomem(r);
	json_array_foreach(arr, i, o) {
		kpi_query_ref *q = &snap->drill_queries[snap->ndrill_queries++];
		if (!json_is_object(o))
			return fail(r, o, arr, "a query must be an object {\"name\", \"sha256\"}");
		if ((rc = check_keys(r, o, qkeys, "query")) || (rc = get_str(r, o, "name", false, &q->name)) ||
		    (rc = get_sha(r, o, "sha256", false, q->sha256)))
			return rc;
	}
	if ((rc = parse_uncovered(r, dd)) || (rc = parse_mismatches(r, dd)) || (rc = parse_changes(r, dd)))
		return rc;
	if ((rc = kpi__snapshot_check_lists(snap, r->err)) && rc != KPI_ENOMEM) {
		char msg[KPI_ERROR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", r->err->message);
		return fail(r, dd, root, "%s", msg);
	}
	return rc;
}

int kpi_snapshot_parse(kpi_snapshot **out, const char *name, const char *text, size_t len, kpi_error *err)
{
	static const char *const keys[] = { "format", "tool_version", "timezone", "active_days", "read_at",
		                            "window", "sources", "not_collected", "catalog", "series", "verdicts",
		                            "drilldown", NULL };
	/* format 3: the waivers (snapshot_waivers.c) and the history (snapshot_history.c) */
	static const char *const keys3[] = { "format", "tool_version", "timezone", "active_days", "read_at",
		                             "window", "sources", "not_collected", "waivers", "catalog", "series",
		                             "verdicts", "drilldown", "history", NULL };
	/* format 4: the restatements (snapshot_restate.c) and the provenance (snapshot_provenance.c) */
	static const char *const keys4[] = { "format", "tool_version", "timezone", "active_days", "read_at",
		                             "window", "sources", "not_collected", "waivers", "catalog", "series",
		                             "verdicts", "drilldown", "history", "restatements", "provenance",
		                             KPI__SLO_SNAPSHOT_KEY /* snapshot_slo.c */, NULL };
	/* format 1: what format 2 adds is not there */
	static const char *const keys1[] = { "format", "tool_version", "timezone", "active_days", "read_at",
		                             "window", "sources", "catalog", "series", "verdicts", "drilldown", NULL };
	kpi__jsondoc *doc = NULL;
	kpi_snapshot *snap = NULL;
	kpi_error local = KPI_ERROR_INIT;
	json_t *root, *fmt;
	int64_t days;
	rd r;
	int rc;

	*out = NULL;
	if (!err)
		err = &local;
	if ((rc = kpi__jsondoc_parse(&doc, name, text, len, err)))
		return err->code = rc == KPI_ENOMEM ? rc : KPI_EDATA; /* a syntax error, at its position */
	if (!(snap = calloc(1, sizeof(*snap))) || !(snap->result = calloc(1, sizeof(*snap->result)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	r.doc = doc;
	r.err = err;
	r.snap = snap;
	r.w = &snap->result->window;
	root = doc->root;
	if (!json_is_object(root)) {
		rc = fail(&r, root, root, "a snapshot is a JSON object");
		goto done;
	}
	/* The version first: a newer format may have keys this one does not know. */
	fmt = json_object_get(root, "format");
	if (!json_is_integer(fmt)) {
		rc = fail(&r, fmt, root, "not a kpi snapshot: no whole number 'format'");
		goto done;
	}
	if (json_integer_value(fmt) < 1 || json_integer_value(fmt) > KPI_SNAPSHOT_FORMAT) {
		rc = fail(&r, fmt, root, "snapshot format %lld is not supported (this kpi %s reads formats 1 to %d)",
		          (long long)json_integer_value(fmt), kpi_version(), KPI_SNAPSHOT_FORMAT);
		goto done;
	}
	snap->format = (int)json_integer_value(fmt);
	if ((rc = check_keys(&r, root, snap->format == 1 ? keys1 : snap->format == 2 ? keys : snap->format == 3 ? keys3 : keys4,
	                     "snapshot")) ||
	    (rc = get_str(&r, root, "tool_version", false, &snap->tool_version)) ||
	    (rc = get_str(&r, root, "timezone", false, &snap->timezone)) ||
	    (rc = get_int(&r, root, "active_days", 1, 3660, &days)) ||
	    (rc = get_time(&r, root, "read_at", &snap->result->read_at)) || (rc = parse_window(&r, root)))
		goto done;
	snap->active_days = (int)days;
	if (strlen(snap->timezone) == 0 || strlen(snap->timezone) >= sizeof(r.w->tz)) {
		rc = fail(&r, json_object_get(root, "timezone"), root, "'timezone' must be a zone name of 1..%zu bytes",
		          sizeof(r.w->tz) - 1);
		goto done;
	}
	snprintf(r.w->tz, sizeof(r.w->tz), "%s", snap->timezone);
	if ((rc = parse_sources(&r, root)) || (rc = parse_catalog(&r, root)) ||
	    (snap->format >= 2 && (rc = parse_not_collected(&r, root))) ||
	    (snap->format >= 3 && (rc = kpi__snapshot_waivers_parse(snap, doc, root, err))) || (rc = parse_series(&r, root)) ||
	    (rc = parse_verdicts(&r, root)) || (rc = parse_drilldown(&r, root)) ||
	    (snap->format >= 3 && (rc = kpi__history_parse(&snap->history, doc, json_object_get(root, "history"), err))) ||
	    (snap->format >= 4 && (rc = kpi__restate_parse(snap, doc, json_object_get(root, "restatements"), err))) ||
	    (snap->format >= 4 &&
	     (rc = kpi__provenance_parse(&snap->provenance, doc, json_object_get(root, "provenance"), snap->result, err))) ||
	    (snap->format >= 4 && (rc = kpi__slo_snap_parse(snap, doc, root, err))))
		goto done;
	kpi_sha256_hex(snap->sha256, text, len);
	*out = snap;
	snap = NULL;
done:
	kpi_snapshot_free(snap);
	kpi__jsondoc_free(doc);
	return rc;
}

int kpi__snapshot_read(kpi_snapshot **out, char **text_out, size_t *len_out, const char *path, kpi_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (text_out)
		*text_out = NULL;
	if ((rc = kpi__read_file_max(&text, &len, path, KPI__MAX_SNAPSHOT_BYTES, err)))
		return rc;
	if ((rc = kpi_snapshot_parse(out, path, text, len, err)) == 0 && text_out) {
		*text_out = text;
		*len_out = len;
		return 0;
	}
	free(text);
	return rc;
}

int kpi_snapshot_load(kpi_snapshot **out, const char *path, kpi_error *err)
{
	return kpi__snapshot_read(out, NULL, NULL, path, err);
}
