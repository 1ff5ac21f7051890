/*
 * The alert ledger and its delivery outbox: one JSON file in the state
 * directory, `ledger.json`,
 *
 *   {"format": "kpi-alert-ledger", "version": 1, "sha256": HEX, "body": {
 *      "updated_at", "run_id", "seq",
 *      "alerts": [{id, kpi, labels, state, severity, since, episode,
 *                  dedupe_key, pending, last_notified_at, value, status,
 *                  last_seen_at, note, silenced_by?, held?, sent_to?}],
 *      "outbox": [{id, sink, dedupe_key, action, status, attempts,
 *                  created_at, next_attempt_at, last_attempt_at, done_at,
 *                  last_error, history, notification}]}}
 *
 * `sha256` is the SHA-256 of the body serialised compactly with sorted keys,
 * so a truncated, hand-edited or bit-flipped file is detected. The records
 * and the outbox share the file so a transition and the notifications it
 * causes are saved together, atomically (temp file, fsync, rename, directory
 * fsync). Times are ISO-8601 UTC strings so a human can read the file.
 *
 * The file work is here too: loading (a corrupted ledger is moved aside,
 * never silently reset), saving atomically, removing the temp files of a
 * killed run. The run (alert_run.c) only calls it.
 */
#include "alert/alert_internal.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17))

const char *kpi_alert_state_name(kpi_alert_state s)
{
	static const char *const names[] = { "ok", "warn", "pending", "firing", "silenced" };
	return (unsigned)s < 5 ? names[s] : "?";
}

static const char *const entry_status_names[] = { "pending", "delivered", "failed" };

kpi__ledger *kpi__ledger_new(void)
{
	return calloc(1, sizeof(kpi__ledger));
}

static void rec_release(kpi__alert_rec *r)
{
	free(r->id);
	free(r->kpi);
	json_decref(r->labels);
	free(r->dedupe_key);
	free(r->note);
	free(r->silenced_by);
	json_decref(r->held);
	json_decref(r->sent);
}

static void entry_release(kpi__outbox_entry *e)
{
	free(e->id);
	free(e->sink);
	free(e->dedupe_key);
	free(e->action);
	free(e->last_error);
	json_decref(e->history);
	json_decref(e->notification);
}

void kpi__ledger_free(kpi__ledger *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nrecs; i++)
		rec_release(&l->recs[i]);
	free(l->recs);
	for (size_t i = 0; i < l->nout; i++)
		entry_release(&l->outbox[i]);
	free(l->outbox);
	free(l->run_id);
	json_decref(l->not_measured);
	json_decref(l->no_data);
	free(l);
}

kpi__alert_rec *kpi__ledger_find(kpi__ledger *l, const char *id)
{
	for (size_t i = 0; i < l->nrecs; i++)
		if (strcmp(l->recs[i].id, id) == 0)
			return &l->recs[i];
	return NULL;
}

