/* snapshot.json's "history" section (format 3): write, parse, validate,
 * free. Written as
 *   "history": {"decision": {"week", "decision", "verdict", "by", "at", "note"} | null,
 *               "open_actions": [{"id", "owner", "text", "due", "overdue"}, ...]}
 * or "history": null when no reports directory was read. */
#include "snapshot/snapshot_history.h"
#include "snapshot/snapshot_write.h"

#include <stdlib.h>
#include <string.h>

void kpi__history_free(kpi_history *h)
{
	if (!h)
		return;
	free(h->by);
	free(h->note);
	for (size_t i = 0; i < h->nactions; i++) {
		free(h->actions[i].id);
		free(h->actions[i].owner);
		free(h->actions[i].text);
		free(h->actions[i].due);
	}
	free(h->actions);
	free(h);
}

int kpi__history_write(kpi_buf *b, const kpi_history *h, kpi_error *err)
{
	static const char what[] = "history text";
	kpi__snapw w = { b, 0, err };
	char wk[16];

	if (!h) {
		kpi__snapw_put(&w, ",\n  \"history\": null");
		return w.rc;
	}
	kpi__snapw_put(&w, ",\n  \"history\": {\"decision\": ");
	if (!h->has_decision) {
		kpi__snapw_put(&w, "null");
	} else {
		kpi__snapw_putf(&w, "{\"week\": \"%s\", \"decision\": \"%s\", \"verdict\": \"%s\", \"by\": ",
		                kpi_week_format(wk, sizeof(wk), h->week), kpi_verdict_name(h->decision),
		                kpi_verdict_name(h->verdict));
		kpi__snapw_str(&w, h->by, what);
		kpi__snapw_put(&w, ", \"at\": ");
		kpi__snapw_time(&w, h->at);
		kpi__snapw_put(&w, ", \"note\": ");
		kpi__snapw_str(&w, h->note, what);
		kpi__snapw_put(&w, "}");
	}
	kpi__snapw_put(&w, ",\n    \"open_actions\": [");
	for (size_t i = 0; i < h->nactions; i++) {
		const kpi_snap_action *a = &h->actions[i];
		kpi__snapw_put(&w, i ? ",\n      {\"id\": " : "\n      {\"id\": ");
		kpi__snapw_str(&w, a->id, what);
		kpi__snapw_put(&w, ", \"owner\": ");
		kpi__snapw_str(&w, a->owner, what);
		kpi__snapw_put(&w, ", \"text\": ");
		kpi__snapw_str(&w, a->text, what);
		kpi__snapw_put(&w, ", \"due\": ");
		kpi__snapw_str(&w, a->due, what);
		kpi__snapw_put(&w, a->overdue ? ", \"overdue\": true}" : ", \"overdue\": false}");
	}
	kpi__snapw_put(&w, h->nactions ? "\n    ]}" : "]}");
	return w.rc;
}

static bool verdict_of(kpi_verdict_kind *out, const char *s)
{
	for (int v = KPI_VERDICT_GO; v <= KPI_VERDICT_NOGO; v++)
		if (s && strcmp(s, kpi_verdict_name((kpi_verdict_kind)v)) == 0) {
			*out = (kpi_verdict_kind)v;
			return true;
		}
	return false;
}

/* A required, non-empty text member; copied to *out. */
static int text(char **out, const kpi__jsondoc *doc, const json_t *o, const char *key, bool nullable,
                kpi_error *err)
{
	return kpi__json_text_member(out, doc, o, key, nullable, "history", err);
}

