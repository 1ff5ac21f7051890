/* decisions.jsonl (kpi/reports.h): reading and checking the hash chain of
 * the meeting's decisions. */
#include "core/internal.h"
#include "reports/reports_int.h"

#include <stdlib.h>
#include <string.h>


const char *kpi__decision_name(kpi_verdict_kind v)
{
	switch (v) {
	case KPI_VERDICT_GO: return "go";
	case KPI_VERDICT_HOLD: return "hold";
	default: return "no-go";
	}
}

bool kpi__decision_parse(kpi_verdict_kind *out, const char *s)
{
	if (!s)
		return false;
	if (strcmp(s, "go") == 0)
		*out = KPI_VERDICT_GO;
	else if (strcmp(s, "hold") == 0)
		*out = KPI_VERDICT_HOLD;
	else if (strcmp(s, "no-go") == 0)
		*out = KPI_VERDICT_NOGO;
	else
		return false;
	return true;
}

void kpi__decision_release(kpi_decision *d)
{
	if (!d)
		return;
	free(d->by);
	free(d->note);
	for (size_t i = 0; i < d->nactions; i++) {
		free(d->actions[i].id);
		free(d->actions[i].owner);
		free(d->actions[i].text);
		free(d->actions[i].due);
	}
	free(d->actions);
	for (size_t i = 0; i < d->ncloses; i++)
		free(d->closes[i]);
	free(d->closes);
	memset(d, 0, sizeof(*d));
}

void kpi_decisions_free(kpi_decisions *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		kpi__decision_release(&d->rec[i]);
	free(d->rec);
	free(d);
}

int kpi__decision_write(kpi_buf *b, const kpi_decision *d)
{
	char wk[16], at[32];
	int rc;

	rc = kpi_buf_printf(b, "{\"format\": %d, \"week\": \"%s\", \"decision\": \"%s\", \"by\": ", KPI_DECISIONS_FORMAT,
	                    kpi_week_format(wk, sizeof(wk), d->week), kpi__decision_name(d->decision)) ||
	     kpi__buf_json_str(b, d->by) ||
	     kpi_buf_printf(b, ", \"at\": \"%s\", \"note\": ", kpi_time_format(at, sizeof(at), d->at)) ||
	     (d->note ? kpi__buf_json_str(b, d->note) : kpi_buf_puts(b, "null")) || kpi_buf_puts(b, ", \"actions\": [");
	for (size_t i = 0; i < d->nactions && !rc; i++)
		rc = kpi_buf_puts(b, i ? ", {\"id\": " : "{\"id\": ") || kpi__buf_json_str(b, d->actions[i].id) ||
		     kpi_buf_puts(b, ", \"owner\": ") || kpi__buf_json_str(b, d->actions[i].owner) ||
		     kpi_buf_puts(b, ", \"text\": ") || kpi__buf_json_str(b, d->actions[i].text) ||
		     kpi_buf_puts(b, ", \"due\": ") || kpi__buf_json_str(b, d->actions[i].due) || kpi_buf_puts(b, "}");
	rc = rc || kpi_buf_puts(b, "], \"closes\": [");
	for (size_t i = 0; i < d->ncloses && !rc; i++)
		rc = (i && kpi_buf_puts(b, ", ")) || kpi__buf_json_str(b, d->closes[i]);
	rc = rc || kpi_buf_printf(b, "], \"verdict\": \"%s\", \"manifest_sha256\": \"%s\", \"prev_sha256\": \"%s\"}",
	                          kpi__decision_name(d->verdict), d->manifest_sha256, d->prev_sha256);
	return rc ? KPI_ENOMEM : 0;
}

static bool is_sha256(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

bool kpi__decision_text_ok(const char *s)
{
	if (!s || !s[0] || !kpi__utf8_valid(s))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return false;
	return true;
}

/* A string member `key` of `o` that kpi__decision_text_ok() accepts; NULL
 * otherwise. */
static const char *text_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return kpi__decision_text_ok(s) ? s : NULL;
}

/* A calendar date "YYYY-MM-DD". */
static bool is_date(const char *s)
{
	int64_t t;
	return s && strlen(s) == 10 && kpi_time_parse(&t, s, NULL) == 0;
}

