/**
 * @file kpi/buf.h
 * @brief A growable byte buffer, the output of every libkpi formatter and
 *        renderer (table, CSV, JSON, snapshot.json, PDF, PNG, XLSX).
 */
#ifndef KPI_BUF_H
#define KPI_BUF_H

#include <stdarg.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A growable byte buffer; `data` is always NUL-terminated once used. */
typedef struct kpi_buf {
	char *data;
	size_t len;
	size_t cap;
} kpi_buf;

#define KPI_BUF_INIT { NULL, 0, 0 }

/** Append `len` bytes. @return 0 or KPI_ENOMEM (the buffer is left as it was). */
KPI_EXTERN int kpi_buf_append(kpi_buf *b, const char *data, size_t len);
/** Append a NUL-terminated string. @return 0 or KPI_ENOMEM. */
KPI_EXTERN int kpi_buf_puts(kpi_buf *b, const char *s);
/** Append printf-formatted text. @return 0, KPI_ENOMEM or KPI_ERROR. */
KPI_EXTERN int kpi_buf_printf(kpi_buf *b, const char *fmt, ...) KPI_PRINTF(2, 3);
/** kpi_buf_printf with a va_list (left unusable, as by vprintf). Text of any
 *  length. @return 0, KPI_ENOMEM or KPI_ERROR (a bad format). */
KPI_EXTERN int kpi_buf_vprintf(kpi_buf *b, const char *fmt, va_list ap) KPI_PRINTF(2, 0);
/** Release the contents (the struct itself is the caller's). */
KPI_EXTERN void kpi_buf_release(kpi_buf *b);

#ifdef __cplusplus
}
#endif
#endif
