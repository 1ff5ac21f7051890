/*
 * JSON documents with value positions.
 *
 * jansson reports line:column for syntax errors but keeps no positions for
 * values, so a semantic error ("target must be a number") could only name the
 * file. After jansson has parsed (and so validated) the text, this small
 * scanner walks the text and the tree side by side and records where each
 * value starts.
 *
 * The scanner relies on walking the text jansson validated, and a NUL byte
 * breaks that: jansson's lexer drops a NUL that follows a number or a
 * literal (the look-ahead byte it pushes back is a 0, which its stream
 * buffer takes for "empty"), so it accepts `[1<NUL>, 2]` as `[1, 2]`, while
 * the scanner saw a NUL that is neither a delimiter nor a value and, before
 * this was fixed, recorded a position and retried forever. So a NUL byte is
 * refused first, with its position (no JSON text kpi reads has one), and
 * the scanner itself cannot loop: every step of an array or object must
 * move forward, or the scan stops (the positions found so far are kept;
 * an error about a later value then names the file alone).
 */
#include "core/internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kpi__jpos {
	const json_t *value;
	int line;
	int col;
};

typedef struct scan {
	const char *s;
	size_t i, len;
	int line, col;
	kpi__jsondoc *doc;
	size_t cap;
	int depth;
	int failed; /* out of memory */
	int stuck;  /* the text is not what jansson validated: stop */
} scan;

/* Deeper than jansson parses (JSON_PARSER_MAX_DEPTH, 2048): never reached
 * on a text jansson accepted, a bound on the recursion all the same. */
#define SCAN_MAX_DEPTH 4096

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* What ends a number or a literal. Not strchr(): it finds the terminating
 * NUL of its set, so a NUL byte would count as a delimiter. */
static int is_delim(char c)
{
	return is_ws(c) || c == ',' || c == ']' || c == '}';
}

static void adv(scan *sc)
{
	if (sc->i >= sc->len)
		return;
	if (sc->s[sc->i] == '\n') {
		sc->line++;
		sc->col = 1;
	} else if (((unsigned char)sc->s[sc->i] & 0xC0) != 0x80) {
		sc->col++;
	}
	sc->i++;
}

static void ws(scan *sc)
{
	while (sc->i < sc->len && is_ws(sc->s[sc->i]))
		adv(sc);
}

static void record(scan *sc, const json_t *v, int line, int col)
{
	if (sc->doc->npos == sc->cap) {
		size_t ncap = sc->cap ? sc->cap * 2 : 64;
		struct kpi__jpos *p = realloc(sc->doc->pos, ncap * sizeof(*p));
		if (!p) {
			sc->failed = 1;
			return;
		}
		sc->doc->pos = p;
		sc->cap = ncap;
	}
	sc->doc->pos[sc->doc->npos].value = v;
	sc->doc->pos[sc->doc->npos].line = line;
	sc->doc->pos[sc->doc->npos].col = col;
	sc->doc->npos++;
}

/* Scan a string token; return its decoded value (caller frees) when want. */
static char *scan_string(scan *sc, int want)
{
	size_t start = sc->i, end;
	int esc = 0;

	adv(sc); /* opening quote */
	while (sc->i < sc->len && sc->s[sc->i] != '"') {
		if (sc->s[sc->i] == '\\') {
			esc = 1;
			adv(sc);
		}
		adv(sc);
	}
	end = sc->i;
	if (end >= sc->len) { /* unterminated: not the text jansson read */
		sc->stuck = 1;
		return NULL;
	}
	adv(sc); /* closing quote */
	if (!want)
		return NULL;
	if (!esc) {
		char *k = malloc(end - start);
		if (!k)
			return NULL;
		memcpy(k, sc->s + start + 1, end - start - 1);
		k[end - start - 1] = '\0';
		return k;
	} else {
		json_t *j = json_loadb(sc->s + start, end - start + 1, JSON_DECODE_ANY, NULL);
		char *k = (j && json_is_string(j)) ? strdup(json_string_value(j)) : NULL;
		json_decref(j);
		return k;
	}
}

static void scan_value(scan *sc, const json_t *v);

/* "key": value of object `obj`, at its key's opening quote. */
static void scan_member(scan *sc, const json_t *obj)
{
	char *key;

	if (sc->s[sc->i] != '"') {
		sc->stuck = 1;
		return;
	}
	key = scan_string(sc, 1);
	ws(sc);
	if (sc->i < sc->len && sc->s[sc->i] == ':') {
		adv(sc);
		scan_value(sc, key ? json_object_get(obj, key) : NULL);
	} else {
		sc->stuck = 1;
	}
	free(key);
}

