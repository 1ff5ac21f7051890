/*
 * Silences of `kpi alert`: what keeps an alert from being sent while it is
 * still evaluated and recorded (docs/runbook.md, "Silencing for a
 * maintenance").
 *
 * A silence is made by `kpi silence add` and kept in the state directory,
 * `silences.json`,
 *
 *   {"format": "kpi-silences", "version": 1, "silences": [{id, kpi, labels,
 *      starts_at, ends_at, created_at, created_by, comment, expired_at}]}
 *
 * written atomically (temp file, fsync, rename) under the lock file
 * `lock.silences` (flock), never under the runs' `lock`: adding a silence
 * does not wait for a run, and a run reads the file (whole, thanks to the
 * rename) once it holds its own lock. A silence matches an alert as
 * Alertmanager's equality matchers do: the KPI id is equal and every label
 * of the silence is a label of the alert with the same value (the alert may
 * have more). It is in force on [starts_at, ends_at): from its start
 * inclusive to its end exclusive. `kpi silence expire` ends it at once
 * (ends_at = now); ended silences stay listed for 7 days. The mute windows
 * of the config are alert_mute.c's.
 */
#include "alert/alert_internal.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SILENCES_FILE "silences.json"
#define SILENCES_LOCK "lock.silences"
#define SILENCES_FORMAT "kpi-silences"
#define SILENCES_VERSION 1
#define KEEP_ENDED_SECONDS (7 * 86400)
#define LOCK_WAIT_SECONDS 10.0

/* ---- silences: the file ---- */

static void silence_release(kpi__silence *x)
{
	free(x->id);
	free(x->kpi);
	json_decref(x->labels);
	free(x->by);
	free(x->comment);
}

void kpi__silences_free(kpi__silences *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		silence_release(&s->v[i]);
	free(s->v);
	free(s);
}

static int bad(kpi_error *err, const char *path, size_t i, const char *what)
{
	return kpi_error_set(err, KPI_EDATA, "silences file '%s': silences[%zu]: %s (fix or remove the file)", path, i,
	                     what);
}

static int parse_time(int64_t *out, const json_t *o, const char *key, bool nullable)
{
	const json_t *v = json_object_get(o, key);
	*out = 0;
	if (nullable && json_is_null(v))
		return 0;
	return json_is_string(v) && kpi_time_parse(out, json_string_value(v), NULL) == 0 ? 0 : -1;
}