kpi__alert_rec *kpi__ledger_add(kpi__ledger *l, const char *id, const char *kpi, const json_t *labels)
{
	kpi__alert_rec *n = realloc(l->recs, (l->nrecs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	l->recs = n;
	n = &l->recs[l->nrecs];
	memset(n, 0, sizeof(*n));
	n->id = strdup(id);
	n->kpi = strdup(kpi);
	n->labels = labels ? json_deep_copy(labels) : json_object();
	n->last_status = KPI_STATUS_NO_DATA;
	if (!n->id || !n->kpi || !n->labels) {
		rec_release(n);
		return NULL;
	}
	l->nrecs++;
	return n;
}

void kpi__ledger_remove(kpi__ledger *l, size_t i)
{
	rec_release(&l->recs[i]);
	memmove(&l->recs[i], &l->recs[i + 1], (l->nrecs - i - 1) * sizeof(*l->recs));
	l->nrecs--;
}

kpi__outbox_entry *kpi__ledger_enqueue(kpi__ledger *l)
{
	kpi__outbox_entry *n = realloc(l->outbox, (l->nout + 1) * sizeof(*n));
	if (!n)
		return NULL;
	l->outbox = n;
	n = &l->outbox[l->nout++];
	memset(n, 0, sizeof(*n));
	n->history = json_array();
	return n;
}

void kpi__ledger_drop_entry(kpi__ledger *l, size_t i)
{
	entry_release(&l->outbox[i]);
	memmove(&l->outbox[i], &l->outbox[i + 1], (l->nout - i - 1) * sizeof(*l->outbox));
	l->nout--;
}

void kpi__ledger_prune(kpi__ledger *l, int64_t now, int64_t keep_seconds, size_t max_entries)
{
	size_t w = 0;
	for (size_t i = 0; i < l->nout; i++) {
		kpi__outbox_entry *e = &l->outbox[i];
		if (e->status == KPI__ENTRY_DELIVERED && e->done && now - e->done > keep_seconds)
			entry_release(e);
		else
			l->outbox[w++] = *e;
	}
	l->nout = w;
	/* Still too long: the oldest delivered go first, then the oldest failed;
	 * pending entries are never dropped (they are what "never lost" means). */
	for (int pass = KPI__ENTRY_DELIVERED; pass <= KPI__ENTRY_FAILED && l->nout > max_entries; pass++) {
		w = 0;
		for (size_t i = 0; i < l->nout; i++) {
			kpi__outbox_entry *e = &l->outbox[i];
			if (l->nout - (i - w) > max_entries && e->status == (kpi__entry_status)pass)
				entry_release(e);
			else
				l->outbox[w++] = *e;
		}
		l->nout = w;
	}
}

/* ---- serialisation ---- */

static json_t *time_or_null(int64_t t)
{
	char b[32];
	return t ? json_string(kpi_time_format(b, sizeof(b), t)) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *rec_json(const kpi__alert_rec *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "kpi", json_string(r->kpi));
	json_object_set(o, "labels", r->labels);
	json_object_set_new(o, "state", json_string(kpi_alert_state_name(r->state)));
	json_object_set_new(o, "severity", json_string(kpi_alert_severity_name(r->severity)));
	json_object_set_new(o, "since", time_or_null(r->since));
	json_object_set_new(o, "episode", time_or_null(r->episode));
	json_object_set_new(o, "dedupe_key", str_or_null(r->dedupe_key));
	json_object_set_new(o, "pending", json_integer(r->pending));
	json_object_set_new(o, "last_notified_at", time_or_null(r->last_notified));
	json_object_set_new(o, "value", r->has_value ? json_real(r->value) : json_null());
	json_object_set_new(o, "status", json_string(kpi_status_name(r->last_status)));
	json_object_set_new(o, "last_seen_at", time_or_null(r->last_seen));
	json_object_set_new(o, "note", str_or_null(r->note));
	/* silences and mute windows (alert_silence.c): only when there is
	 * something to say, so older ledgers and kpi versions read the same */
	if (r->silenced_by)
		json_object_set_new(o, "silenced_by", json_string(r->silenced_by));
	if (r->held && json_array_size(r->held))
		json_object_set(o, "held", r->held);
	/* the sinks the firing episode's trigger went to, even none (a run
	 * without sinks): a sink configured later gets it (alert_run.c) */
	if (r->sent)
		json_object_set(o, "sent_to", r->sent);
	return o;
}

static json_t *entry_json(const kpi__outbox_entry *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "sink", json_string(e->sink));
	json_object_set_new(o, "dedupe_key", json_string(e->dedupe_key));
	json_object_set_new(o, "action", json_string(e->action));
	json_object_set_new(o, "status", json_string(entry_status_names[e->status]));
	json_object_set_new(o, "attempts", json_integer(e->attempts));
	json_object_set_new(o, "created_at", time_or_null(e->created));
	json_object_set_new(o, "next_attempt_at", time_or_null(e->next_attempt));
	json_object_set_new(o, "last_attempt_at", time_or_null(e->last_attempt));
	json_object_set_new(o, "done_at", time_or_null(e->done));
	json_object_set_new(o, "last_error", str_or_null(e->last_error));
	json_object_set(o, "history", e->history);
	json_object_set(o, "notification", e->notification);
	return o;
}

static json_t *body_json(const kpi__ledger *l)
{
	json_t *b = json_object(), *alerts = json_array(), *outbox = json_array();
	json_object_set_new(b, "updated_at", time_or_null(l->updated));
	json_object_set_new(b, "run_id", str_or_null(l->run_id));
	json_object_set_new(b, "seq", json_integer(l->seq));
	for (size_t i = 0; i < l->nrecs; i++)
		json_array_append_new(alerts, rec_json(&l->recs[i]));
	for (size_t i = 0; i < l->nout; i++)
		json_array_append_new(outbox, entry_json(&l->outbox[i]));
	json_object_set_new(b, "alerts", alerts);
	json_object_set_new(b, "outbox", outbox);
	if (l->not_measured && json_array_size(l->not_measured)) /* alert_unmeasured.c */
		json_object_set(b, "not_measured", l->not_measured);
	if (l->no_data && json_array_size(l->no_data)) /* alert_unmeasured.c */
		json_object_set(b, "no_data", l->no_data);
	return b;
}

static int body_sha256(char out[65], const json_t *body)
{
	char *d = json_dumps(body, DUMP_FLAGS);
	if (!d)
		return KPI_ENOMEM;
	kpi_sha256_hex(out, d, strlen(d));
	free(d);
	return 0;
}

int kpi__ledger_serialize(kpi_buf *out, const kpi__ledger *l, kpi_error *err)
{
	json_t *top = json_object(), *body = body_json(l);
	char sha[65];
	char *d = NULL;
	int rc = 0;

	/* a receiver's answer quoted in an error, a source's message in a note:
	 * nothing reaches the disk with a secret in it */
	kpi__redact_json(l->redact, body);
	if (body_sha256(sha, body)) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	json_object_set_new(top, "format", json_string(KPI__LEDGER_FORMAT));
	json_object_set_new(top, "version", json_integer(KPI__LEDGER_VERSION));
	json_object_set_new(top, "sha256", json_string(sha));
	json_object_set(top, "body", body);
	d = json_dumps(top, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	if (!d || kpi_buf_puts(out, d) || kpi_buf_puts(out, "\n"))
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
done:
	free(d);
	json_decref(body);
	json_decref(top);
	return rc;
}

/* ---- parsing ---- */

typedef struct rd {
	kpi_error *err;
	const char *where;
	int rc;
} rd;

static int bad(rd *r, const char *key, const char *what)
{
	if (!r->rc)
		r->rc = kpi_error_set(r->err, KPI_EDATA, "%s: '%s' %s", r->where, key, what);
	return r->rc;
}

static const char *get_s(rd *r, const json_t *o, const char *key, bool nullable)
{
	json_t *v = json_object_get(o, key);
	if (nullable && json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		bad(r, key, nullable ? "must be a string or null" : "must be a string");
	return json_string_value(v);
}

static char *dup_s(rd *r, const json_t *o, const char *key, bool nullable)
{
	const char *s = get_s(r, o, key, nullable);
	return s ? strdup(s) : NULL;
}

static int64_t get_t(rd *r, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	int64_t t = 0;
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v) || kpi_time_parse(&t, json_string_value(v), NULL))
		bad(r, key, "must be an ISO-8601 time or null");
	return t;
}

static int get_i(rd *r, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
		bad(r, key, "must be a whole number >= 0");
	return (int)json_integer_value(v);
}

static int get_enum(rd *r, const json_t *o, const char *key, const char *(*name)(int), int n)
{
	const char *s = get_s(r, o, key, false);
	for (int i = 0; s && i < n; i++)
		if (strcmp(s, name(i)) == 0)
			return i;
	bad(r, key, "has an unknown value");
	return 0;
}

/* o[key], when present: an array (held); NULL absent. */
static json_t *get_array(rd *r, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!r->rc && v && !json_is_array(v))
		bad(r, key, "must be an array");
	return json_is_array(v) ? json_incref(v) : NULL;
}

