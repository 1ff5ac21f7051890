/* A small HTTP client over libcurl for the library's outbound calls
 * (CloudWatch, SNS, PagerDuty, Slack, webhooks). Private to libkpi.
 *
 * Errors never name the URL (webhook URLs and query strings are secrets):
 * callers give a description in `what` ("CloudWatch GetMetricData",
 * "the Slack webhook") that every message uses instead. */
#ifndef KPI_HTTP_H
#define KPI_HTTP_H

#include "core/internal.h"

typedef struct kpi__http_req {
	const char *method;               /* "GET", "POST" (default POST with a body, else GET) */
	const char *url;
	const char *const *headers;       /* NULL-terminated "Name: value" lines, or NULL */
	const void *body;
	size_t body_len;
	long timeout_ms;                  /* whole transfer; 0 = 30000 */
	long connect_timeout_ms;          /* 0 = min(timeout, 10000) */
	const char *what;                 /* secret-free description for messages */
	/* AWS SigV4 signing by libcurl (CURLOPT_AWS_SIGV4), when `sigv4` is set:
	 * "aws:amz:REGION:SERVICE". A session token goes in `headers` as
	 * "x-amz-security-token: ..." so it is signed too (docs/dependencies.md). */
	const char *sigv4;
	const char *aws_access_key;
	const char *aws_secret_key;
	size_t max_response;              /* 0 = KPI__HTTP_MAX_RESPONSE; a larger body is KPI_EDATA */
} kpi__http_req;

typedef struct kpi__http_resp {
	long status;                      /* HTTP status code */
	kpi_buf body;                     /* NUL-terminated */
	kpi_buf headers;                  /* raw header lines of the final response */
	double seconds;                   /* total transfer time */
	bool unreachable;                 /* no server reached: connection refused, host or proxy not found */
} kpi__http_resp;

#define KPI__HTTP_RESP_INIT { 0, KPI_BUF_INIT, KPI_BUF_INIT, 0, false }

/* The default cap on a response body: 64 MiB. */
#define KPI__HTTP_MAX_RESPONSE ((size_t)64 << 20)

/* Perform one request. Returns 0 when a complete HTTP response arrived,
 * whatever its status (the caller judges 4xx/5xx); KPI_ETIMEOUT when the
 * timeout expired; KPI_ESOURCE when the peer could not be reached, the
 * connection broke or the body was truncated; KPI_EDATA when the body is
 * larger than `max_response` (the transfer stops there; the answer is
 * malformed and asking again would not help: not worth a retry); KPI_ENOMEM.
 * `resp` must be initialised with KPI__HTTP_RESP_INIT and released by the
 * caller. */
int kpi__http_do(kpi__http_resp *resp, const kpi__http_req *req, kpi_error *err);

/* The value of response header `name` (case-insensitive) copied into buf,
 * trimmed; NULL when absent. */
const char *kpi__http_header(const kpi__http_resp *resp, const char *name, char *buf, size_t size);

/* Release the buffers of a response. */
void kpi__http_resp_release(kpi__http_resp *resp);

/* libcurl's global initialisation, once per process (net/smtp.c shares it). */
int kpi__curl_global(kpi_error *err);

/* True when a status is worth retrying: 429, 5xx. */
bool kpi__http_retryable(long status);

/* The error of a request retried until its deadline, into `err`: `last`
 * (the last attempt's, which starts with "WHAT: ") said once after `what`.
 * When the last attempt reached no server (resp->unreachable) the source is
 * unreachable, KPI_ESOURCE: "WHAT: SERVER cannot be reached: DETAIL (N
 * attempts in S s, deadline D s)"; else KPI_ETIMEOUT: "WHAT: gave up after
 * N attempts in S s (deadline D s): DETAIL". Returns the code. */
int kpi__http_gave_up(kpi_error *err, const kpi_error *last, const kpi__http_resp *resp, const char *what,
                      const char *server, int attempts, double seconds, double deadline_s);

#endif
