#include "core/internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef KPI_VERSION_STRING
#define KPI_VERSION_STRING "0.0.0"
#endif

int kpi_error_set(kpi_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
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