/* o[key], when present: an array of sink names (a copy); NULL absent. */
static json_t *get_sinks(rd *r, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key), *h;
	size_t i;
	bool ok = json_is_array(v);
	if (!v)
		return NULL;
	json_array_foreach(v, i, h)
		ok &= json_is_string(h);
	if (!ok) {
		bad(r, key, "must be an array of sink names");
		return NULL;
	}
	return json_deep_copy(v);
}

static const char *state_name_i(int i) { return kpi_alert_state_name((kpi_alert_state)i); }
static const char *sev_name_i(int i) { return kpi_alert_severity_name((kpi_alert_severity)i); }
static const char *status_name_i(int i) { return kpi_status_name((kpi_status)i); }
static const char *entry_name_i(int i) { return entry_status_names[i]; }

static int parse_rec(kpi__alert_rec *x, const json_t *o, rd *r)
{
	json_t *v;
	memset(x, 0, sizeof(*x));
	if (!json_is_object(o))
		return bad(r, "alerts", "must hold objects");
	x->id = dup_s(r, o, "id", false);
	x->kpi = dup_s(r, o, "kpi", false);
	v = json_object_get(o, "labels");
	if (!json_is_object(v))
		bad(r, "labels", "must be an object");
	x->labels = json_is_object(v) ? json_deep_copy(v) : json_object();
	x->state = (kpi_alert_state)get_enum(r, o, "state", state_name_i, 4);
	x->severity = (kpi_alert_severity)get_enum(r, o, "severity", sev_name_i, 4);
	x->since = get_t(r, o, "since");
	x->episode = get_t(r, o, "episode");
	x->dedupe_key = dup_s(r, o, "dedupe_key", true);
	x->pending = get_i(r, o, "pending");
	x->last_notified = get_t(r, o, "last_notified_at");
	v = json_object_get(o, "value");
	if (json_is_number(v)) {
		x->has_value = true;
		x->value = json_number_value(v);
	} else if (!json_is_null(v)) {
		bad(r, "value", "must be a number or null");
	}
	x->last_status = (kpi_status)get_enum(r, o, "status", status_name_i, 5);
	x->last_seen = get_t(r, o, "last_seen_at");
	x->note = dup_s(r, o, "note", true);
	if (json_object_get(o, "silenced_by"))
		x->silenced_by = dup_s(r, o, "silenced_by", false);
	x->held = get_sinks(r, o, "held");
	x->sent = get_sinks(r, o, "sent_to");
	if (!r->rc && x->state == KPI_ALERT_FIRING && !x->dedupe_key)
		bad(r, "dedupe_key", "must be set on a firing alert");
	return r->rc;
}

