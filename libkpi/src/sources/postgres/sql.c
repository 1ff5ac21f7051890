/* Query files as the PostgreSQL source runs them (docs/configuration.md,
 * "Query files"):
 *
 *   -- @param $1 from timestamptz: start of the first period
 *   -- @include fragments/queued_jobs.sql
 *
 * A `@param` line declares the positional parameter $N by name and type, in
 * order from $1; the values come by name (the catalogue's "params" for a
 * KPI, the caller for the pack's lists). An `@include` line is replaced by
 * the named file of the query directory (a fragment declares no parameters;
 * it uses those of the file that includes it by name, ${name}, which becomes
 * that file's $N). The text kpi runs, prints in
 * `kpi explain` and hashes (SHA-256) is the expanded one. Every $N the text
 * uses (outside comments and string literals) must be declared, and every
 * declared one used. */
#include "sources/postgres/pg.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 4

static const struct {
	const char *name;
	unsigned oid;
} types[] = {
	{ "timestamptz", 1184 }, { "int", 23 }, { "int4", 23 }, { "bigint", 20 }, { "int8", 20 },
	{ "float8", 701 },       { "text", 25 }, { "bool", 16 }, { "boolean", 16 },
};

void kpi__sql_release(kpi__sql *q)
{
	if (!q)
		return;
	free(q->path);
	free(q->text);
	for (size_t i = 0; i < q->nsegs; i++)
		free(q->segs[i].file);
	free(q->segs);
	free(q->shifts);
	memset(q, 0, sizeof(*q));
}

/* The directive of a line: after "--", blanks, "@word" and blanks; NULL when
 * the line is not "-- @word ...". */
static const char *directive(const char *line, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(line, "--", 2) != 0)
		return NULL;
	line += 2;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '@' || strncmp(line + 1, word, n) != 0 || !(line[1 + n] == ' ' || line[1 + n] == '\t'))
		return NULL;
	line += 1 + n;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

static int add_seg(kpi__sql *q, int line, const char *file, int file_line, kpi_error *err)
{
	kpi__sql_seg *s = realloc(q->segs, (q->nsegs + 1) * sizeof(*s));
	if (!s)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	q->segs = s;
	s[q->nsegs].line = line;
	s[q->nsegs].file_line = file_line;
	if (!(s[q->nsegs].file = strdup(file)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	q->nsegs++;
	return 0;
}

/* "$3 active_days int: ..." into the next parameter of `q`. */
static int declare(kpi__sql *q, const char *p, const char *file, int line, kpi_error *err)
{
	kpi__sql_param *prm = &q->params[q->nparams];
	char name[64] = "", type[16] = "";
	long n;
	char *end;

	if (*p != '$' || !isdigit((unsigned char)p[1]))
		goto bad;
	n = strtol(p + 1, &end, 10);
	if (sscanf(end, " %63[a-z0-9_] %15[a-z0-9]", name, type) != 2 || !isalpha((unsigned char)name[0]))
		goto bad;
	if (n != (long)q->nparams + 1)
		return kpi_error_set(err, KPI_ECONFIG, "%s:%d: @param $%ld: parameters are declared in order from $1 "
		                     "($%zu next)", file, line, n, q->nparams + 1);
	if (q->nparams == KPI__SQL_MAX_PARAMS)
		return kpi_error_set(err, KPI_ECONFIG, "%s:%d: more than %d parameters", file, line, KPI__SQL_MAX_PARAMS);
	for (size_t i = 0; i < q->nparams; i++)
		if (strcmp(q->params[i].name, name) == 0)
			return kpi_error_set(err, KPI_ECONFIG, "%s:%d: parameter '%s' is declared twice", file, line, name);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, type) == 0) {
			snprintf(prm->name, sizeof(prm->name), "%s", name);
			snprintf(prm->type, sizeof(prm->type), "%s", type);
			prm->oid = types[i].oid;
			prm->line = line;
			q->nparams++;
			return 0;
		}
	return kpi_error_set(err, KPI_ECONFIG, "%s:%d: @param $%ld %s: unknown type '%s' (timestamptz, int, bigint, "
	                     "float8, text, bool)", file, line, n, name, type);
bad:
	return kpi_error_set(err, KPI_ECONFIG, "%s:%d: malformed @param: expected '-- @param $N name type'", file, line);
}

/* Characters (not bytes) of the UTF-8 text [p, p + n). */
static int chars(const char *p, size_t n)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)p[i] & 0xC0) != 0x80;
	return c;
}

/* Append one line to the expanded text, as its line `outline`, with every
 * ${name} replaced by the $N of the parameter declared as `name`: a fragment
 * uses the parameters of the file that includes it by name, whatever their
 * numbers there. Each replacement is recorded as a shift, so that positions
 * in the expanded line map back to columns of the file. */
