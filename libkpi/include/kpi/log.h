/**
 * @file kpi/log.h
 * @brief Structured logs on stderr: one JSON object per line (or a text line
 *        for humans), each carrying the run id (docs/requirements.md, operational standards).
 *
 * The library logs what happens during a run (a source read, a retry, an
 * alert delivery) through this module; it never prints anything else. Log
 * lines never contain secrets: callers pass descriptions ("the Slack
 * webhook"), never URLs with tokens, keys or passwords, and every line is
 * redacted of the secrets of the configuration kpi_config_redact_logs()
 * named (an answer that echoes one back).
 */
#ifndef KPI_LOG_H
#define KPI_LOG_H

#include <stdio.h>
#include "common.h"
#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Severity of a log line. */
typedef enum kpi_log_level {
	KPI_LOG_DEBUG = 0,
	KPI_LOG_INFO,
	KPI_LOG_WARN,
	KPI_LOG_ERROR,
	KPI_LOG_OFF          /**< as a minimum level: log nothing */
} kpi_log_level;

/** How a line looks. */
typedef enum kpi_log_format {
	KPI_LOG_FORMAT_JSON = 0, /**< {"ts":..,"level":..,"run_id":..,"event":..,"msg":..,...} */
	KPI_LOG_FORMAT_TEXT      /**< "2026-11-16T08:00:00Z info run=ab12cd34 event: msg key=value" */
} kpi_log_format;

/**
 * Configure logging for this process (not thread-safe; call once at start).
 * @param format json (default) or text.
 * @param min_level lines below this level are dropped (default info).
 * @param stream where lines go; NULL means stderr.
 * @param run_id the run id to stamp on every line; NULL makes a fresh random one.
 */
KPI_EXTERN void kpi_log_setup(kpi_log_format format, kpi_log_level min_level, FILE *stream,
                              const char *run_id);

/** Parse "json"/"text". @return 0 or KPI_EUSAGE. */
KPI_EXTERN int kpi_log_format_parse(kpi_log_format *out, const char *name);

/** Parse "debug"/"info"/"warn"/"error"/"off". @return 0 or KPI_EUSAGE. */
KPI_EXTERN int kpi_log_level_parse(kpi_log_level *out, const char *name);

/** The run id of this process (16 hex digits). Never NULL. */
KPI_EXTERN const char *kpi_log_run_id(void);

/** Log a message: `event` is a short dotted name ("pg.query", "alert.sent"). */
KPI_EXTERN void kpi_log_msg(kpi_log_level level, const char *event, const char *fmt, ...) KPI_PRINTF(3, 4);

/**
 * Log a message with structured fields.
 * @param fields a jansson object (json_t *) of extra fields, or NULL; the
 *        reference is stolen (the function decrefs it).
 * @param msg a human-readable message, or NULL.
 */
KPI_EXTERN void kpi_log_fields(kpi_log_level level, const char *event, void *fields, const char *msg);

/**
 * Redact `s` in place (NUL-terminated, in a buffer of `size` bytes) as log
 * lines are: every secret of the configuration kpi_config_redact_logs()
 * named, and each meaningful part of one, becomes "[redacted]" (a message
 * cut short that ends in the first characters of one too). For what a
 * program prints itself: error lines, reports. @return s.
 */
KPI_EXTERN char *kpi_log_redact(char *s, size_t size);

/** kpi_log_redact() for a whole text (standard output): every occurrence.
 *  @return 0, or KPI_ENOMEM (the buffer is then unchanged). */
KPI_EXTERN int kpi_log_redact_buf(kpi_buf *b);

#ifdef __cplusplus
}
#endif
#endif