static int parse_entry(kpi__outbox_entry *x, const json_t *o, rd *r)
{
	json_t *v;
	memset(x, 0, sizeof(*x));
	if (!json_is_object(o))
		return bad(r, "outbox", "must hold objects");
	x->id = dup_s(r, o, "id", false);
	x->sink = dup_s(r, o, "sink", false);
	x->dedupe_key = dup_s(r, o, "dedupe_key", false);
	x->action = dup_s(r, o, "action", false);
	x->status = (kpi__entry_status)get_enum(r, o, "status", entry_name_i, 3);
	x->attempts = get_i(r, o, "attempts");
	x->created = get_t(r, o, "created_at");
	x->next_attempt = get_t(r, o, "next_attempt_at");
	x->last_attempt = get_t(r, o, "last_attempt_at");
	x->done = get_t(r, o, "done_at");
	x->last_error = dup_s(r, o, "last_error", true);
	v = json_object_get(o, "history");
	if (!json_is_array(v))
		bad(r, "history", "must be an array");
	x->history = json_is_array(v) ? json_incref(v) : json_array();
	v = json_object_get(o, "notification");
	if (!json_is_object(v))
		bad(r, "notification", "must be an object");
	x->notification = json_is_object(v) ? json_incref(v) : NULL;
	return r->rc;
}

