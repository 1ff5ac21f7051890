/**
 * @file kpi/common.h
 * @brief Error codes, the error object and the export macro shared by every
 *        libkpi module.
 *
 * Every function that can fail returns 0 on success or one of the negative
 * KPI_E* codes below and, when given a non-NULL `kpi_error *err`, fills it with
 * a one-line message a user can act on (what failed, where: file:line:col,
 * KPI id, query file). Messages never contain secrets.
 */
#ifndef KPI_COMMON_H
#define KPI_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#if defined(__GNUC__)
#define KPI_EXTERN __attribute__((visibility("default")))
#define KPI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KPI_EXTERN
#define KPI_PRINTF(a, b)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Return codes. 0 is success; everything else is negative. */
typedef enum kpi_code {
	KPI_OK = 0,
	KPI_ERROR = -1,      /**< generic failure */
	KPI_EUSAGE = -2,     /**< bad argument from the caller (malformed week, ...) */
	KPI_ENOTFOUND = -3,  /**< unknown KPI, missing file */
	KPI_ECONFIG = -4,    /**< invalid configuration or catalogue */
	KPI_ESOURCE = -5,    /**< a data source could not be read */
	KPI_ETIMEOUT = -6,   /**< a source timed out (statement_timeout, deadline) */
	KPI_ECONTRACT = -7,  /**< a query's result broke the result contract */
	KPI_EIO = -8,        /**< file system error */
	KPI_ENOMEM = -9,     /**< out of memory */
	KPI_EAUTH = -10,     /**< authentication failed */
	KPI_EDATA = -11      /**< malformed input data (snapshot, ledger, response) */
} kpi_code;

/** Size of the message buffer in kpi_error. */
#define KPI_ERROR_MSG_MAX 1024

/** An error: the code and a one-line, secret-free message. */
typedef struct kpi_error {
	int code;
	char message[KPI_ERROR_MSG_MAX];
} kpi_error;

/** Static initializer for a cleared error. */
#define KPI_ERROR_INIT { 0, { 0 } }

/**
 * Set `err` (if not NULL) to `code` and a printf-formatted message.
 * @return `code`, so callers can write `return kpi_error_set(err, ...)`.
 */
KPI_EXTERN int kpi_error_set(kpi_error *err, int code, const char *fmt, ...) KPI_PRINTF(3, 4);

/** Prefix the message already in `err` with a printf-formatted context
 *  ("context: old message"). The code is kept. @return err->code. */
KPI_EXTERN int kpi_error_wrap(kpi_error *err, const char *fmt, ...) KPI_PRINTF(2, 3);

/** Reset `err` to success and an empty message. Accepts NULL. */
KPI_EXTERN void kpi_error_clear(kpi_error *err);

/** A short name for a code, e.g. "config" for KPI_ECONFIG. Never NULL. */
KPI_EXTERN const char *kpi_code_name(int code);

/** SHA-256 of `data` as 64 lowercase hex digits and a NUL (OpenSSL libcrypto). */
KPI_EXTERN void kpi_sha256_hex(char out[65], const void *data, size_t len);

/**
 * Retry delay of docs/requirements.md (operational standards): `min(max, base * 2^attempt) * (0.5 + jitter)`.
 * @param base first delay in seconds (attempt 0)
 * @param max cap in seconds, before jitter
 * @param attempt 0 for the first retry, 1 for the second, ...
 * @param jitter uniform in [0, 1) (kpi_random_unit()); 0.5 gives the bare delay
 * @return the delay in seconds
 */
KPI_EXTERN double kpi_backoff_delay(double base, double max, int attempt, double jitter);

/** A uniformly distributed number in [0, 1) from the system's random source. */
KPI_EXTERN double kpi_random_unit(void);

/** The library version, e.g. "0.1.0". Never NULL. */
KPI_EXTERN const char *kpi_version(void);

#ifdef __cplusplus
}
#endif
#endif