static int append_line(kpi__sql *q, kpi_buf *out, const char *p, const char *path, int line, int outline,
                       kpi_error *err)
{
	size_t start = out->len;
	const char *s;
	while ((s = strstr(p, "${"))) {
		const char *e = strchr(s, '}');
		char name[64], num[16];
		kpi__sql_shift *sh;
		int k, nl;
		if (!e || (size_t)(e - s - 2) >= sizeof(name) || e == s + 2)
			return kpi_error_set(err, KPI_ECONFIG, "%s:%d: malformed ${name}", path, line);
		memcpy(name, s + 2, (size_t)(e - s - 2));
		name[e - s - 2] = '\0';
		if ((k = kpi__sql_param_index(q, name)) < 0)
			return kpi_error_set(err, KPI_ECONFIG, "%s:%d: ${%s}: the query declares no parameter '%s' "
			                     "(-- @param $N %s type)", path, line, name, name, name);
		nl = snprintf(num, sizeof(num), "$%d", k + 1);
		if (kpi_buf_append(out, p, (size_t)(s - p)) || kpi_buf_append(out, num, (size_t)nl) ||
		    !(sh = realloc(q->shifts, (q->nshifts + 1) * sizeof(*sh))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		q->shifts = sh;
		sh[q->nshifts].line = outline;
		sh[q->nshifts].col = 1 + chars(out->data + start, out->len - start);
		sh[q->nshifts++].delta = chars(s, (size_t)(e + 1 - s)) - nl;
		p = e + 1;
	}
	if (kpi_buf_puts(out, p) || kpi_buf_puts(out, "\n"))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

/* The files being expanded, each with the one that includes it: including
 * one of them again is a cycle. */
typedef struct incl {
	const char *name;
	const struct incl *up;
} incl;

/* KPI_ECONFIG at the @include of `name` (line `line` of `path`) when `name`
 * is being expanded already: "... a cycle (top.sql -> a.sql -> a.sql)". */
static int check_cycle(const incl *self, const char *name, const char *path, int line, kpi_error *err)
{
	const incl *chain[MAX_DEPTH + 1];
	char list[1024] = "";
	size_t n = 0;
	bool found = false;

	for (const incl *u = self; u && n < MAX_DEPTH + 1; u = u->up) {
		chain[n++] = u;
		found = found || strcmp(u->name, name) == 0;
	}
	if (!found)
		return 0;
	while (n-- > 0)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s -> ", chain[n]->name);
	return kpi_error_set(err, KPI_ECONFIG, "%s:%d: @include %s: a cycle (%s%s)", path, line, name, list, name);
}

/* Append file `name` (relative to `dir`) to `out`, expanding its includes;
 * `top` is the file kpi was asked for (only it declares parameters), `up`
 * the files that include this one. Errors name the file and line they are
 * at (a fragment that cannot be read: the @include line, KPI_ECONFIG). */
static int expand(kpi__sql *q, kpi_buf *out, int *outline, const char *dir, const char *name, const incl *up,
                  int depth, bool top, kpi_error *err)
{
	char *path = kpi__path_join(dir, name), *text = NULL;
	size_t len = 0;
	int rc, line = 1;
	const incl self = { name, up };

	if (!path)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	/* A query file is configuration: refused (not a regular file, too
	 * large) or holding a NUL byte (which would cut the text), exit 3. */
	if ((rc = kpi__read_file_max(&text, &len, path, KPI__MAX_CONFIG_BYTES, err)) == KPI_EDATA)
		rc = err ? (err->code = KPI_ECONFIG) : KPI_ECONFIG;
	if (rc || (rc = kpi__text_check_nul(path, text, len, KPI_ECONFIG, err)))
		goto done;
	if ((rc = add_seg(q, *outline, path, 1, err)))
		goto done;
	for (char *p = text; *p; line++) {
		char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		char save = *end;
		const char *arg;
		*end = '\0';
		if ((arg = directive(p, "include"))) {
			char inc[512];
			size_t n = strcspn(arg, " \t\r");
			if (!n || n >= sizeof(inc) || arg[0] == '/' || strstr(arg, "..")) {
				rc = kpi_error_set(err, KPI_ECONFIG, "%s:%d: @include needs a file of the query directory", path,
				                   line);
				goto done;
			}
			memcpy(inc, arg, n);
			inc[n] = '\0';
			if ((rc = check_cycle(&self, inc, path, line, err)))
				goto done;
			if (depth >= MAX_DEPTH) {
				rc = kpi_error_set(err, KPI_ECONFIG, "%s:%d: @include nested deeper than %d", path, line,
				                   MAX_DEPTH);
				goto done;
			}
			if ((rc = expand(q, out, outline, dir, inc, &self, depth + 1, false, err)) == KPI_ENOTFOUND ||
			    rc == KPI_EIO) {
				/* the fragment itself cannot be read: a query file that is wrong */
				kpi_error_wrap(err, "%s:%d: @include %s", path, line, inc);
				if (err)
					err->code = KPI_ECONFIG;
				rc = KPI_ECONFIG;
			}
			if (rc || (rc = add_seg(q, *outline, path, line + 1, err)))
				goto done;
		} else {
			if ((arg = directive(p, "param"))) {
				if (!top) {
					rc = kpi_error_set(err, KPI_ECONFIG, "%s:%d: a fragment declares no parameters (the file "
					                   "that includes it does)", path, line);
					goto done;
				}
				if ((rc = declare(q, arg, path, line, err)))
					goto done;
			}
			if ((rc = append_line(q, out, p, path, line, *outline, err)))
				goto done;
			(*outline)++;
		}
		*end = save;
		p = nl ? nl + 1 : end;
	}
done:
	free(text);
	free(path);
	return rc;
}

/* The $N the text uses, outside -- comments and '...' literals: each must
 * be declared, and each declared one used. */
static int check_uses(const kpi__sql *q, kpi_error *err)
{
	bool used[KPI__SQL_MAX_PARAMS] = { false };
	const char *t = q->text;

	for (size_t i = 0; t[i]; i++) {
		if (t[i] == '-' && t[i + 1] == '-') {
			while (t[i + 1] && t[i + 1] != '\n')
				i++;
		} else if (t[i] == '\'') {
			for (i++; t[i] && !(t[i] == '\'' && t[i + 1] != '\''); i++)
				if (t[i] == '\'')
					i++;
			if (!t[i])
				break;
		} else if (t[i] == '$' && isdigit((unsigned char)t[i + 1])) {
			long n = strtol(t + i + 1, NULL, 10);
			if (n < 1 || (size_t)n > q->nparams) {
				char where[600];
				kpi__sql_position(where, sizeof(where), q, chars(t, i) + 1);
				return kpi_error_set(err, KPI_ECONFIG, "%s: $%ld is not declared (-- @param $%ld name type)", where,
				                     n, n);
			}
			used[n - 1] = true;
		}
	}
	for (size_t i = 0; i < q->nparams; i++)
		if (!used[i])
			return kpi_error_set(err, KPI_ECONFIG, "%s:%d: declares $%zu %s but does not use it", q->path,
			                     q->params[i].line, i + 1, q->params[i].name);
	return 0;
}

int kpi__sql_load(kpi__sql *q, const char *query_dir, const char *name, kpi_error *err)
{
	kpi_buf text = KPI_BUF_INIT;
	int line = 1, rc;

	memset(q, 0, sizeof(*q));
	if (!(q->path = kpi__path_join(query_dir, name)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = expand(q, &text, &line, query_dir, name, NULL, 0, true, err)) ||
	    (!text.data && kpi_buf_puts(&text, "") && (rc = kpi_error_set(err, KPI_ENOMEM, "out of memory")))) {
		kpi_buf_release(&text);
		kpi__sql_release(q);
		return rc;
	}
	q->text = text.data;
	kpi_sha256_hex(q->sha256, q->text, text.len);
	if ((rc = check_uses(q, err)))
		kpi__sql_release(q);
	return rc;
}

int kpi__sql_param_index(const kpi__sql *q, const char *name)
{
	for (size_t i = 0; i < q->nparams; i++)
		if (strcmp(q->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

void kpi__sql_position(char *buf, size_t size, const kpi__sql *q, long pos)
{
	int line = 1, col = 1;
	const kpi__sql_seg *seg = NULL;

	/* line:col of the expanded text, counting characters (PostgreSQL's
	 * positions are characters, not bytes) */
	for (long i = 0, c = 0; q->text[i]; i++) {
		if (((unsigned char)q->text[i] & 0xC0) == 0x80)
			continue;
		if (++c >= pos)
			break;
		if (q->text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	/* the column in the file: after a ${name} that became $N, further right */
	for (size_t i = 0, c = (size_t)col; i < q->nshifts; i++)
		if (q->shifts[i].line == line && (size_t)q->shifts[i].col <= c)
			col += q->shifts[i].delta;
	/* the segment (a run of lines of one file) the line is in */
	for (size_t i = 0; i < q->nsegs; i++)
		if (q->segs[i].line <= line)
			seg = &q->segs[i];
	if (seg)
		snprintf(buf, size, "%s:%d:%d", seg->file, seg->file_line + (line - seg->line), col);
	else
		snprintf(buf, size, "%s:%d:%d", q->path, line, col);
}