int kpi__ledger_parse(kpi__ledger **out, const char *text, size_t len, kpi_error *err)
{
	json_error_t je;
	json_t *top = NULL, *body, *v;
	kpi__ledger *l = NULL;
	char sha[65], where[64];
	rd r = { err, "ledger", 0 };
	size_t i;
	int rc = 0, line, col;

	*out = NULL;
	/* jansson would skip a NUL after a number: refused, with its place */
	if (kpi__text_find_nul(text, len, &line, &col))
		return kpi_error_set(err, KPI_EDATA, "not valid JSON (%d:%d: a NUL byte)", line, col);
	if (!(top = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)))
		return kpi_error_set(err, KPI_EDATA, "not valid JSON (%d:%d: %s)", je.line, je.column, je.text);
	if (!json_is_object(top) || !json_is_string(json_object_get(top, "format")) ||
	    strcmp(json_string_value(json_object_get(top, "format")), KPI__LEDGER_FORMAT) != 0) {
		rc = kpi_error_set(err, KPI_EDATA, "not a kpi alert ledger (no \"format\": \"%s\")", KPI__LEDGER_FORMAT);
		goto done;
	}
	v = json_object_get(top, "version");
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		rc = kpi_error_set(err, KPI_EDATA, "unknown format version");
		goto done;
	}
	if (json_integer_value(v) > KPI__LEDGER_VERSION) {
		rc = kpi_error_set(err, KPI_EUSAGE,
		                   "format version %" JSON_INTEGER_FORMAT " is newer than this kpi understands (%d)",
		                   json_integer_value(v), KPI__LEDGER_VERSION);
		goto done;
	}
	body = json_object_get(top, "body");
	if (!json_is_object(body) || !json_is_string(json_object_get(top, "sha256"))) {
		rc = kpi_error_set(err, KPI_EDATA, "no body or no checksum");
		goto done;
	}
	if (body_sha256(sha, body)) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if (strcmp(sha, json_string_value(json_object_get(top, "sha256"))) != 0) {
		rc = kpi_error_set(err, KPI_EDATA, "checksum mismatch (the file was changed or damaged)");
		goto done;
	}
	if (!(l = kpi__ledger_new())) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	l->updated = get_t(&r, body, "updated_at");
	l->run_id = dup_s(&r, body, "run_id", true);
	v = json_object_get(body, "seq");
	l->seq = json_is_integer(v) ? (int64_t)json_integer_value(v) : (bad(&r, "seq", "must be a number"), 0);
	v = json_object_get(body, "alerts");
	if (!json_is_array(v))
		bad(&r, "alerts", "must be an array");
	l->recs = calloc(json_array_size(v) + 1, sizeof(*l->recs));
	for (i = 0; !r.rc && l->recs && i < json_array_size(v); i++) {
		snprintf(where, sizeof(where), "ledger alerts[%zu]", i);
		r.where = where;
		parse_rec(&l->recs[l->nrecs++], json_array_get(v, i), &r);
	}
	v = json_object_get(body, "outbox");
	if (!r.rc && !json_is_array(v))
		bad(&r, "outbox", "must be an array");
	l->outbox = calloc(json_array_size(v) + 1, sizeof(*l->outbox));
	for (i = 0; !r.rc && l->outbox && i < json_array_size(v); i++) {
		snprintf(where, sizeof(where), "ledger outbox[%zu]", i);
		r.where = where;
		parse_entry(&l->outbox[l->nout++], json_array_get(v, i), &r);
	}
	/* optional: alert_unmeasured.c */
	l->not_measured = get_array(&r, body, "not_measured");
	l->no_data = get_array(&r, body, "no_data");
	if (!l->recs || !l->outbox)
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
	else
		rc = r.rc;
	if (!rc) {
		*out = l;
		l = NULL;
	}
done:
	kpi__ledger_free(l);
	json_decref(top);
	return rc;
}

int kpi__ledger_save(const char *path, kpi__ledger *l, int64_t now, kpi_error *err)
{
	kpi_buf b = KPI_BUF_INIT;
	int rc;

	l->updated = now;
	l->seq++;
	free(l->run_id);
	l->run_id = strdup(kpi_log_run_id());
	if (!(rc = kpi__ledger_serialize(&b, l, err)))
		rc = kpi__write_file_atomic(path, b.data, b.len, err);
	kpi_buf_release(&b);
	return rc;
}

/* ---- the ledger file ---- */

