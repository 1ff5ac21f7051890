/* The writer every section of snapshot.json shares (snapshot_json.c): text
 * appended to a buffer, the first failure kept (later calls do nothing), so
 * a section is a plain sequence of calls and one check of `rc` at its end.
 * Numbers are the shortest decimal that reads back as the same double
 * (kpi_format_number); strings are JSON, and text that is not UTF-8 fails
 * the write rather than giving a snapshot nobody can read back. */
#ifndef KPI_SNAPSHOT_WRITE_H
#define KPI_SNAPSHOT_WRITE_H

#include "core/internal.h"

typedef struct kpi__snapw {
	kpi_buf *b;
	int rc;           /* first failure: KPI_ENOMEM, KPI_EDATA or KPI_ERROR (err filled) */
	kpi_error *err;
} kpi__snapw;

/* Append `s` as it is. */
void kpi__snapw_put(kpi__snapw *w, const char *s);
/* Append printf-formatted text (kpi_buf_vprintf), of any length. */
void kpi__snapw_putf(kpi__snapw *w, const char *fmt, ...) KPI_PRINTF(2, 3);
/* A JSON string, or null for NULL; `what` names the text in the error
 * "snapshot: WHAT is not valid UTF-8". */
void kpi__snapw_str(kpi__snapw *w, const char *s, const char *what);
/* A number, or null when !has; a non-finite one fails with "snapshot: WHAT
 * is not a finite number". */
void kpi__snapw_num(kpi__snapw *w, bool has, double v, const char *what);
/* An instant as a JSON string, ISO-8601 UTC seconds. */
void kpi__snapw_time(kpi__snapw *w, int64_t t);

#endif
