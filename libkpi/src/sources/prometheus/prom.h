/* The Prometheus source's internals (settings.c, query.c, prometheus.c),
 * private to libkpi and open to the unit tests: the settings, the query
 * files of queries/prometheus/, the range placeholders, and the parser of
 * the HTTP API's answers. */
#ifndef KPI_PROM_H
#define KPI_PROM_H

#include "net/http.h"
#include "sources/answer.h"
#include "sources/source.h"

/* The "prometheus" section of the config file and the environment (which
 * wins). Secrets come from the environment only. */
typedef struct kpi__prom_settings {
	char *url;              /* base URL: http(s)://host[:port][/prefix], no trailing '/',
	                           no credentials; NULL: not configured */
	char *bearer_token;     /* KPI_PROM_BEARER_TOKEN (secret) */
	char *username;         /* KPI_PROM_USERNAME */
	char *password;         /* KPI_PROM_PASSWORD (secret) */
	double deadline_s;      /* all attempts and waits of one request */
	double base_s, max_s;   /* the backoff of docs/requirements.md */
	long timeout_ms;        /* one attempt (never past the deadline) */
	size_t max_response;    /* largest answer accepted, bytes */
} kpi__prom_settings;

#define KPI__PROM_DEADLINE_S 60.0
#define KPI__PROM_BASE_S 0.5
#define KPI__PROM_MAX_S 10.0
#define KPI__PROM_TIMEOUT_S 30.0
#define KPI__PROM_MAX_RESPONSE ((size_t)16 << 20)

/* Read and check the settings; errors in the file say file:line:col, errors
 * in the environment name the variable, and none quotes a secret (or a URL
 * that holds one). `err` may be NULL. */
int kpi__prom_settings_load(kpi__prom_settings *out, const kpi_config *cfg, kpi_error *err);
/* Wipe the secrets and free everything. Accepts NULL. */
void kpi__prom_settings_release(kpi__prom_settings *s);
/* How requests authenticate, for explain and messages, never a secret:
 * "bearer token from KPI_PROM_BEARER_TOKEN", "basic auth from ...", "none". */
const char *kpi__prom_auth_name(const kpi__prom_settings *s);
/* The "Authorization: ..." header line the settings give (caller frees,
 * after wiping it with kpi__prom_wipe_free()); NULL in *out when none. */
int kpi__prom_auth_header(char **out, const kpi__prom_settings *s, kpi_error *err);
void kpi__prom_wipe_free(char *s);

/* What a query file says to evaluate. */
typedef enum kpi__prom_kind {
	KPI__PROM_PLAIN = 0,     /* value = the `value` expression x scale */
	KPI__PROM_RATIO          /* value = numerator / denominator x 100 x scale */
} kpi__prom_kind;

/* Index of an expression of a spec. */
enum { KPI__PROM_VALUE = 0, KPI__PROM_NUMERATOR = 0, KPI__PROM_DENOMINATOR = 1 };

/* A query file of queries/prometheus/ (docs/configuration.md):
 * {"description", "labels": {KPI label: result label}, "value" | "numerator"
 * + "denominator", "scale", "absent_numerator": "null" | "zero",
 * "bounds": [min, max]}. */
typedef struct kpi__prom_spec {
	const kpi_def *def;
	char *path;
	char sha256[65];         /* of the file's bytes: the query hash of the manifest */
	kpi__prom_kind kind;
	char *expr[2];           /* value; or numerator, denominator */
	size_t nexpr;
	char **result_labels;    /* per KPI label (def->nlabels): the result's label that holds it */
	double scale;
	bool zero_numerator;     /* absent_numerator "zero": a label set with a denominator and no
	                            numerator sample counts 0 (error counters made on the first error) */
	kpi__bounds bounds;      /* "bounds": the range of every sample of every expression */
} kpi__prom_spec;

/* Load `def`'s query file (cfg->query_dir/def->query) and check it: keys,
 * labels against the KPI's, placeholders. Errors: KPI_ECONFIG with
 * file:line:col, or the file's read error naming the KPI. */
int kpi__prom_spec_load(kpi__prom_spec *out, const kpi_config *cfg, const kpi_def *def, kpi_error *err);
void kpi__prom_spec_release(kpi__prom_spec *s);
/* "value", "numerator", "denominator": the name of expression i. */
const char *kpi__prom_expr_name(const kpi__prom_spec *s, size_t i);

/* Expand the placeholders of a PromQL expression for a range of `range_s`
 * seconds: `$__range` -> "604800s" (a duration, for range selectors) and
 * `$__range_s` -> "604800" (a number). Any other `$__name` is an error
 * (KPI_ECONFIG, naming it); other `$` (regular expressions) stay as they are.
 * With `out` NULL it only checks. */
int kpi__prom_expand(kpi_buf *out, const char *expr, int64_t range_s, kpi_error *err);

/* One series of an answer: the KPI's label values and its samples. An
 * instant vector's series have one sample. */
typedef struct kpi__prom_series {
	char **labels;           /* nlabels values */
	double *t;               /* sample times, seconds */
	double *v;               /* sample values, finite */
	size_t n;
} kpi__prom_series;

typedef struct kpi__prom_answer {
	kpi__prom_series *series;
	size_t nseries;
	size_t nlabels;
	size_t nwarnings;        /* "warnings": the answer is not the whole truth */
	char *warning;           /* the first of them (NULL when none) */
} kpi__prom_answer;

/*
 * Parse the body of a 2xx answer of /api/v1/query (`matrix` false: the
 * resultType must be "vector") or /api/v1/query_range (true: "matrix").
 * Each series' KPI label values are read from its result labels `labels[i]`
 * (nlabels of them).
 * @return 0; KPI_ESOURCE for "status": "error" (naming errorType and error);
 *   KPI_EDATA for a malformed answer: not JSON, no data, another resultType,
 *   a sample that is not [time, "number"], a value that is NaN or infinite;
 *   KPI_ECONTRACT for a series without one of the labels, or two series with
 *   the same label values (the query does not aggregate by the labels).
 *   Messages say what is wrong only; the caller names the KPI and query.
 */
int kpi__prom_answer_parse(kpi__prom_answer *out, const char *body, size_t len, bool matrix,
                           const char *const *labels, size_t nlabels, kpi_error *err);
void kpi__prom_answer_release(kpi__prom_answer *a);

/* Check every sample of series `se` of `sp`'s answer before any becomes a
 * number of a row: at the time asked `t` (instant query, step 0), or on the
 * step grid of [t, t_end] in increasing order (range query; all in doubles,
 * so no out-of-range conversion), its value within the query file's bounds.
 * KPI_EDATA naming the first bad sample: "<what>: Prometheus (<url>):
 * malformed answer: the sample of service=a at <time> ...". */
int kpi__prom_series_check(const kpi__prom_series *se, const kpi__prom_spec *sp, int64_t t, int64_t t_end, int step,
                           const char *what, const char *url, kpi_error *err);

/* Index of the series with these label values, or -1. */
long kpi__prom_answer_find(const kpi__prom_answer *a, char *const *labels);

/* The errorType and error of a Prometheus error body ("bad_data: 1:5:
 * parse error: ..."), into buf; "" when the body is not one. */
char *kpi__prom_error_text(char *buf, size_t size, const char *body, size_t len);

/* application/x-www-form-urlencoded value: unreserved characters as they
 * are, everything else %XX. */
int kpi__prom_form_escape(kpi_buf *out, const char *s);

#endif
