/*
 * Shared helpers of the cmocka unit tests (header-only: every helper is
 * static inline so each test program takes only what it uses).
 */
#ifndef KPI_TEST_UNIT_H
#define KPI_TEST_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"

#ifndef KPI_SOURCE_DIR
#error "KPI_SOURCE_DIR must be defined by the build"
#endif

#define UNIT_FIXTURES KPI_SOURCE_DIR "/tests/fixtures/unit"

/* Path of a fixture file (static buffer, valid until the next call). */
static inline const char *fixture(const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/%s", UNIT_FIXTURES, name);
	return buf;
}

/* UTC instant of a civil date and time, computed with the C library
 * (independent of libkpi's own calendar code). */
static inline int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

#include "asserts.h"

/* Read a whole file (test-side, plain stdio); caller frees. NULL if absent. */
static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		data = NULL;
	}
	if (data)
		data[n] = '\0';
	fclose(f);
	return data;
}

/*
 * Line and column (1-based; a column counts Unicode code points, as editors
 * and jansson do) where the `nth` (0-based) occurrence of `needle` starts in
 * the file `path`. Fails the test when absent.
 */
static inline void pos_of(const char *path, const char *needle, int nth, int *line, int *col)
{
	char *text = slurp(path);
	const char *hit = NULL, *from;

	assert_non_null(text);
	from = text;
	for (int i = 0; i <= nth; i++) {
		hit = strstr(from, needle);
		if (!hit) {
			print_error("'%s' (occurrence %d) not in %s\n", needle, nth, path);
			free(text);
			fail();
		}
		from = hit + 1;
	}
	*line = 1;
	*col = 1;
	for (const char *p = text; p < hit; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)*p & 0xC0) != 0x80) {
			(*col)++;
		}
	}
	free(text);
}

/* The message starts with "path:line:col: " where the `nth` occurrence of
 * `needle` starts in the file. */
static inline void assert_error_at(const kpi_error *err, const char *path, const char *needle, int nth)
{
	char want[4200];
	int line, col;

	pos_of(path, needle, nth, &line, &col);
	snprintf(want, sizeof(want), "%s:%d:%d: ", path, line, col);
	if (strncmp(err->message, want, strlen(want)) != 0) {
		print_error("error '%s'\n  does not start with '%s' (position of %s)\n", err->message, want,
		            needle);
		fail();
	}
}

/* `text` with the first `from` after `after` (NULL: from the start)
 * replaced by `to` (the caller frees): a damaged copy of a valid file. */
static inline char *unit_replace(const char *text, const char *after, const char *from, const char *to)
{
	const char *base = after ? strstr(text, after) : text, *hit;
	size_t fl = strlen(from), tl = strlen(to), n = strlen(text);
	char *out;

	if (!base || !(hit = strstr(base, from)))
		fail_msg("test case: '%s' not in the text", from);
	out = malloc(n - fl + tl + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(hit - text));
	memcpy(out + (hit - text), to, tl);
	memcpy(out + (hit - text) + tl, hit + fl, n - (size_t)(hit - text) - fl + 1);
	return out;
}

#endif