/* One record from the JSON of line `line`; the message when bad. */
static const char *record_of(kpi_decision *d, const json_t *o)
{
	static const char *const keys[] = { "format", "week", "decision", "by", "at", "note", "actions", "closes",
		                            "verdict", "manifest_sha256", "prev_sha256", NULL };
	const json_t *v, *acts, *closes;
	const char *s, *key;
	size_t i = 0;
	json_t *kv;

	if (!json_is_object(o))
		return "not a JSON object";
	json_object_foreach((json_t *)o, key, kv) {
		if (!keys[i] || strcmp(key, keys[i]) != 0)
			return "not a kpi decision record (keys differ from docs/pack.md's, or are out of order)";
		i++;
	}
	if (keys[i])
		return "not a kpi decision record (keys missing)";
	v = json_object_get(o, "format");
	if (!json_is_integer(v) || json_integer_value(v) != KPI_DECISIONS_FORMAT)
		return "format is not 1";
	if (!(s = json_string_value(json_object_get(o, "week"))) || kpi_week_parse(&d->week, s, NULL))
		return "week is not an ISO week (YYYY-Www)";
	if (!kpi__decision_parse(&d->decision, json_string_value(json_object_get(o, "decision"))))
		return "decision is not go, no-go or hold";
	if (!kpi__decision_parse(&d->verdict, json_string_value(json_object_get(o, "verdict"))))
		return "verdict is not go, no-go or hold";
	if (!(s = text_of(o, "by")) || !(d->by = kpi__strdup(s)))
		return "by is not a name";
	if (!(s = json_string_value(json_object_get(o, "at"))) || kpi_time_parse(&d->at, s, NULL))
		return "at is not an ISO 8601 UTC time";
	v = json_object_get(o, "note");
	if (!json_is_null(v)) {
		if (!json_is_string(v) || !kpi__utf8_valid(json_string_value(v)) || !(d->note = kpi__strdup(json_string_value(v))))
			return "note is neither text nor null";
	}
	acts = json_object_get(o, "actions");
	closes = json_object_get(o, "closes");
	if (!json_is_array(acts) || !json_is_array(closes))
		return "actions or closes is not a list";
	if (json_array_size(acts) && !(d->actions = calloc(json_array_size(acts), sizeof(*d->actions))))
		return "out of memory";
	for (i = 0; i < json_array_size(acts); i++) {
		const json_t *a = json_array_get(acts, i);
		kpi_action *x = &d->actions[d->nactions++];
		const char *id = text_of(a, "id"), *owner = text_of(a, "owner"), *text = text_of(a, "text"),
		           *due = json_string_value(json_object_get(a, "due"));
		if (!json_is_object(a) || json_object_size(a) != 4 || !id || !owner || !text || !is_date(due))
			return "an action is not {id, owner, text, due: YYYY-MM-DD}";
		if (!(x->id = kpi__strdup(id)) || !(x->owner = kpi__strdup(owner)) || !(x->text = kpi__strdup(text)) ||
		    !(x->due = kpi__strdup(due)))
			return "out of memory";
	}
	if (json_array_size(closes) && !(d->closes = calloc(json_array_size(closes), sizeof(*d->closes))))
		return "out of memory";
	for (i = 0; i < json_array_size(closes); i++) {
		const char *id = json_string_value(json_array_get(closes, i));
		if (!id || !id[0])
			return "closes holds something that is not an action id";
		if (!(d->closes[d->ncloses++] = kpi__strdup(id)))
			return "out of memory";
	}
	s = json_string_value(json_object_get(o, "manifest_sha256"));
	if (!is_sha256(s))
		return "manifest_sha256 is not 64 lowercase hex digits";
	memcpy(d->manifest_sha256, s, 65);
	s = json_string_value(json_object_get(o, "prev_sha256"));
	if (!is_sha256(s))
		return "prev_sha256 is not 64 lowercase hex digits";
	memcpy(d->prev_sha256, s, 65);
	return NULL;
}

/* Whether action `id` is set by records [0, n) of `d`; `*closed` whether
 * one of them closes it. */
static bool action_set(const kpi_decisions *d, size_t n, const char *id, bool *closed)
{
	bool set = false;
	*closed = false;
	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; i < d->rec[r].nactions; i++)
			set = set || strcmp(d->rec[r].actions[i].id, id) == 0;
		for (size_t i = 0; i < d->rec[r].ncloses; i++)
			*closed = *closed || strcmp(d->rec[r].closes[i], id) == 0;
	}
	return set;
}