int kpi__history_parse(kpi_history **out, const kpi__jsondoc *doc, const json_t *v, kpi_error *err)
{
	static const char *const keys[] = { "decision", "open_actions", NULL };
	static const char *const dkeys[] = { "week", "decision", "verdict", "by", "at", "note", NULL };
	static const char *const akeys[] = { "id", "owner", "text", "due", "overdue", NULL };
	kpi_history *h = NULL;
	const json_t *d, *acts;
	int rc;

	*out = NULL;
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return kpi__jsondoc_error(doc, v ? v : doc->root, err, KPI_EDATA, "'history' must be an object or null");
	if ((rc = kpi__json_check_keys(doc, v, keys, "history", err)))
		return err->code = KPI_EDATA;
	if (!(h = calloc(1, sizeof(*h))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	d = json_object_get(v, "decision");
	if (d && !json_is_null(d)) {
		const json_t *x;
		if (!json_is_object(d)) {
			rc = kpi__jsondoc_error(doc, d, err, KPI_EDATA, "history.decision must be an object or null");
			goto done;
		}
		if ((rc = kpi__json_check_keys(doc, d, dkeys, "history.decision", err))) {
			rc = err->code = KPI_EDATA;
			goto done;
		}
		h->has_decision = true;
		x = json_object_get(d, "week");
		if (!json_is_string(x) || kpi_week_parse(&h->week, json_string_value(x), NULL)) {
			rc = kpi__jsondoc_error(doc, x ? x : d, err, KPI_EDATA, "history.decision.week is not YYYY-Www");
			goto done;
		}
		x = json_object_get(d, "decision");
		if (!verdict_of(&h->decision, json_string_value(x))) {
			rc = kpi__jsondoc_error(doc, x ? x : d, err, KPI_EDATA, "history.decision.decision is not GO, HOLD or NO-GO");
			goto done;
		}
		x = json_object_get(d, "verdict");
		if (!verdict_of(&h->verdict, json_string_value(x))) {
			rc = kpi__jsondoc_error(doc, x ? x : d, err, KPI_EDATA, "history.decision.verdict is not GO, HOLD or NO-GO");
			goto done;
		}
		x = json_object_get(d, "at");
		if (!json_is_string(x) || kpi_time_parse(&h->at, json_string_value(x), NULL)) {
			rc = kpi__jsondoc_error(doc, x ? x : d, err, KPI_EDATA, "history.decision.at is not an ISO 8601 time");
			goto done;
		}
		if ((rc = text(&h->by, doc, d, "by", false, err)) || (rc = text(&h->note, doc, d, "note", true, err)))
			goto done;
	}
	acts = json_object_get(v, "open_actions");
	if (!json_is_array(acts)) {
		rc = kpi__jsondoc_error(doc, acts ? acts : v, err, KPI_EDATA, "history.open_actions must be a list");
		goto done;
	}
	if (json_array_size(acts) && !(h->actions = calloc(json_array_size(acts), sizeof(*h->actions)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < json_array_size(acts); i++) {
		const json_t *a = json_array_get(acts, i), *ov = json_object_get(a, "overdue");
		kpi_snap_action *x = &h->actions[h->nactions++];
		int64_t t;
		if (!json_is_object(a)) {
			rc = kpi__jsondoc_error(doc, a, err, KPI_EDATA, "history.open_actions[%zu] must be an object", i);
			goto done;
		}
		if ((rc = kpi__json_check_keys(doc, a, akeys, "an open action", err))) {
			rc = err->code = KPI_EDATA;
			goto done;
		}
		if ((rc = text(&x->id, doc, a, "id", false, err)) || (rc = text(&x->owner, doc, a, "owner", false, err)) ||
		    (rc = text(&x->text, doc, a, "text", false, err)) || (rc = text(&x->due, doc, a, "due", false, err)))
			goto done;
		if (strlen(x->due) != 10 || kpi_time_parse(&t, x->due, NULL)) {
			rc = kpi__jsondoc_error(doc, json_object_get(a, "due"), err, KPI_EDATA,
			                        "history.open_actions[%zu].due is not YYYY-MM-DD", i);
			goto done;
		}
		if (!json_is_boolean(ov)) {
			rc = kpi__jsondoc_error(doc, a, err, KPI_EDATA, "history.open_actions[%zu].overdue must be true or false", i);
			goto done;
		}
		x->overdue = json_is_true(ov);
	}
	*out = h;
	h = NULL;
	rc = 0;
done:
	kpi__history_free(h);
	return rc;
}