int kpi__ledger_load(kpi__ledger **out, const char *path, kpi__ledger_kind kind, bool move_aside,
                     kpi__ledger_damage *damage, kpi_error *err)
{
	char *text = NULL, ts[32];
	size_t len = 0;
	kpi_error perr = KPI_ERROR_INIT;
	time_t t;
	struct tm tm;
	int rc = kpi__read_file_max(&text, &len, path, KPI__MAX_LEDGER_BYTES, err);

	*out = NULL;
	damage->reason[0] = damage->moved_to[0] = '\0';
	if (rc == KPI_ENOTFOUND) {
		kpi_error_clear(err);
		if (kind == KPI__LEDGER_DELIVER_OUTBOX)
			kpi_log_msg(KPI_LOG_INFO, "deliver.outbox.new", "no delivery outbox at '%s' yet: starting a new one",
			            path);
		else
			kpi_log_msg(KPI_LOG_INFO, "alert.ledger.new", "no ledger at '%s' yet: starting a new one", path);
		*out = kpi__ledger_new();
		return *out ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	if (rc)
		return kpi_error_wrap(err, "ledger");
	rc = kpi__ledger_parse(out, text, len, &perr);
	free(text);
	if (rc == KPI_EUSAGE)
		return kpi_error_set(err, KPI_EDATA, "ledger '%s': %s; run a newer kpi, or move the file aside", path,
		                     perr.message);
	if (rc == KPI_ENOMEM)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (!rc)
		return 0;
	/* corrupted: never silently reset; moved aside with a timestamped name */
	snprintf(damage->reason, sizeof(damage->reason), "%s", perr.message);
	if (!(*out = kpi__ledger_new()))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (!move_aside)
		return 0;
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(damage->moved_to, sizeof(damage->moved_to), "%s.corrupt-%s", path, ts);
	for (int i = 2; access(damage->moved_to, F_OK) == 0 && i < 100; i++)
		snprintf(damage->moved_to, sizeof(damage->moved_to), "%s.corrupt-%s-%d", path, ts, i);
	if (rename(path, damage->moved_to) != 0) {
		rc = kpi_error_set(err, KPI_EIO, "ledger '%s' is corrupted (%s) and cannot be moved aside: %s", path,
		                   perr.message, strerror(errno));
		kpi__ledger_free(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

void kpi__ledger_clean_temp(const char *path, kpi__ledger_kind kind)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");

	/* the temp files of the ledger, the outbox, ... (kpi__write_file_atomic
	 * names them PATH.tmp.PID) of runs that are gone */
	if (dir)
		kpi__temps_clean(*dir ? dir : "/", KPI__TEMPS_FILES,
		                 kind == KPI__LEDGER_DELIVER_OUTBOX ? "deliver.outbox.cleanup" : "alert.ledger.cleanup");
	free(dir);
}

/* ---- the state directory and its lock ---- */

char *kpi__state_dir_resolve(const kpi_config *cfg, const char *opt, const char *configured)
{
	const char *v;
	if (opt && *opt)
		return strdup(opt);
	if ((v = kpi_config_env(cfg, "KPI_STATE_DIR")) && *v)
		return strdup(v);
	if (configured && *configured)
		return strdup(configured);
	/* XDG: a relative $XDG_STATE_HOME is invalid and must be ignored. */
	if ((v = kpi_config_env(cfg, "XDG_STATE_HOME")) && v[0] == '/')
		return kpi__path_join(v, "kpi");
	if (!(v = kpi_config_env(cfg, "HOME")) || !*v) {
		struct passwd *pw = getpwuid(getuid());
		v = pw ? pw->pw_dir : NULL;
	}
	return v && *v ? kpi__path_join(v, ".local/state/kpi") : NULL;
}

int kpi__state_dir_prepare(const char *dir, kpi_error *err)
{
	char *p = strdup(dir);
	struct stat st;
	int rc = 0;

	if (!p)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	/* mkdir -p, each missing level 0700 (XDG base directories are 0700). */
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST) {
				rc = kpi_error_set(err, KPI_EIO, "state directory '%s' is not usable: cannot create '%s': %s", dir,
				                   p, strerror(errno));
				goto done;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (stat(dir, &st) != 0) {
		rc = kpi_error_set(err, KPI_EIO, "state directory '%s' is not usable: %s", dir, strerror(errno));
		goto done;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = kpi_error_set(err, KPI_EIO, "state directory '%s' is not usable: not a directory", dir);
		goto done;
	}
	/* root in another user's state directory (the package's kpi): the
	 * ledger, locks and silences it would create there are root's, 0600,
	 * and every later run as that user fails on them. Refused before
	 * anything is created in it. */
	if (geteuid() == 0 && st.st_uid != 0) {
		struct passwd *pw = getpwuid(st.st_uid);
		char who[64];
		if (pw)
			snprintf(who, sizeof(who), "%s", pw->pw_name);
		else
			snprintf(who, sizeof(who), "%ld", (long)st.st_uid);
		rc = kpi_error_set(err, KPI_EIO, "state directory '%s' belongs to user %s: run kpi as that user "
		                   "(runuser -u %s -- kpi ...), so that the files it creates there stay usable by "
		                   "the runs that user makes",
		                   dir, who, who);
		goto done;
	}
	if (access(dir, W_OK | X_OK) != 0)
		rc = kpi_error_set(err, KPI_EIO, "state directory '%s' is not usable: %s", dir, strerror(errno));
done:
	free(p);
	return rc;
}

void kpi__lock_holder_parse(kpi__lock_holder *out, const char *text)
{
	memset(out, 0, sizeof(*out));
	for (const char *p = text; p && *p;) {
		char word[64];
		size_t n = strcspn(p, " \n");
		snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) ? n : sizeof(word) - 1), p);
		if (strncmp(word, "pid=", 4) == 0) {
			out->pid = strtol(word + 4, NULL, 10);
		} else if (strncmp(word, "started=", 8) == 0) {
			int64_t t;
			if (kpi_time_parse(&t, word + 8, NULL) == 0)
				out->started = t;
		} else if (strncmp(word, "deadline_seconds=", 17) == 0) {
			double d = strtod(word + 17, NULL);
			out->deadline = isfinite(d) && d > 0 ? d : 0;
		} else if (word[0] >= '0' && word[0] <= '9' && p == text) {
			out->pid = strtol(word, NULL, 10); /* the format before run deadlines: "PID\n" */
		}
		p += n;
		p += strspn(p, " \n");
	}
}

