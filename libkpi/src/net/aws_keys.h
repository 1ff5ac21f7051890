/* What every source of AWS credentials shares (net/aws_creds.h's chain and
 * its providers): one set of keys with its expiry, the list of secrets read
 * or received, expiry timestamps, the JSON answers' fields, and an HTTP
 * request with a few retries for the credential endpoints. Private to libkpi. */
#ifndef KPI_AWS_KEYS_H
#define KPI_AWS_KEYS_H

#include "net/http.h"
#include <stdint.h>

/* One set of credentials. */
typedef struct kpi__aws_keys {
	char *access_key;
	char *secret_key;
	char *session_token;  /* NULL when none */
	int64_t expires;      /* Unix time; 0 = they do not expire (static keys) */
	int64_t received;     /* Unix time they arrived */
} kpi__aws_keys;

/* Wipe and free the strings of `k`, zero it. Accepts NULL. */
void kpi__aws_keys_release(kpi__aws_keys *k);

/* A copy of `k` into `out` (released by the caller). @return 0, KPI_ENOMEM. */
int kpi__aws_keys_copy(kpi__aws_keys *out, const kpi__aws_keys *k, kpi_error *err);

/* Wipe a string's bytes, then free it. Accepts NULL. */
void kpi__aws_wipe_free(char *s);

/* A callback that learns every secret when it is read or received (the
 * redaction of messages): 0, or an error code that fails the resolution. */
typedef int (*kpi__aws_secret_fn)(void *ud, const char *secret);

/* Every secret one resolution has read or received so far (secret keys,
 * session tokens, the web identity token, the container authorization token,
 * the SSO access token), kept until released, each copied once. */
typedef struct kpi__aws_secrets {
	char **v;
	size_t n, cap;
	kpi__aws_secret_fn fn;  /* told of each one as it is added; may be NULL */
	void *ud;
} kpi__aws_secrets;

/* Add a copy of `secret` (NULL or "" ignored; a repeat ignored) and tell the
 * callback. @return 0, KPI_ENOMEM, or the callback's code. */
int kpi__aws_secrets_add(kpi__aws_secrets *s, const char *secret);
/* Add the access key id, secret key and session token of `k`. */
int kpi__aws_secrets_add_keys(kpi__aws_secrets *s, const kpi__aws_keys *k);
/* Wipe and free every secret. */
void kpi__aws_secrets_release(kpi__aws_secrets *s);

/* An expiry timestamp as AWS sends them: ISO 8601 with a zone
 * ("2026-11-16T08:00:00Z", "...:00.123456Z", "+00:00"; "UTC" as old AWS CLI
 * caches write it). `what` names it in the message. @return 0, KPI_EDATA. */
int kpi__aws_expiry_parse(int64_t *out, const char *text, const char *what, kpi_error *err);

/* The names of the fields of a JSON credentials answer. */
typedef struct kpi__aws_json_names {
	const char *access_key;   /* "AccessKeyId" */
	const char *secret_key;   /* "SecretAccessKey" */
	const char *token;        /* "Token", "SessionToken" */
	const char *expiration;   /* "Expiration"; NULL: not read */
	bool token_required;
	bool expiration_required;
} kpi__aws_json_names;

/* Credentials from the JSON object `o` (every field a non-empty string;
 * the expiration a timestamp for kpi__aws_expiry_parse()); `what` names the
 * answer in messages ("the container endpoint's answer"), which never quote
 * a value. @return 0; KPI_EDATA naming the missing or malformed field;
 * KPI_ENOMEM. `received` is set to `now`. */
int kpi__aws_keys_from_json(kpi__aws_keys *out, const json_t *o, const kpi__aws_json_names *names, int64_t now,
                            const char *what, kpi_error *err);

/* Check credentials that just arrived: not expired already. */
int kpi__aws_keys_check_fresh(const kpi__aws_keys *k, int64_t now, const char *what, kpi_error *err);

/* Whether an HTTP answer is worth another try (decided by the caller). */
typedef bool (*kpi__aws_again_fn)(const kpi__http_resp *resp);

/* kpi__http_do() up to `attempts` times: a transport fault (refused, reset,
 * timeout, cut short), HTTP 429 or 5xx, or an answer `again` accepts (may be
 * NULL) is tried again after kpi_backoff_delay(0.5, 4, ...). @return what
 * the last try returned (0 with any HTTP status in `resp`). */
int kpi__aws_http_retry(kpi__http_resp *resp, const kpi__http_req *req, int attempts, kpi__aws_again_fn again,
                        kpi_error *err);

/* `req` (a GET of a credential endpoint) with kpi__aws_http_retry() (3
 * tries), a 200 answer parsed as a JSON document into *doc (caller decrefs).
 * The body is wiped once parsed. *status gets the HTTP status (0 without an
 * answer). `what` names the endpoint in messages. @return 0; what the
 * transport returned; KPI_ESOURCE (HTTP 5xx) or KPI_EAUTH (another status),
 * naming the AWS code and message of the answer; KPI_EDATA (not JSON). */
int kpi__aws_get_json(json_t **doc, long *status, const kpi__http_req *req, const char *what, kpi_error *err);

/* The first line of a JSON error answer's "message"/"Message" and its
 * "code"/"Code"/"__type" into buffers (empty when absent), one line each. */
void kpi__aws_json_error(const char *body, char *code, size_t csize, char *msg, size_t msize);

#endif
