/* Private helpers of the reports module (libkpi/src/reports/). */
#ifndef KPI_REPORTS_INT_H
#define KPI_REPORTS_INT_H

#include "kpi/reports.h"
#include "kpi/buf.h"

/* The prev_sha256 of the first record. */
#define KPI__CHAIN_START "0000000000000000000000000000000000000000000000000000000000000000"

/* Append record `d` to `b` as kpi decide writes it: one JSON object in the
 * order of docs/pack.md, no newline. `line` and `sha256` are not written.
 * @return 0 or KPI_ENOMEM. */
int kpi__decision_write(kpi_buf *b, const kpi_decision *d);

/* kpi_decisions_load() of text already read (`name` prefixes messages). */
int kpi__decisions_parse(kpi_decisions **out, const char *name, const char *text, size_t len, kpi_error *err);

/* Free the contents of one record. */
void kpi__decision_release(kpi_decision *d);

/* A name or text of a record: not empty, UTF-8, no control characters. */
bool kpi__decision_text_ok(const char *s);

/* "go", "no-go", "hold"; and back (false when `s` is none of them). */
const char *kpi__decision_name(kpi_verdict_kind v);
bool kpi__decision_parse(kpi_verdict_kind *out, const char *s);

/* flock(fd, op), tried again when a signal interrupts it; KPI_EIO naming
 * `path` otherwise. kpi decide and the pack write lock decisions.jsonl, or
 * the reports directory, with it (decide.c). */
int kpi__reports_flock(int fd, int op, const char *path, kpi_error *err);

#endif