int kpi__alert_lock(int *out, const char *dir, const char *name, double wait_s, const kpi__lock_holder *me,
                    kpi__lock_holder *holder, kpi_error *err)
{
	char *path = kpi__path_join(dir, name);
	double until = kpi__mono_now() + wait_s;
	char line[160];
	int fd;

	*out = -1;
	if (holder)
		memset(holder, 0, sizeof(*holder));
	if (!path)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	/* O_CLOEXEC: a command sink's child must not inherit (and keep) the lock. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		int rc = kpi_error_set(err, KPI_EIO, "state directory '%s' is not usable: cannot open '%s': %s", dir, path,
		                       strerror(errno));
		free(path);
		return rc;
	}
	for (;;) {
		struct timespec pause = { 0, 50 * 1000 * 1000 };
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int rc = kpi_error_set(err, KPI_EIO, "cannot lock '%s': %s", path, strerror(errno));
			close(fd);
			free(path);
			return rc;
		}
		if (kpi__mono_now() >= until) {
			char text[160] = "", since[64] = "";
			kpi__lock_holder h;
			ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
			int rc;
			text[n > 0 ? n : 0] = '\0';
			kpi__lock_holder_parse(&h, text);
			if (h.started) {
				char held[32], dl[32];
				int64_t s = (int64_t)time(NULL) - h.started;
				kpi__duration_format(held, sizeof(held), s);
				kpi__duration_format(dl, sizeof(dl), (int64_t)ceil(h.deadline));
				if (h.deadline > 0)
					snprintf(since, sizeof(since), " for %s of its %s deadline", held, dl);
				else
					snprintf(since, sizeof(since), " for %s", held);
			}
			if (h.pid)
				snprintf(line, sizeof(line), "%ld", h.pid);
			rc = kpi_error_set(err, KPI_ETIMEOUT,
			                   "another kpi alert run (pid %s%s) holds '%s'; gave up after %g s "
			                   "(alert.lock_wait_seconds)",
			                   h.pid ? line : "?", since, path, wait_s);
			if (holder)
				*holder = h;
			close(fd);
			free(path);
			return rc;
		}
		nanosleep(&pause, NULL);
	}
	/* Who holds it, for the message of a run that gives up waiting, and
	 * for one that finds it held past its deadline. */
	if (me) {
		char t[32];
		snprintf(line, sizeof(line), "pid=%ld started=%s deadline_seconds=%g\n", me->pid,
		         kpi_time_format(t, sizeof(t), me->started), me->deadline);
		if (ftruncate(fd, 0) != 0 || pwrite(fd, line, strlen(line), 0) < 0)
			kpi_log_msg(KPI_LOG_DEBUG, "alert.lock", "cannot note the holder in the lock file");
	}
	free(path);
	*out = fd;
	return 0;
}