static int parse_one(kpi__silence *x, const json_t *o, const char *path, size_t i, kpi_error *err)
{
	const char *k;
	json_t *v, *labels = json_object_get(o, "labels");
	const char *strs[] = { "id", "kpi", "created_by", "comment" };

	if (!json_is_object(o))
		return bad(err, path, i, "not an object");
	for (int j = 0; j < 4; j++)
		if (!json_is_string(json_object_get(o, strs[j])))
			return bad(err, path, i, "id, kpi, created_by and comment must be strings");
	if (!json_is_object(labels))
		return bad(err, path, i, "labels must be an object of strings");
	json_object_foreach(labels, k, v)
		if (!json_is_string(v))
			return bad(err, path, i, "labels must be an object of strings");
	if (parse_time(&x->starts, o, "starts_at", false) || parse_time(&x->ends, o, "ends_at", false) ||
	    parse_time(&x->created, o, "created_at", false) || parse_time(&x->expired, o, "expired_at", true))
		return bad(err, path, i, "starts_at, ends_at, created_at must be ISO-8601 times, expired_at one or null");
	x->id = strdup(json_string_value(json_object_get(o, "id")));
	x->kpi = strdup(json_string_value(json_object_get(o, "kpi")));
	x->by = strdup(json_string_value(json_object_get(o, "created_by")));
	x->comment = strdup(json_string_value(json_object_get(o, "comment")));
	x->labels = json_deep_copy(labels);
	if (!x->id || !x->kpi || !x->by || !x->comment || !x->labels)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

int kpi__silences_load(kpi__silences **out, const char *path, kpi_error *err)
{
	kpi__silences *s = calloc(1, sizeof(*s));
	char *text = NULL;
	size_t len = 0, i;
	json_error_t je;
	json_t *top = NULL, *arr, *v;
	int rc;

	*out = NULL;
	if (!s)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	rc = kpi__read_file_max(&text, &len, path, KPI__MAX_CONFIG_BYTES, err);
	if (rc == KPI_ENOTFOUND) {
		kpi_error_clear(err);
		*out = s;
		return 0;
	}
	if (rc) {
		kpi__silences_free(s);
		return kpi_error_wrap(err, "silences file");
	}
	if (kpi__text_check_nul(path, text, len, KPI_EDATA, err)) {
		rc = err->code;
		goto done;
	}
	if (!(top = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je))) {
		rc = kpi_error_set(err, KPI_EDATA, "silences file '%s':%d:%d: %s", path, je.line, je.column, je.text);
		goto done;
	}
	v = json_object_get(top, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), SILENCES_FORMAT) != 0) {
		rc = kpi_error_set(err, KPI_EDATA, "silences file '%s': not a kpi silences file (no \"format\": \"%s\")", path,
		                   SILENCES_FORMAT);
		goto done;
	}
	v = json_object_get(top, "version");
	if (!json_is_integer(v) || json_integer_value(v) != SILENCES_VERSION) {
		rc = kpi_error_set(err, KPI_EDATA, "silences file '%s': version must be %d (a newer kpi wrote it?)", path,
		                   SILENCES_VERSION);
		goto done;
	}
	arr = json_object_get(top, "silences");
	if (!json_is_array(arr)) {
		rc = kpi_error_set(err, KPI_EDATA, "silences file '%s': silences must be an array", path);
		goto done;
	}
	if (!(s->v = calloc(json_array_size(arr) + 1, sizeof(*s->v)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	json_array_foreach(arr, i, v) {
		s->n++;
		if ((rc = parse_one(&s->v[i], v, path, i, err)))
			goto done;
	}
done:
	json_decref(top);
	free(text);
	if (rc) {
		kpi__silences_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static json_t *time_json(int64_t t)
{
	char b[32];
	return t ? json_string(kpi_time_format(b, sizeof(b), t)) : json_null();
}

static json_t *silence_json(const kpi__silence *x)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(x->id));
	json_object_set_new(o, "kpi", json_string(x->kpi));
	json_object_set(o, "labels", x->labels);
	json_object_set_new(o, "starts_at", time_json(x->starts));
	json_object_set_new(o, "ends_at", time_json(x->ends));
	json_object_set_new(o, "created_at", time_json(x->created));
	json_object_set_new(o, "created_by", json_string(x->by));
	json_object_set_new(o, "comment", json_string(x->comment));
	json_object_set_new(o, "expired_at", time_json(x->expired));
	return o;
}

int kpi__silences_save(const char *path, const kpi__silences *s, kpi_error *err)
{
	json_t *top = json_object(), *arr = json_array();
	char *d;
	int rc;

	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(arr, silence_json(&s->v[i]));
	json_object_set_new(top, "format", json_string(SILENCES_FORMAT));
	json_object_set_new(top, "version", json_integer(SILENCES_VERSION));
	json_object_set_new(top, "silences", arr);
	d = json_dumps(top, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(top);
	if (!d)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	{
		kpi_buf b = KPI_BUF_INIT;
		if (kpi_buf_puts(&b, d) || kpi_buf_puts(&b, "\n"))
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		else
			rc = kpi__write_file_atomic(path, b.data, b.len, err);
		kpi_buf_release(&b);
	}
	free(d);
	return rc;
}

/* ---- matching ---- */

bool kpi__silence_active(const kpi__silence *x, int64_t now)
{
	return x->starts <= now && now < x->ends;
}

const kpi__silence *kpi__silence_match(const kpi__silences *s, const char *kpi, const json_t *labels, int64_t now)
{
	for (size_t i = 0; s && i < s->n; i++) {
		const kpi__silence *x = &s->v[i];
		if (kpi__silence_active(x, now) && strcmp(x->kpi, kpi) == 0 && kpi__labels_match(x->labels, labels))
			return x;
	}
	return NULL;
}

/* ---- kpi silence add / list / expire ---- */

/* The state directory of `kpi alert` (kpi__state_dir_resolve with the
 * config's alert.state_dir), without loading the alert settings: a silence
 * is made where no sink secret is set. */
static char *state_dir_of(const kpi_config *cfg, const char *opt, kpi_error *err)
{
	const kpi__jsondoc *doc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	json_t *a = doc ? json_object_get(doc->root, "alert") : NULL;
	const char *conf = json_string_value(json_object_get(a, "state_dir"));
	char *rel = conf && *conf ? kpi__path_relative(cfg->path, conf) : NULL;
	char *dir = kpi__state_dir_resolve(cfg, opt, rel);
	free(rel);
	if (!dir)
		kpi_error_set(err, KPI_EIO, "no state directory: give --state-dir, or set KPI_STATE_DIR or HOME");
	return dir;
}

/* Open the silences of the state directory (*path, caller frees), under
 * its lock when `lock` (*fd, caller closes); `create`: make the directory
 * when it is not there yet. No directory, no file: no silences. */
static int open_silences(kpi__silences **out, char **path, int *fd, const kpi_config *cfg, const char *opt,
                         bool create, bool lock, kpi_error *err)
{
	char *dir = state_dir_of(cfg, opt, err);
	int rc = 0;

	*out = NULL;
	*fd = -1;
	if (!dir)
		return err->code;
	if (!(*path = kpi__path_join(dir, SILENCES_FILE))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if (!create && access(dir, F_OK) != 0) {
		if (!(*out = calloc(1, sizeof(**out))))
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((create && (rc = kpi__state_dir_prepare(dir, err))) ||
	    (lock && (rc = kpi__alert_lock(fd, dir, SILENCES_LOCK, LOCK_WAIT_SECONDS, NULL, NULL, err))))
		goto done;
	if (lock)
		kpi__ledger_clean_temp(*path, KPI__LEDGER_ALERT);
	rc = kpi__silences_load(out, *path, err);
done:
	free(dir);
	return rc;
}

/* What open_silences() gave: the lock released, the rest freed. */
static int close_silences(int rc, int fd, kpi__silences *s, char *path)
{
	if (fd >= 0)
		close(fd);
	kpi__silences_free(s);
	free(path);
	return rc;
}

int kpi__silence_until_parse(int64_t *out, const char *text, int64_t now, kpi_error *err)
{
	json_t *j;
	int64_t d;
	int rc;

	if (!text || !*text)
		return kpi_error_set(err, KPI_EUSAGE, "--until: give an ISO-8601 time with its offset or a duration (2h)");
	if (isdigit((unsigned char)text[0]) && strchr(text, '-')) {
		size_t n = strlen(text);
		/* an instant must say its zone: a bare local time is ambiguous */
		if (!(text[n - 1] == 'Z' || strchr(text + 10, '+') || strchr(text + 10, '-')))
			return kpi_error_set(err, KPI_EUSAGE,
			                     "--until '%s': an ISO-8601 time needs its offset (Z or +02:00)", text);
		if (kpi_time_parse(out, text, NULL))
			return kpi_error_set(err, KPI_EUSAGE,
			                     "--until '%s': not an ISO-8601 time (2026-12-07T06:00:00+01:00) or a duration (2h)",
			                     text);
		return 0;
	}
	j = json_string(text);
	rc = j ? kpi__duration_parse(&d, j) : -1;
	json_decref(j);
	if (rc || d <= 0)
		return kpi_error_set(err, KPI_EUSAGE,
		                     "--until '%s': not a duration (90m, 2h, 1d) or an ISO-8601 time with its offset", text);
	*out = now + d;
	return 0;
}

/* A silence id that no silence of `s` has: "s-" and 12 hex digits. */
static void new_id(char out[16], const kpi__silences *s, const kpi_silence_spec *spec, int64_t now)
{
	for (int attempt = 0;; attempt++) {
		char src[512], sha[65];
		bool taken = false;
		snprintf(src, sizeof(src), "%s\n%lld\n%ld\n%.17g\n%d", spec->kpi, (long long)now, (long)getpid(),
		         kpi_random_unit(), attempt);
		kpi_sha256_hex(sha, src, strlen(src));
		snprintf(out, 16, "s-%.12s", sha);
		for (size_t i = 0; i < s->n && !taken; i++)
			taken = strcmp(s->v[i].id, out) == 0;
		if (!taken)
			return;
	}
}

/* Drop silences that ended more than a week ago. */
static void prune(kpi__silences *s, int64_t now)
{
	size_t w = 0;
	for (size_t i = 0; i < s->n; i++) {
		kpi__silence *x = &s->v[i];
		if (now - x->ends > KEEP_ENDED_SECONDS)
			silence_release(x);
		else
			s->v[w++] = *x;
	}
	s->n = w;
}

/* A label the catalogue enumerates takes one of its listed values: a
 * mistyped value would be a silence that never matches. */
static int check_value(const kpi_def *def, const char *arg, const char *name, const char *value, kpi_error *err)
{
	kpi_buf allowed = KPI_BUF_INIT;
	int rc;

	if (kpi__def_label_value_known(def, name, value, &allowed))
		return 0;
	rc = kpi_error_set(err, KPI_EUSAGE, "--label '%s': KPI %s label '%s' has no value '%s' (the catalogue lists: %s)",
	                   arg, def->id, name, value, allowed.data ? allowed.data : "");
	kpi_buf_release(&allowed);
	return rc;
}

static int check_spec(json_t *labels, const kpi_catalog *cat, const kpi_silence_spec *spec, int64_t until,
                      int64_t now, kpi_error *err)
{
	int rc;
	const kpi_def *def = kpi_catalog_find(cat, spec->kpi ? spec->kpi : "");

	if (!spec->kpi || !*spec->kpi)
		return kpi_error_set(err, KPI_EUSAGE, "missing --kpi ID (the KPI to silence; see kpi list)");
	if (!def && strcmp(spec->kpi, KPI__SOURCE_RECORD) != 0)
		return kpi_error_set(err, KPI_EUSAGE, "--kpi '%s': unknown KPI (see kpi list; kpi_source is the blind monitor)",
		                     spec->kpi);
	if (!spec->by || !*spec->by)
		return kpi_error_set(err, KPI_EUSAGE, "missing --by NAME (who silences it)");
	if (!spec->comment || !*spec->comment)
		return kpi_error_set(err, KPI_EUSAGE, "missing --comment TEXT (why: the maintenance, the ticket)");
	if (until <= now)
		return kpi_error_set(err, KPI_EUSAGE, "--until: the silence would end before it starts (now)");
	for (size_t i = 0; i < spec->nlabels; i++) {
		const char *l = spec->labels[i], *eq = strchr(l, '=');
		char name[256];
		if (!eq || eq == l || (size_t)(eq - l) >= sizeof(name))
			return kpi_error_set(err, KPI_EUSAGE, "--label '%s': expected NAME=VALUE", l);
		snprintf(name, sizeof(name), "%.*s", (int)(eq - l), l);
		if (!def || kpi_def_label_index(def, name) < 0)
			return kpi_error_set(err, KPI_EUSAGE, "--label '%s': KPI %s has no label '%s'", l, spec->kpi, name);
		if (def && (rc = check_value(def, l, name, eq + 1, err)))
			return rc;
		if (json_object_get(labels, name))
			return kpi_error_set(err, KPI_EUSAGE, "--label '%s': label '%s' given twice", l, name);
		json_object_set_new(labels, name, json_string(eq + 1));
	}
	return 0;
}

int kpi_silence_add(char **id, const kpi_catalog *cat, const kpi_config *cfg, const char *state_dir,
                    const kpi_silence_spec *spec, int64_t now, kpi_error *err)
{
	kpi__silences *s = NULL;
	kpi__silence *x, *v;
	json_t *labels = json_object();
	char *path = NULL, sid[16];
	int64_t until = 0;
	int fd = -1, rc;

	*id = NULL;
	if (!labels)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__silence_until_parse(&until, spec->until, now, err)) ||
	    (rc = check_spec(labels, cat, spec, until, now, err)) ||
	    (rc = open_silences(&s, &path, &fd, cfg, state_dir, true, true, err)))
		goto done;
	prune(s, now);
	if (!(v = realloc(s->v, (s->n + 1) * sizeof(*v)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	s->v = v;
	new_id(sid, s, spec, now);
	x = &s->v[s->n++];
	memset(x, 0, sizeof(*x));
	x->id = strdup(sid);
	x->kpi = strdup(spec->kpi);
	x->labels = json_incref(labels);
	x->starts = now;
	x->ends = until;
	x->created = now;
	x->by = strdup(spec->by);
	x->comment = strdup(spec->comment);
	if (!x->id || !x->kpi || !x->by || !x->comment) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = kpi__silences_save(path, s, err)))
		goto done;
	kpi_log_fields(KPI_LOG_INFO, "silence.add",
	               json_pack("{s:s, s:s, s:O, s:s, s:s}", "id", sid, "kpi", spec->kpi, "labels", labels, "until",
	                         kpi_time_format((char[32]){ 0 }, 32, until), "by", spec->by),
	               spec->comment);
	if (!(*id = strdup(sid)))
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
done:
	json_decref(labels);
	return close_silences(rc, fd, s, path);
}

int kpi_silence_expire(const kpi_config *cfg, const char *state_dir, const char *id, int64_t now, kpi_error *err)
{
	kpi__silences *s = NULL;
	kpi__silence *x = NULL;
	char *path = NULL;
	int fd = -1, rc;

	if ((rc = open_silences(&s, &path, &fd, cfg, state_dir, false, true, err)))
		goto done;
	for (size_t i = 0; i < s->n && !x; i++)
		if (strcmp(s->v[i].id, id) == 0)
			x = &s->v[i];
	if (!x) {
		rc = kpi_error_set(err, KPI_ENOTFOUND, "no silence '%s' in '%s' (see kpi silence list)", id, path);
		goto done;
	}
	if (x->ends <= now) {
		rc = kpi_error_set(err, KPI_EUSAGE, "silence '%s' has already ended (%s)", id,
		                   kpi_time_format((char[32]){ 0 }, 32, x->ends));
		goto done;
	}
	x->ends = now > x->starts ? now : x->starts;
	x->expired = now;
	prune(s, now);
	if ((rc = kpi__silences_save(path, s, err)))
		goto done;
	kpi_log_fields(KPI_LOG_INFO, "silence.expire", json_pack("{s:s}", "id", id), NULL);
done:
	return close_silences(rc, fd, s, path);
}

static const char *silence_state(const kpi__silence *x, int64_t now)
{
	return kpi__silence_active(x, now) ? "active" : x->starts > now ? "pending" : "expired";
}

int kpi_silence_list(kpi_buf *out, const kpi_config *cfg, const char *state_dir, bool json, int64_t now,
                     kpi_error *err)
{
	kpi__silences *s = NULL;
	char *path = NULL;
	int fd = -1, rc;

	/* no lock: the file is only ever replaced whole (rename) */
	if ((rc = open_silences(&s, &path, &fd, cfg, state_dir, false, false, err)))
		goto done;
	if (json) {
		json_t *arr = json_array();
		char *d;
		for (size_t i = 0; i < s->n; i++) {
			json_t *o = silence_json(&s->v[i]);
			json_object_set_new(o, "state", json_string(silence_state(&s->v[i], now)));
			json_array_append_new(arr, o);
		}
		d = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(arr);
		if (!d || kpi_buf_puts(out, d) || kpi_buf_puts(out, "\n"))
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		free(d);
		goto done;
	}
	rc = kpi_buf_printf(out, "%-14s  %-8s  %-40s  %-20s  %-20s  %-12s  %s\n", "ID", "STATE", "MATCHES", "STARTS",
	                    "ENDS", "BY", "COMMENT");
	for (size_t i = 0; i < s->n && !rc; i++) {
		const kpi__silence *x = &s->v[i];
		char m[1024], a[32], b[32];
		size_t off = (size_t)snprintf(m, sizeof(m), "%s", x->kpi);
		const char *k;
		json_t *v;
		json_object_foreach(x->labels, k, v)
			if (off < sizeof(m))
				off += (size_t)snprintf(m + off, sizeof(m) - off, " %s=%s", k, json_string_value(v));
		rc = kpi_buf_printf(out, "%-14s  %-8s  %-40s  %-20s  %-20s  %-12s  %s\n", x->id, silence_state(x, now), m,
		                    kpi_time_format(a, sizeof(a), x->starts), kpi_time_format(b, sizeof(b), x->ends), x->by,
		                    x->comment);
	}
	if (rc)
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
done:
	return close_silences(rc, fd, s, path);
}
