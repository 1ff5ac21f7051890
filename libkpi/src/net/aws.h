/* AWS plumbing shared by every module that calls an AWS service (the
 * CloudWatch source, kpi publish, the SNS alert sink). Private to libkpi.
 *
 * - Credentials, region and endpoint resolved the way the AWS CLI and SDKs
 *   do, for any service: kpi__aws_resolve() takes the service's names. The
 *   credentials come from the SDKs' default chain (net/aws_creds.h:
 *   environment, web identity, the profile's keys, role, SSO or process, the
 *   container endpoint, EC2 instance metadata), cached and renewed before
 *   they expire.
 * - One signed POST with retries with the backoff of docs/requirements.md on throttling, 5xx and transport
 *   faults within a deadline; auth errors fail at once naming where the
 *   credentials came from (never the secret): kpi__aws_call().
 *
 * Signing is libcurl's CURLOPT_AWS_SIGV4 with "aws:amz:REGION:SERVICE"
 * always spelled out (its host-name guess fails for loopback and custom
 * endpoints); a session token travels as a signed x-amz-security-token
 * header (docs/dependencies.md). */
#ifndef KPI_AWS_H
#define KPI_AWS_H

#include "net/aws_keys.h"
#include "core/redact.h"
#include "net/http.h"

/* The names of one AWS service. */
typedef struct kpi__aws_service {
	const char *signing_name; /* SigV4 service: "monitoring", "sns" */
	const char *endpoint_id;  /* AWS_ENDPOINT_URL_<id>: "CLOUDWATCH", "SNS" */
	const char *host_prefix;  /* default https://<prefix>.<region>.amazonaws.com */
	const char *display;      /* "CloudWatch", "SNS": for messages */
} kpi__aws_service;

extern const kpi__aws_service kpi__aws_cloudwatch;
extern const kpi__aws_service kpi__aws_sns;

struct kpi__aws_creds;

/* Resolved credentials, region and endpoint. Release with kpi__aws_release(). */
typedef struct kpi__aws {
	/* The credentials as resolved. Temporary ones are renewed in `creds`
	 * before they expire, and kpi__aws_call() signs with the current ones:
	 * these may be older. Every secret seen, now and later, is in
	 * creds->secrets (kpi__aws_on_secret()). */
	char *access_key;
	char *secret_key;
	char *session_token;      /* NULL when none */
	char *region;
	char *endpoint;           /* scheme://host[:port][/path], no trailing '/' */
	char *profile;            /* the profile consulted ("default" unless AWS_PROFILE) */
	char source[512];         /* where the credentials came from, secret-free:
	                             "the environment (AWS_ACCESS_KEY_ID)",
	                             "profile 'x' in /home/u/.aws/credentials",
	                             "web identity, role arn:aws:iam::1:role/x (AWS_WEB_IDENTITY_TOKEN_FILE)",
	                             "profile 'p' role_arn arn:... via source_profile 'base'",
	                             "EC2 instance metadata, role 'r'" */
	char region_source[256];  /* "AWS_REGION", "profile 'x' in ~/.aws/config", ... */
	char sigv4[128];          /* "aws:amz:REGION:SERVICE" */
	char where[512];          /* "REGION ENDPOINT" for provenance and messages */
	const kpi__aws_service *service;
	struct kpi__aws_creds *creds; /* the chain's cache (net/aws_creds.h); NULL: sign with the fields above */
	kpi__redact *redact;      /* the run's secrets (the configuration's), the
	                             credentials among them: what an answer
	                             quoted in a message is redacted of */
} kpi__aws;

/*
 * Resolve everything a signed call needs, for `svc`, from the environment
 * as `cfg` holds it (kpi_config_env()) and the shared files
 * ($AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials, section [NAME];
 * $AWS_CONFIG_FILE, default ~/.aws/config, [default] or [profile NAME]; the
 * profile $AWS_PROFILE, default "default"):
 *  region: AWS_REGION, AWS_DEFAULT_REGION, the profile's `region` in the
 *    config file (then the credentials file), then `fallback_region` (a
 *    kpi setting, may be NULL), then EC2 instance metadata;
 *  endpoint: AWS_ENDPOINT_URL_<svc->endpoint_id>, AWS_ENDPOINT_URL, the
 *    profile's services section, its endpoint_url (net/aws_config.h), else
 *    https://<svc->host_prefix>.<region>.amazonaws.com;
 *  credentials: the default chain (net/aws_creds.h), whose first
 *    credentials are fetched now.
 * @return 0; KPI_EAUTH when no credentials can be found, they are
 *   incomplete or their source refused them (the message names the source
 *   or says where kpi looked); KPI_ECONFIG when there is no region, an
 *   endpoint URL is not http(s) or a profile cannot work; KPI_ESOURCE,
 *   KPI_ETIMEOUT, KPI_EDATA when a credential source failed.
 * Every secret the chain reads or receives joins the configuration's
 * secrets (kpi__config_redact()), now and at each renewal.
 */