static void scan_value(scan *sc, const json_t *v)
{
	ws(sc);
	if (sc->stuck || sc->failed || sc->i >= sc->len)
		return;
	record(sc, v, sc->line, sc->col);
	switch (sc->s[sc->i]) {
	case '{':
	case '[': {
		char close = sc->s[sc->i] == '{' ? '}' : ']';
		size_t idx = 0;
		if (++sc->depth > SCAN_MAX_DEPTH) {
			sc->stuck = 1;
			return;
		}
		adv(sc);
		while (!sc->stuck && !sc->failed) {
			size_t at;
			ws(sc);
			if (sc->i >= sc->len)
				break;
			if (sc->s[sc->i] == close) {
				adv(sc);
				break;
			}
			if (sc->s[sc->i] == ',') {
				adv(sc);
				continue;
			}
			at = sc->i;
			if (close == '}')
				scan_member(sc, v);
			else
				scan_value(sc, json_array_get(v, idx++));
			if (sc->i == at) /* no progress: not the text jansson read */
				sc->stuck = 1;
		}
		sc->depth--;
		return;
	}
	case '"':
		scan_string(sc, 0);
		return;
	default:
		while (sc->i < sc->len && !is_delim(sc->s[sc->i]))
			adv(sc);
		return;
	}
}

int kpi__jsondoc_parse(kpi__jsondoc **out, const char *name, const char *text, size_t len,
                       kpi_error *err)
{
	json_error_t je;
	kpi__jsondoc *doc;
	scan sc;
	int rc;

	*out = NULL;
	if ((rc = kpi__text_check_nul(name, text, len, KPI_ECONFIG, err)))
		return rc;
	doc = calloc(1, sizeof(*doc));
	if (!doc || !(doc->path = strdup(name))) {
		free(doc);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	doc->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc->root) {
		int line = je.line > 0 ? je.line : 1, col = je.column > 0 ? je.column : 1;
		/* jansson points at the last character of the offending token
		 * ("... near '\"active_days\"'"): point at its first one instead. */
		const char *near = strstr(je.text, "near '");
		if (near) {
			size_t tl = strlen(near + 6);
			if (tl > 0 && near[6 + tl - 1] == '\'')
				tl--;
			if (tl > 1 && (int)tl <= col)
				col -= (int)tl - 1;
		}
		kpi_error_set(err, KPI_ECONFIG, "%s:%d:%d: %s", name, line, col, je.text);
		kpi__jsondoc_free(doc);
		return KPI_ECONFIG;
	}
	memset(&sc, 0, sizeof(sc));
	sc.s = text;
	sc.len = len;
	sc.line = 1;
	sc.col = 1;
	sc.doc = doc;
	scan_value(&sc, doc->root);
	if (sc.failed) {
		kpi__jsondoc_free(doc);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	*out = doc;
	return 0;
}

static int load(kpi__jsondoc **out, char sha256[65], const char *path, kpi_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = kpi__read_file_max(&text, &len, path, KPI__MAX_CONFIG_BYTES, err)))
		return rc;
	if (sha256)
		kpi_sha256_hex(sha256, text, len);
	rc = kpi__jsondoc_parse(out, path, text, len, err);
	free(text);
	return rc;
}

int kpi__jsondoc_load_hashed(kpi__jsondoc **out, char sha256[65], const char *path, kpi_error *err)
{
	int rc = load(out, sha256, path, err);

	/* a query file refused (not a regular file, too large) is configuration
	 * that is wrong, as a query file that does not parse is */
	if (rc == KPI_EDATA && err)
		err->code = KPI_ECONFIG;
	return rc == KPI_EDATA ? KPI_ECONFIG : rc;
}

int kpi__jsondoc_load(kpi__jsondoc **out, const char *path, kpi_error *err)
{
	return load(out, NULL, path, err);
}

void kpi__jsondoc_free(kpi__jsondoc *doc)
{
	if (!doc)
		return;
	json_decref(doc->root);
	free(doc->pos);
	free(doc->path);
	free(doc);
}

int kpi__jsondoc_error(const kpi__jsondoc *doc, const json_t *v, kpi_error *err, int code,
                       const char *fmt, ...)
{
	char msg[KPI_ERROR_MSG_MAX];
	va_list ap;
	int line = 0, col = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* true/false/null are shared singletons in jansson: no unique position. */
	if (doc && v && !json_is_boolean(v) && !json_is_null(v)) {
		for (size_t i = 0; i < doc->npos; i++) {
			if (doc->pos[i].value == v) {
				line = doc->pos[i].line;
				col = doc->pos[i].col;
				break;
			}
		}
	}
	if (line > 0)
		return kpi_error_set(err, code, "%s:%d:%d: %s", doc->path, line, col, msg);
	return kpi_error_set(err, code, "%s: %s", doc ? doc->path : "(json)", msg);
}

int kpi__json_text_member(char **out, const kpi__jsondoc *doc, const json_t *o, const char *key, bool nullable,
                          const char *what, kpi_error *err)
{
	const json_t *v = json_object_get(o, key);
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_string(v) || !json_string_value(v)[0])
		return kpi__jsondoc_error(doc, v ? v : o, err, KPI_EDATA, "%s: '%s' must be %stext", what, key,
		                          nullable ? "null or " : "non-empty ");
	if (!(*out = strdup(json_string_value(v))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

int kpi__json_check_keys(const kpi__jsondoc *doc, const json_t *obj, const char *const *allowed,
                         const char *what, kpi_error *err)
{
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)obj, key, val) {
		int ok = 0;
		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], key) == 0)
				ok = 1;
		if (!ok)
			return kpi__jsondoc_error(doc, json_is_boolean(val) || json_is_null(val) ? obj : val,
			                          err, KPI_ECONFIG, "unknown key '%s' in %s", key, what);
	}
	return 0;
}