/* The checks across records of record `r` (its chain link, its ids). */
static int check_links(const kpi_decisions *d, size_t r, const char *name, kpi_error *err)
{
	const kpi_decision *x = &d->rec[r];
	char wk[16];
	size_t wl;
	bool closed;

	if (r == 0 && strcmp(x->prev_sha256, KPI__CHAIN_START) != 0)
		return kpi_error_set(err, KPI_EDATA, "%s:%zu: prev_sha256 of the first record is not 64 zeros", name, x->line);
	if (r > 0 && strcmp(x->prev_sha256, d->rec[r - 1].sha256) != 0)
		return kpi_error_set(err, KPI_EDATA,
		                     "%s:%zu: prev_sha256 does not match record %zu (a record was changed, removed or "
		                     "inserted)",
		                     name, x->line, d->rec[r - 1].line);
	kpi_week_format(wk, sizeof(wk), x->week);
	wl = strlen(wk);
	for (size_t i = 0; i < x->nactions; i++) {
		const char *id = x->actions[i].id;
		if (strncmp(id, wk, wl) != 0 || id[wl] != '.' || !id[wl + 1] || strspn(id + wl + 1, "0123456789") != strlen(id + wl + 1))
			return kpi_error_set(err, KPI_EDATA, "%s:%zu: action id '%s' is not %s.N", name, x->line, id, wk);
		if (action_set(d, r, id, &closed))
			return kpi_error_set(err, KPI_EDATA, "%s:%zu: action id '%s' was set by an earlier record", name,
			                     x->line, id);
		for (size_t j = 0; j < i; j++)
			if (strcmp(x->actions[j].id, id) == 0)
				return kpi_error_set(err, KPI_EDATA, "%s:%zu: action id '%s' twice", name, x->line, id);
	}
	for (size_t i = 0; i < x->ncloses; i++) {
		if (!action_set(d, r, x->closes[i], &closed))
			return kpi_error_set(err, KPI_EDATA, "%s:%zu: closes '%s', which no earlier record set", name, x->line,
			                     x->closes[i]);
		if (closed)
			return kpi_error_set(err, KPI_EDATA, "%s:%zu: closes '%s', which an earlier record closed", name,
			                     x->line, x->closes[i]);
	}
	return 0;
}

int kpi__decisions_parse(kpi_decisions **out, const char *name, const char *text, size_t len, kpi_error *err)
{
	kpi_decisions *d = calloc(1, sizeof(*d));
	kpi_buf canon = KPI_BUF_INIT;
	size_t cap = 0, lineno = 0;
	const char *p = text, *end = text + len;
	int rc = 0;

	*out = NULL;
	if (!d)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *why;
		size_t n;
		json_t *o;
		json_error_t je;
		kpi_decision *x;

		lineno++;
		if (!nl) {
			rc = kpi_error_set(err, KPI_EDATA, "%s:%zu: the last record has no newline (a cut write?)", name, lineno);
			goto done;
		}
		n = (size_t)(nl - p);
		if (d->n == cap) {
			kpi_decision *g = realloc(d->rec, (cap = cap ? 2 * cap : 16) * sizeof(*g));
			if (!g) {
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
				goto done;
			}
			d->rec = g;
		}
		x = &d->rec[d->n++];
		memset(x, 0, sizeof(*x));
		x->line = lineno;
		kpi_sha256_hex(x->sha256, p, n);
		if (memchr(p, '\0', n) || !(o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je))) {
			rc = kpi_error_set(err, KPI_EDATA, "%s:%zu: not a JSON record", name, lineno);
			goto done;
		}
		why = record_of(x, o);
		json_decref(o);
		if (why) {
			rc = kpi_error_set(err, strcmp(why, "out of memory") ? KPI_EDATA : KPI_ENOMEM, "%s:%zu: %s", name,
			                   lineno, why);
			goto done;
		}
		kpi__buf_truncate(&canon, 0);
		if (kpi__decision_write(&canon, x)) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		if (canon.len != n || memcmp(canon.data, p, n) != 0) {
			rc = kpi_error_set(err, KPI_EDATA, "%s:%zu: the record is not written as kpi decide writes it", name,
			                   lineno);
			goto done;
		}
		if ((rc = check_links(d, d->n - 1, name, err)))
			goto done;
		p = nl + 1;
	}
done:
	kpi_buf_release(&canon);
	if (rc) {
		kpi_decisions_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

int kpi_decisions_load(kpi_decisions **out, const char *path, kpi_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = kpi__read_file_max(&text, &len, path, KPI__MAX_LEDGER_BYTES, err)))
		return rc;
	rc = kpi__decisions_parse(out, path, text, len, err);
	free(text);
	return rc;
}

int kpi_decisions_open_actions(const kpi_action ***out, size_t *n, const kpi_decisions *d, kpi_error *err)
{
	const kpi_action **a = NULL;
	size_t k = 0, total = 0;

	*out = NULL;
	*n = 0;
	for (size_t r = 0; d && r < d->n; r++)
		total += d->rec[r].nactions;
	if (!total)
		return 0;
	if (!(a = malloc(total * sizeof(*a))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t r = 0; r < d->n; r++)
		for (size_t i = 0; i < d->rec[r].nactions; i++) {
			bool closed;
			action_set(d, d->n, d->rec[r].actions[i].id, &closed);
			if (!closed)
				a[k++] = &d->rec[r].actions[i];
		}
	if (!k) {
		free(a);
		return 0;
	}
	*out = a;
	*n = k;
	return 0;
}

const kpi_decision *kpi_decisions_find(const kpi_decisions *d, kpi_week w)
{
	for (size_t r = d ? d->n : 0; r-- > 0;)
		if (kpi_week_cmp(d->rec[r].week, w) == 0)
			return &d->rec[r];
	return NULL;
}
