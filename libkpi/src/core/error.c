#include "core/internal.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#ifndef KPI_VERSION_STRING
#define KPI_VERSION_STRING "0.0.0"
#endif

/* Make a message one line: trailing line ends dropped (libpq's), every
 * other control character escaped (\n, \r, \t, \xHH), so that a newline
 * in a user's --week, KPI id or path cannot split an error in two or forge
 * a line of a log. Bytes from 0x80 (UTF-8) are kept. */
static void one_line(char *m, size_t size)
{
	char out[KPI_ERROR_MSG_MAX];
	size_t n = strlen(m), o = 0;
	bool any = false;

	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == '\r' || m[n - 1] == ' ' || m[n - 1] == '\t'))
		m[--n] = '\0';
	for (size_t i = 0; i < n && !any; i++)
		any = (unsigned char)m[i] < 0x20 || m[i] == 0x7f;
	if (!any)
		return;
	for (size_t i = 0; i < n && o + 5 < sizeof(out); i++) {
		unsigned char ch = (unsigned char)m[i];
		if (ch >= 0x20 && ch != 0x7f)
			out[o++] = (char)ch;
		else if (ch == '\n' || ch == '\r' || ch == '\t') {
			out[o++] = '\\';
			out[o++] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
		} else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", ch);
	}
	out[o] = '\0';
	snprintf(m, size, "%s", out);
}

int kpi_error_set(kpi_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		one_line(err->message, sizeof(err->message));
	}
	return code;
}

int kpi_error_wrap(kpi_error *err, const char *fmt, ...)
{
	char prefix[KPI_ERROR_MSG_MAX], old[KPI_ERROR_MSG_MAX];
	va_list ap;

	if (!err)
		return KPI_ERROR;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->message, sizeof(old));
	snprintf(err->message, sizeof(err->message), "%s: %s", prefix, old);
	one_line(err->message, sizeof(err->message));
	return err->code;
}

int kpi__config_file_error(int rc, const char *what, kpi_error *err)
{
	if (rc != KPI_ENOTFOUND && rc != KPI_EIO && rc != KPI_EDATA)
		return rc;
	kpi_error_wrap(err, "%s", what);
	if (err)
		err->code = KPI_ECONFIG;
	return KPI_ECONFIG;
}

void kpi_error_clear(kpi_error *err)
{
	if (err) {
		err->code = 0;
		err->message[0] = '\0';
	}
}

const char *kpi_code_name(int code)
{
	switch (code) {
	case KPI_OK: return "ok";
	case KPI_EUSAGE: return "usage";
	case KPI_ENOTFOUND: return "not found";
	case KPI_ECONFIG: return "config";
	case KPI_ESOURCE: return "source";
	case KPI_ETIMEOUT: return "timeout";
	case KPI_ECONTRACT: return "contract";
	case KPI_EIO: return "io";
	case KPI_ENOMEM: return "out of memory";
	case KPI_EAUTH: return "auth";
	case KPI_EDATA: return "data";
	default: return "error";
	}
}

const char *kpi_version(void)
{
	return KPI_VERSION_STRING;
}