int kpi__aws_resolve(kpi__aws *out, const kpi_config *cfg, const kpi__aws_service *svc,
                     const char *fallback_region, kpi_error *err);

/* Free the strings of `a` and its credential cache (secrets are wiped
 * first). Accepts NULL. */
void kpi__aws_release(kpi__aws *a);

/* Tell `fn` every secret the resolution has read or received (secret keys,
 * session tokens, the web identity token, the container authorization
 * token, the SSO access token, the instance metadata token), now for the
 * ones seen so far and later for each one a renewal brings, under the
 * cache's lock. For the redaction of messages. @return 0 or `fn`'s code. */
int kpi__aws_on_secret(kpi__aws *a, kpi__aws_secret_fn fn, void *ud);

/* Look `key` up in section `section` of an INI text as the AWS CLI reads
 * its files: [section] headers (surrounding blanks ignored), key = value
 * with blanks trimmed, full-line comments starting with '#' or ';', CRLF
 * line ends, keys compared case-insensitively, the indented lines of a
 * sub-section ("s3 =\n  max_concurrent_requests = 10") skipped.
 * The last occurrence wins. @return 0 with *out (caller frees) when found,
 * KPI_ENOTFOUND when absent, KPI_ENOMEM. *found_section tells whether the
 * section exists at all (may be NULL). */
int kpi__aws_ini_get(char **out, bool *found_section, const char *text, const char *section,
                     const char *key);

/* Retry policy of kpi__aws_call(). */
typedef struct kpi__aws_retry {
	double deadline_s;   /* all attempts and waits of one call; default 60 */
	double base_s;       /* backoff base (docs/requirements.md, operational standards); default 0.5 */
	double max_s;        /* backoff cap before jitter; default 10 */
	long timeout_ms;     /* one attempt; default 30000, never past the deadline */
	size_t max_response; /* largest answer accepted, bytes; 0 = KPI__HTTP_MAX_RESPONSE */
} kpi__aws_retry;

#define KPI__AWS_RETRY_INIT { 60.0, 0.5, 10.0, 30000, 0 }

/* What happened during a call (for logs, benchmarks and tests). */
typedef struct kpi__aws_stats {
	int requests;        /* HTTP requests sent */
	int retries;         /* of which were retries */
	double seconds;      /* wall time including waits */
} kpi__aws_stats;

/* The AWS error code and message of a failed response: code from the
 * x-amzn-query-error header (before ';') first, else the JSON `__type`
 * (after '#'), else an XML <Code> (moto and the query protocol); message
 * from JSON "message"/"Message" or XML <Message>. Empty strings when absent. */
void kpi__aws_error_parse(const kpi__http_resp *resp, char *code, size_t csize, char *msg, size_t msize);

/* True for the codes AWS documents as throttling or transient. */
bool kpi__aws_code_retryable(const char *code);

/* True for the codes that mean the credentials or the signature are wrong. */
bool kpi__aws_code_auth(const char *code);

/*
 * POST `body` to the endpoint, signed with the current credentials of
 * `aws->creds` (asked at every attempt, so temporary ones are renewed before
 * they expire; credentials a service refuses as expired are renewed once),
 * with `content_type` and, when not NULL, `X-Amz-Target: target`. Retries throttling (HTTP 429, or a code
 * kpi__aws_code_retryable() accepts), 5xx and transport faults (refused,
 * reset, cut short, attempt timeout) with kpi_backoff_delay() until
 * `retry->deadline_s`; then kpi__http_gave_up() says why (net/http.h).
 * `what` names the call in messages ("CloudWatch GetMetricData").
 * @return 0 with a 2xx response in `resp` (initialised with
 *   KPI__HTTP_RESP_INIT; the caller releases it); KPI_EAUTH (403 or an auth
 *   code: at once, naming the credential source); KPI_ESOURCE (another 4xx,
 *   naming the AWS code and message; the endpoint not reached, refused or
 *   not found, until the deadline);
 *   KPI_EDATA (an answer larger than `retry->max_response`: at once);
 *   KPI_ETIMEOUT (the deadline expired while retrying anything else); KPI_ENOMEM.
 * `stats` may be NULL; it is added to, not reset.
 */
int kpi__aws_call(kpi__http_resp *resp, const kpi__aws *aws, const char *content_type,
                  const char *target, const void *body, size_t len, const char *what,
                  const kpi__aws_retry *retry, kpi__aws_stats *stats, kpi_error *err);


#endif
