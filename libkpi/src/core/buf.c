/*
 * kpi_buf (kpi/buf.h): the growable byte buffer every formatter and renderer
 * writes into, and the JSON string escape the JSON writers share.
 */
#include "core/internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kpi_buf_append(kpi_buf *b, const char *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		char *p;
		while (ncap < b->len + len + 1)
			ncap *= 2;
		p = realloc(b->data, ncap);
		if (!p)
			return KPI_ENOMEM;
		b->data = p;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int kpi_buf_puts(kpi_buf *b, const char *s)
{
	return kpi_buf_append(b, s, strlen(s));
}

int kpi_buf_vprintf(kpi_buf *b, const char *fmt, va_list ap)
{
	char small[512];
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0 || (size_t)n < sizeof(small)) {
		va_end(again);
		return n < 0 ? KPI_ERROR : kpi_buf_append(b, small, (size_t)n);
	}
	{
		char *big = malloc((size_t)n + 1);
		int rc = KPI_ENOMEM;
		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, again);
			rc = kpi_buf_append(b, big, (size_t)n);
			free(big);
		}
		va_end(again);
		return rc;
	}
}

int kpi_buf_printf(kpi_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = kpi_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void kpi_buf_release(kpi_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void kpi__buf_truncate(kpi_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	if (b->data)
		b->data[len] = '\0';
}

int kpi__buf_json_str(kpi_buf *b, const char *s)
{
	int rc = kpi_buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
		switch (*p) {
		case '"': rc = kpi_buf_puts(b, "\\\""); break;
		case '\\': rc = kpi_buf_puts(b, "\\\\"); break;
		case '\n': rc = kpi_buf_puts(b, "\\n"); break;
		case '\r': rc = kpi_buf_puts(b, "\\r"); break;
		case '\t': rc = kpi_buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20)
				rc = kpi_buf_printf(b, "\\u%04x", *p);
			else
				rc = kpi_buf_append(b, (const char *)p, 1);
		}
	}
	return rc ? rc : kpi_buf_puts(b, "\"");
}
