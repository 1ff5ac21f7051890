/*
 * Redaction (core/redact.h): the secrets of a run and their meaningful
 * parts, and the one function every outgoing string goes through.
 */
#define _GNU_SOURCE /* memmem */
#include "core/redact.h"
#include <ctype.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One string to redact. `opaque`: a token, key, password or URL part, whose
 * first characters at the end of a cut message are redacted too; a whole
 * URL or path is not (its first characters are a host name, "/hooks/"). */
typedef struct pattern {
	char *text;
	size_t len;
	bool opaque;
} pattern;

struct kpi__redact {
	pthread_mutex_t lock;
	int refs;
	pattern *p;      /* longest first: a URL goes before its parts */
	size_t n, cap;
};

kpi__redact *kpi__redact_new(void)
{
	kpi__redact *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r);
		return NULL;
	}
	r->refs = 1;
	return r;
}

kpi__redact *kpi__redact_ref(kpi__redact *r)
{
	if (r) {
		pthread_mutex_lock(&r->lock);
		r->refs++;
		pthread_mutex_unlock(&r->lock);
	}
	return r;
}

static void wipe(char *s, size_t len)
{
	volatile char *p = s;
	while (len--)
		*p++ = 0;
}

void kpi__redact_unref(kpi__redact *r)
{
	int left;
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	left = --r->refs;
	pthread_mutex_unlock(&r->lock);
	if (left > 0)
		return;
	for (size_t i = 0; i < r->n; i++) {
		wipe(r->p[i].text, r->p[i].len);
		free(r->p[i].text);
	}
	free(r->p);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

size_t kpi__redact_count(const kpi__redact *r)
{
	size_t n;
	if (!r)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&r->lock);
	n = r->n;
	pthread_mutex_unlock((pthread_mutex_t *)&r->lock);
	return n;
}

/* ---- building the set ---- */

static int add_pattern(kpi__redact *r, const char *s, size_t len, bool opaque)
{
	size_t at;
	int rc = 0;

	if (!r || len < KPI__REDACT_MIN)
		return 0;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n; i++)
		if (r->p[i].len == len && memcmp(r->p[i].text, s, len) == 0) {
			r->p[i].opaque |= opaque;
			goto done;
		}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		pattern *p = realloc(r->p, cap * sizeof(*p));
		if (!p) {
			rc = KPI_ENOMEM;
			goto done;
		}
		r->p = p;
		r->cap = cap;
	}
	for (at = 0; at < r->n && r->p[at].len >= len; at++)
		;
	memmove(&r->p[at + 1], &r->p[at], (r->n - at) * sizeof(*r->p));
	if (!(r->p[at].text = strndup(s, len))) {
		memmove(&r->p[at], &r->p[at + 1], (r->n - at) * sizeof(*r->p));
		rc = KPI_ENOMEM;
		goto done;
	}
	r->p[at].len = len;
	r->p[at].opaque = opaque;
	r->n++;
done:
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* A string and the forms an echo gives it: JSON-escaped (with and without
 * "\/" for '/'), percent-encoded. */
