/* The writer every section of snapshot.json shares (snapshot_write.h). */
#include "snapshot/snapshot_write.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

void kpi__snapw_put(kpi__snapw *w, const char *s)
{
	if (!w->rc && kpi_buf_puts(w->b, s))
		w->rc = kpi_error_set(w->err, KPI_ENOMEM, "out of memory");
}

void kpi__snapw_putf(kpi__snapw *w, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (w->rc)
		return;
	va_start(ap, fmt);
	rc = kpi_buf_vprintf(w->b, fmt, ap);
	va_end(ap);
	if (rc)
		w->rc = kpi_error_set(w->err, rc, rc == KPI_ENOMEM ? "out of memory" : "snapshot: a value cannot be formatted");
}

void kpi__snapw_str(kpi__snapw *w, const char *s, const char *what)
{
	if (w->rc)
		return;
	if (!s) {
		kpi__snapw_put(w, "null");
		return;
	}
	if (!kpi__utf8_valid(s)) {
		w->rc = kpi_error_set(w->err, KPI_EDATA, "snapshot: %s is not valid UTF-8", what);
		return;
	}
	if (kpi__buf_json_str(w->b, s))
		w->rc = kpi_error_set(w->err, KPI_ENOMEM, "out of memory");
}

void kpi__snapw_num(kpi__snapw *w, bool has, double v, const char *what)
{
	char n[40];
	if (has && !isfinite(v)) {
		if (!w->rc)
			w->rc = kpi_error_set(w->err, KPI_EDATA, "snapshot: %s is not a finite number", what);
		return;
	}
	kpi__snapw_put(w, kpi_format_number(n, sizeof(n), has, v));
}

void kpi__snapw_time(kpi__snapw *w, int64_t t)
{
	char b[32];
	kpi__snapw_put(w, "\"");
	kpi__snapw_put(w, kpi_time_format(b, sizeof(b), t));
	kpi__snapw_put(w, "\"");
}