static int add_forms(kpi__redact *r, const char *s, size_t len, bool opaque)
{
	static const char hex[] = "0123456789ABCDEF";
	kpi_buf json = KPI_BUF_INIT, slash = KPI_BUF_INIT, pct = KPI_BUF_INIT;
	int rc = add_pattern(r, s, len, opaque);

	for (size_t i = 0; i < len && !rc; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : NULL;
		rc = esc ? kpi_buf_puts(&json, esc) : kpi_buf_append(&json, s + i, 1);
		if (!rc)
			rc = esc ? kpi_buf_puts(&slash, esc) : c == '/' ? kpi_buf_puts(&slash, "\\/") : kpi_buf_append(&slash, s + i, 1);
		if (!rc && (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'))
			rc = kpi_buf_append(&pct, s + i, 1);
		else if (!rc)
			rc = kpi_buf_printf(&pct, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	if (!rc && json.len != len)
		rc = add_pattern(r, json.data, json.len, opaque);
	if (!rc && slash.len != json.len)
		rc = add_pattern(r, slash.data, slash.len, opaque);
	if (!rc && pct.len != len)
		rc = add_pattern(r, pct.data, pct.len, opaque);
	wipe(json.data, json.len);
	wipe(slash.data, slash.len);
	wipe(pct.data, pct.len);
	kpi_buf_release(&json);
	kpi_buf_release(&slash);
	kpi_buf_release(&pct);
	return rc;
}

/* Worth redacting as a part: long enough, and not an ordinary word. */
static bool meaningful(const char *s, size_t len)
{
	if (len < KPI__REDACT_MIN)
		return false;
	if (len >= 20)
		return true;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return true;
	return false;
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Percent-decode s[0..len) ('+' as a space when `plus`) into a new string. */
static char *decode(const char *s, size_t len, bool plus)
{
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < len && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = plus && s[i] == '+' ? ' ' : s[i];
		}
	}
	*o = '\0';
	return out;
}

/* A part of a URL (a segment, a query value, the fragment), raw and
 * percent-decoded, when meaningful. */
static int add_part(kpi__redact *r, const char *s, size_t len, bool plus)
{
	char *d;
	int rc = 0;
	if (meaningful(s, len))
		rc = add_forms(r, s, len, true);
	if (!rc && memchr(s, '%', len)) {
		if (!(d = decode(s, len, plus)))
			return KPI_ENOMEM;
		if (meaningful(d, strlen(d)))
			rc = add_forms(r, d, strlen(d), true);
		wipe(d, strlen(d));
		free(d);
	}
	return rc;
}

static int add_base64(kpi__redact *r, const char *user, const char *password)
{
	size_t ul = strlen(user), pl = strlen(password), n = ul + 1 + pl;
	unsigned char *cred = malloc(n + 1), *enc = malloc(4 * (n / 3 + 1) + 1);
	int rc = KPI_ENOMEM, k;

	if (cred && enc) {
		memcpy(cred, user, ul);
		cred[ul] = ':';
		memcpy(cred + ul + 1, password, pl);
		k = EVP_EncodeBlock(enc, cred, (int)n);
		rc = add_pattern(r, (const char *)enc, k > 0 ? (size_t)k : 0, true);
		wipe((char *)cred, n);
		wipe((char *)enc, k > 0 ? (size_t)k : 0);
	}
	free(cred);
	free(enc);
	return rc;
}

int kpi__redact_add_basic(kpi__redact *r, const char *user, const char *password)
{
	int rc;
	if (!r || !password || !*password)
		return 0;
	if ((rc = add_forms(r, password, strlen(password), true)))
		return rc;
	return add_base64(r, user ? user : "", password);
}

static int add_url(kpi__redact *r, const char *url, const char *auth)
{
	const char *end = auth + strcspn(auth, "/?#"), *at = NULL, *rest = end;
	size_t path_len = strcspn(rest, "?#");
	int rc;

	if ((rc = add_forms(r, url, strlen(url), false)))
		return rc;
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at) {
		const char *colon = memchr(auth, ':', (size_t)(at - auth));
		char *user = decode(auth, (size_t)((colon ? colon : at) - auth), false);
		char *pass = colon ? decode(colon + 1, (size_t)(at - colon - 1), false) : NULL;
		if (!user || (colon && !pass))
			rc = KPI_ENOMEM;
		if (!rc)
			rc = add_forms(r, auth, (size_t)(at - auth), true);
		if (!rc)
			rc = add_part(r, user, strlen(user), false);
		if (!rc && pass)
			rc = kpi__redact_add_basic(r, user, pass);
		if (user)
			wipe(user, strlen(user));
		if (pass)
			wipe(pass, strlen(pass));
		free(user);
		free(pass);
		if (rc)
			return rc;
	}
	/* the path and query as a receiver's "Cannot POST /hooks/..." quotes them */
	if ((rc = add_forms(r, rest, strlen(rest), false)) || (rc = add_forms(r, rest, path_len, false)))
		return rc;
	for (const char *seg = rest; seg < rest + path_len;) {
		size_t n = strcspn(seg, "/?#");
		if (n > (size_t)(rest + path_len - seg))
			n = (size_t)(rest + path_len - seg);
		if ((rc = add_part(r, seg, n, false)))
			return rc;
		seg += n + 1;
	}
	if (rest[path_len] == '?') {
		const char *q = rest + path_len + 1;
		size_t qlen = strcspn(q, "#");
		if ((rc = add_forms(r, q, qlen, false)))
			return rc;
		for (const char *kv = q; kv < q + qlen;) {
			size_t n = strcspn(kv, "&#");
			const char *eq = memchr(kv, '=', n);
			const char *v = eq ? eq + 1 : kv;
			if ((rc = add_part(r, v, (size_t)(kv + n - v), true)))
				return rc;
			kv += n + 1;
		}
	}
	if (strchr(rest, '#')) {
		const char *f = strchr(rest, '#') + 1;
		rc = add_part(r, f, strlen(f), false);
	}
	return rc;
}

int kpi__redact_add(kpi__redact *r, const char *secret)
{
	const char *s = secret;
	if (!r || !secret || !*secret)
		return 0;
	/* scheme "://" */
	if (isalpha((unsigned char)*s)) {
		while (isalnum((unsigned char)*s) || *s == '+' || *s == '-' || *s == '.')
			s++;
		if (strncmp(s, "://", 3) == 0)
			return add_url(r, secret, s + 3);
	}
	return add_forms(r, secret, strlen(secret), true);
}

/* ---- applying it ---- */

/* Replace every occurrence of p in b; 0 or KPI_ENOMEM (b unchanged). */
static int replace(kpi_buf *b, const pattern *p)
{
	kpi_buf out = KPI_BUF_INIT;
	const char *s = b->data, *end = b->data + b->len, *q;

	if (!b->data || !memmem(b->data, b->len, p->text, p->len))
		return 0;
	while ((q = memmem(s, (size_t)(end - s), p->text, p->len))) {
		if (kpi_buf_append(&out, s, (size_t)(q - s)) || kpi_buf_puts(&out, KPI__REDACTED))
			goto oom;
		s = q + p->len;
	}
	if (kpi_buf_append(&out, s, (size_t)(end - s)))
		goto oom;
	wipe(b->data, b->len);
	kpi_buf_release(b);
	*b = out;
	return 0;
oom:
	kpi_buf_release(&out);
	return KPI_ENOMEM;
}

/* Where the tail of s[0..len) that is the start (KPI__REDACT_MIN or more
 * characters, not all) of opaque pattern p begins; len when none. */
static size_t tail_of(const char *s, size_t len, const pattern *p)
{
	size_t from = len > p->len - 1 ? len - (p->len - 1) : 0;
	while (len - from >= KPI__REDACT_MIN) {
		const char *q = memmem(s + from, len - from, p->text, KPI__REDACT_MIN);
		size_t k;
		if (!q)
			break;
		k = len - (size_t)(q - s);
		if (k >= KPI__REDACT_MIN && k < p->len && memcmp(q, p->text, k) == 0)
			return (size_t)(q - s);
		from = (size_t)(q - s) + 1;
	}
	return len;
}

/* Cut the string at s (strlen len, buffer of `size`) at a tail that starts
 * a secret, "[redacted]" in its place (cut to fit); the new length. */
static size_t cut_tail(const kpi__redact *r, char *s, size_t len, size_t size)
{
	for (size_t i = 0; i < r->n; i++) {
		size_t at;
		if (!r->p[i].opaque || (at = tail_of(s, len, &r->p[i])) == len)
			continue;
		wipe(s + at, len - at);
		snprintf(s + at, size - at, "%s", KPI__REDACTED);
		return strlen(s);
	}
	return len;
}

static int apply(const kpi__redact *r, kpi_buf *b, bool tail)
{
	int rc = 0;
	for (size_t i = 0; i < r->n && !rc; i++)
		rc = replace(b, &r->p[i]);
	if (!rc && tail && b->data) {
		size_t len = b->len;
		/* room for "[redacted]" in place of a cut tail */
		if ((rc = kpi_buf_append(b, KPI__REDACTED, sizeof(KPI__REDACTED) - 1)))
			return rc;
		b->data[b->len = len] = '\0';
		b->len = cut_tail(r, b->data, b->len, b->cap);
	}
	return rc;
}

#define LOCK(r) pthread_mutex_lock((pthread_mutex_t *)&(r)->lock)
#define UNLOCK(r) pthread_mutex_unlock((pthread_mutex_t *)&(r)->lock)

static int apply_locked(const kpi__redact *r, kpi_buf *b, bool tail)
{
	int rc;
	if (!r || !b || !b->data)
		return 0;
	LOCK(r);
	rc = r->n ? apply(r, b, tail) : 0;
	UNLOCK(r);
	return rc;
}

int kpi__redact_buf(const kpi__redact *r, kpi_buf *b)
{
	return apply_locked(r, b, false);
}

int kpi__redact_msg(const kpi__redact *r, kpi_buf *b)
{
	return apply_locked(r, b, true);
}

/* `s` redacted into `out` (a message: its tail too): 1 when it changed,
 * 0 when not, KPI_ENOMEM. */
static int redacted_copy(const kpi__redact *r, const char *s, kpi_buf *out)
{
	int rc = kpi_buf_puts(out, s);
	if (!rc)
		rc = apply(r, out, true);
	if (rc)
		return KPI_ENOMEM;
	return out->len != strlen(s) || memcmp(out->data, s, out->len) != 0;
}

char *kpi__redact_str(const kpi__redact *r, char *s, size_t size)
{
	kpi_buf b = KPI_BUF_INIT;
	int rc;
	if (!r || !s || !size)
		return s;
	LOCK(r);
	if (r->n && (rc = redacted_copy(r, s, &b)) != 0) {
		size_t n = rc < 0 ? 0 : b.len < size - 1 ? b.len : size - 1;
		wipe(s, strlen(s));
		if (rc < 0) {
			/* out of memory: say nothing rather than a secret */
			snprintf(s, size, "%s", KPI__REDACTED);
		} else {
			memcpy(s, b.data, n);
			s[n] = '\0';
			if (n < b.len) /* cut to fit: the cut may start a secret again */
				cut_tail(r, s, n, size);
		}
	}
	UNLOCK(r);
	wipe(b.data, b.len);
	kpi_buf_release(&b);
	return s;
}

void kpi__redact_error(const kpi__redact *r, kpi_error *err)
{
	if (err)
		kpi__redact_str(r, err->message, sizeof(err->message));
}

static void redact_json(const kpi__redact *r, json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, k, x)
			redact_json(r, x);
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, x)
			redact_json(r, x);
		break;
	case JSON_STRING: {
		kpi_buf b = KPI_BUF_INIT;
		int rc = redacted_copy(r, json_string_value(v), &b);
		if (rc)
			json_string_set(v, rc > 0 ? b.data : KPI__REDACTED);
		wipe(b.data, b.len);
		kpi_buf_release(&b);
		break;
	}
	default:
		break;
	}
}

void kpi__redact_json(const kpi__redact *r, json_t *v)
{
	if (!r || !v)
		return;
	LOCK(r);
	if (r->n)
		redact_json(r, v);
	UNLOCK(r);
}
