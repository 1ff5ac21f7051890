/*
 * The AWS default credential chain (libkpi/src/net/aws_creds.h) against real
 * peers on loopback: moto_server's STS (AssumeRoleWithWebIdentity,
 * AssumeRole) and CloudWatch (KPI_TEST_MOTO_URL, started by scripts/test),
 * with the tests' responder in front of it recording what kpi sent (moto
 * checks no signature: the access key id and session token of each request
 * are asserted here), and the responder alone as EC2 instance metadata
 * (IMDSv2), the ECS/EKS container endpoint and the SSO portal; a
 * credential_process script.
 *
 * Every secret handed to kpi holds "CANARY": no output, no message may.
 * Week (UTC): W41 = 2026-10-05.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "it_util.h"
#include "it_cw.h"
#include "it_http.h"
#include "net/aws.h"
#include "net/aws_sso.h"

#define W41 (1790553600LL + 604800)
#define NOW "2026-11-20T00:00:00Z"
#define QUEUE "kpi-creds-q"
#define ROLE "arn:aws:iam::123456789012:role/kpi-reader"
#define WIT "wit-CANARY-token"

static const char *moto;
static it_responder *front; /* in front of moto: records what kpi sends */
static char dir[64];        /* temp dir for tokens, profiles, scripts */

/* The variables of the chain, cleared before each test. */
static const char *const chain_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_CONFIG_FILE",
	"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_DISABLED",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
	"AWS_METADATA_SERVICE_TIMEOUT", "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "AWS_ENDPOINT_URL_STS",
	"AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL_SSO", NULL,
};

static void iso(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *path_in(const char *name)
{
	static char p[8][160];
	static int i;
	char *s = p[i++ % 8];
	snprintf(s, 160, "%s/%s", dir, name);
	return s;
}

static void write_file(const char *path, const char *text, int mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
}

/* A clean chain environment: no keys, CloudWatch and STS at the responder
 * in front of moto, instance metadata off (tests that want it turn it on). */
static int reset(void **state)
{
	(void)state;
	it_aws_env(front->url);
	for (const char *const *v = chain_vars; *v; v++)
		unsetenv(*v);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("KPI_CW_QUEUES", QUEUE, 1);
	setenv("KPI_CW_DEADLINE_SECONDS", "20", 1);
	setenv("KPI_NOW", NOW, 1);
	{
		char s[256];
		snprintf(s, sizeof(s), "{\"default\": {\"proxy\": \"%s\"}}", moto);
		it_responder_script(front, s);
	}
	it_responder_clear(front);
	return 0;
}

static int group_setup(void **state)
{
	int64_t ts[3] = { W41 + 3600, W41 + 7200, W41 + 86400 };
	double v[3] = { 7, 42, 5 };
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/kpi-it-creds.XXXXXX");
	assert_non_null(mkdtemp(dir));
	it_aws_env(moto);
	it_cw_put("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", QUEUE, ts, v, 3);
	front = it_responder_start(NULL);
	write_file(path_in("wit"), WIT, 0600);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];
	(void)state;
	it_responder_stop(front);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return 0;
}

/* The last recorded request of `r` whose header `h` holds `sub` (or whose
 * body does, with h NULL); fails the test when none. Caller decrefs. */
static json_t *request(const it_responder *r, const char *h, const char *sub)
{
	json_t *all = it_responder_requests(r), *found = NULL, *q;
	size_t i;
	json_array_foreach(all, i, q)
	{
		const char *v = h ? json_string_value(json_object_get(json_object_get(q, "headers"), h))
		                  : json_string_value(json_object_get(q, "body"));
		if (v && strstr(v, sub))
			found = q;
	}
	if (!found)
		fail_msg("no request with %s holding '%s'", h ? h : "a body", sub);
	json_incref(found);
	json_decref(all);
	return found;
}

static const char *header(json_t *q, const char *h)
{
	const char *v = json_string_value(json_object_get(json_object_get(q, "headers"), h));
	return v ? v : "";
}

/* The access key id a SigV4 Authorization header names. */
static void signer(char *id, size_t n, json_t *q)
{
	const char *a = strstr(header(q, "authorization"), "Credential="), *e;
	assert_non_null(a);
	a += strlen("Credential=");
	e = strchr(a, '/');
	assert_non_null(e);
	snprintf(id, n, "%.*s", (int)(e - a), a);
}

static void no_canary(const it_run_result *r)
{
	if (strstr(r->out, "CANARY") || strstr(r->err, "CANARY"))
		fail_msg("a secret in the output:\n%s\n%s", r->out, r->err);
}

/* kpi query sqs_queue_depth for W41: reads 42. */
static void query_ok(it_run_result *r)
{
	const char *argv[] = { "kpi", "query", "sqs_queue_depth", "--week", "2026-W41", "--format", "json", NULL };
	it_run(r, argv, NULL, 60);
	no_canary(r);
	if (r->status != 0)
		fail_msg("kpi query: exit %d: %s", r->status, r->err);
	if (!strstr(r->out, "42"))
		fail_msg("kpi query did not read 42:\n%s", r->out);
}

/* kpi query fails with `msg` in its one line on stderr. */
static void query_fails(it_run_result *r, const char *msg)
{
	const char *argv[] = { "kpi", "query", "sqs_queue_depth", "--week", "2026-W41", NULL };
	it_run(r, argv, NULL, 60);
	no_canary(r);
	if (r->status == 0 || !strstr(r->err, msg))
		fail_msg("kpi query: exit %d, stderr lacks '%s':\n%s", r->status, msg, r->err);
}

/* The CloudWatch request was signed with an assumed role's credentials:
 * not the test keys, a session token sent along. Returns the key id. */
static void cw_signed_by(char *id, size_t n, const char *want_id, const char *want_token)
{
	json_t *cw = request(front, "x-amz-target", "GetMetricData");
	signer(id, n, cw);
	assert_string_not_equal(id, IT_AWS_KEY);
	if (want_id)
		assert_string_equal(id, want_id);
	assert_true(header(cw, "x-amz-security-token")[0] != '\0');
	if (want_token)
		assert_string_equal(header(cw, "x-amz-security-token"), want_token);
	json_decref(cw);
}

/* ---- web identity ---- */

/* Done when: only AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (and the
 * endpoint at moto): kpi query reads CloudWatch as the assumed role. */
static void test_web_identity_query(void **state)
{
	it_run_result r;
	char id[64];
	json_t *sts;
	(void)state;
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path_in("wit"), 1);
	setenv("AWS_ROLE_ARN", ROLE, 1);
	query_ok(&r);
	sts = request(front, NULL, "Action=AssumeRoleWithWebIdentity");
	assert_non_null(strstr(json_string_value(json_object_get(sts, "body")), "WebIdentityToken=" WIT));
	assert_non_null(strstr(json_string_value(json_object_get(sts, "body")), "RoleArn=arn%3Aaws%3Aiam"));
	assert_string_equal(header(sts, "authorization"), ""); /* unsigned, as the SDKs send it */
	json_decref(sts);
	cw_signed_by(id, sizeof(id), NULL, NULL);
	assert_memory_equal(id, "ASIA", 4);
	it_run_free(&r);
}

/* In the library: the keys kpi__aws_resolve got from moto are the ones the
 * CloudWatch call is signed with; the source is named, no secret is. */
static void test_web_identity_resolve(void **state)
{
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	const char *body = "{\"MetricDataQueries\":[{\"Id\":\"q\",\"MetricStat\":{\"Metric\":{\"Namespace\":\"AWS/SQS\","
	                   "\"MetricName\":\"x\"},\"Period\":60,\"Stat\":\"Sum\"}}],\"StartTime\":1,\"EndTime\":61}";
	char id[64];
	(void)state;
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path_in("wit"), 1);
	setenv("AWS_ROLE_ARN", ROLE, 1);
	setenv("AWS_ROLE_SESSION_NAME", "kpi-it-session", 1);
	if (aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err))
		fail_msg("%s", err.message);
	assert_string_equal(a.source, "web identity, role " ROLE " (AWS_WEB_IDENTITY_TOKEN_FILE)");
	assert_non_null(a.session_token);
	if (kpi__aws_call(&resp, &a, "application/x-amz-json-1.0", "GraniteServiceVersion20100801.GetMetricData", body,
	                  strlen(body), "GetMetricData", NULL, NULL, &err))
		fail_msg("%s", err.message);
	cw_signed_by(id, sizeof(id), a.access_key, a.session_token);
	{
		json_t *sts = request(front, NULL, "Action=AssumeRoleWithWebIdentity");
		assert_non_null(strstr(json_string_value(json_object_get(sts, "body")), "RoleSessionName=kpi-it-session"));
		json_decref(sts);
	}
	kpi__http_resp_release(&resp);
	kpi__aws_release(&a);
}

/* STS refuses: the error names the role and the AWS code; no secret. */
static void test_web_identity_denied(void **state)
{
	it_run_result r;
	(void)state;
	it_responder_script(front, "{\"rules\": [{\"match\": {\"body\": \"Action=AssumeRoleWithWebIdentity\"},"
	                           " \"responses\": [{\"status\": 403, \"headers\": {\"Content-Type\": \"text/xml\"},"
	                           " \"body\": \"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
	                           "<Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error>"
	                           "</ErrorResponse>\"}]}]}");
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path_in("wit"), 1);
	setenv("AWS_ROLE_ARN", ROLE, 1);
	query_fails(&r, "");
	if (r.status == 0 || !strstr(r.err, ROLE) || !strstr(r.err, "AccessDenied"))
		fail_msg("exit %d: %s", r.status, r.err);
	it_run_free(&r);
}

/* Malformed STS answers: not XML, no credentials, a past expiry. */
static void test_sts_malformed(void **state)
{
	static const struct {
		const char *body, *msg;
	} cases[] = {
		{ "this is not XML <", "not XML" },
		{ "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResult>"
		  "</AssumeRoleWithWebIdentityResponse>",
		  "Credentials" },
		{ "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
		  "<AccessKeyId>ASIAOLD</AccessKeyId><SecretAccessKey>s-CANARY</SecretAccessKey>"
		  "<SessionToken>t-CANARY</SessionToken><Expiration>2001-01-01T00:00:00Z</Expiration></Credentials>"
		  "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
		  "expired" },
		{ "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
		  "<AccessKeyId>ASIAOLD</AccessKeyId><SecretAccessKey>s-CANARY</SecretAccessKey>"
		  "<SessionToken>t-CANARY</SessionToken><Expiration>soon</Expiration></Credentials>"
		  "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
		  "expiration" },
	};
	(void)state;
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path_in("wit"), 1);
	setenv("AWS_ROLE_ARN", ROLE, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *s = json_pack("{s:[{s:{s:s}, s:[{s:s}]}]}", "rules", "match", "body",
		                      "Action=AssumeRoleWithWebIdentity", "responses", "body", cases[i].body);
		char *text = json_dumps(s, 0);
		it_run_result r;
		it_responder_script(front, text);
		query_fails(&r, "");
		if (r.status == 0 || !strstr(r.err, cases[i].msg) || !strstr(r.err, ROLE))
			fail_msg("case %zu: exit %d: %s", i, r.status, r.err);
		it_run_free(&r);
		free(text);
		json_decref(s);
	}
}

/* ---- profiles ---- */

/* Done when: a role_arn profile with source_profile: STS AssumeRole signed
 * with the base profile's keys, CloudWatch with the role's. */
static void test_role_arn_profile(void **state)
{
	it_run_result r;
	char id[64];
	json_t *sts;
	const char *body;
	const char *explain[] = { "kpi", "explain", "sqs_queue_depth", NULL };
	(void)state;
	write_file(path_in("config"),
	           "[profile ops]\nrole_arn = " ROLE "\nsource_profile = base\nexternal_id = ext-CANARY-id\n"
	           "duration_seconds = 1800\nrole_session_name = kpi-ops\n\n[profile base]\nregion = us-east-1\n",
	           0600);
	write_file(path_in("credentials"),
	           "[base]\naws_access_key_id = AKIDBASEKEY000000001\naws_secret_access_key = base-CANARY-secret\n",
	           0600);
	setenv("AWS_CONFIG_FILE", path_in("config"), 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path_in("credentials"), 1);
	setenv("AWS_PROFILE", "ops", 1);
	query_ok(&r);
	sts = request(front, NULL, "Action=AssumeRole&");
	body = json_string_value(json_object_get(sts, "body"));
	assert_non_null(strstr(body, "ExternalId=ext-CANARY-id"));
	assert_non_null(strstr(body, "DurationSeconds=1800"));
	assert_non_null(strstr(body, "RoleSessionName=kpi-ops"));
	signer(id, sizeof(id), sts);
	assert_string_equal(id, "AKIDBASEKEY000000001");
	json_decref(sts);
	cw_signed_by(id, sizeof(id), NULL, NULL);
	assert_memory_equal(id, "ASIA", 4);
	it_run_free(&r);

	it_run(&r, explain, NULL, 60);
	no_canary(&r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "profile 'ops' role_arn " ROLE " via source_profile 'base'"));
	it_run_free(&r);
}

/* A source_profile cycle is refused, naming it. */
static void test_role_arn_cycle(void **state)
{
	it_run_result r;
	(void)state;
	write_file(path_in("config"),
	           "[profile a]\nrole_arn = " ROLE "\nsource_profile = b\n[profile b]\nrole_arn = " ROLE
	           "\nsource_profile = a\n",
	           0600);
	setenv("AWS_CONFIG_FILE", path_in("config"), 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path_in("none"), 1);
	setenv("AWS_PROFILE", "a", 1);
	query_fails(&r, "cycle");
	assert_int_not_equal(r.status, 0);
	it_run_free(&r);
}

/* credential_process: the JSON contract; a bad answer is a clear error
 * that does not echo the program's stderr. */
static void test_credential_process(void **state)
{
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	char cfg[512], exp[32];
	(void)state;
	iso(exp, sizeof(exp), (int64_t)time(NULL) + 3600);
	snprintf(cfg, sizeof(cfg),
	         "#!/bin/sh\necho 'stderr-CANARY' >&2\ncat <<EOF\n{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC000000000001\","
	         " \"SecretAccessKey\": \"proc-CANARY-secret\", \"SessionToken\": \"proc-CANARY-token\","
	         " \"Expiration\": \"%s\"}\nEOF\n",
	         exp);
	write_file(path_in("proc.sh"), cfg, 0700);
	write_file(path_in("bad.sh"), "#!/bin/sh\necho 'stderr-CANARY' >&2\necho '{\"Version\": 2}'\n", 0700);
	snprintf(cfg, sizeof(cfg), "[profile p]\ncredential_process = %s --flag 'a b'\n[profile bad]\ncredential_process = %s\n",
	         path_in("proc.sh"), path_in("bad.sh"));
	write_file(path_in("config"), cfg, 0600);
	setenv("AWS_CONFIG_FILE", path_in("config"), 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path_in("none"), 1);
	setenv("AWS_PROFILE", "p", 1);
	if (aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err))
		fail_msg("%s", err.message);
	assert_string_equal(a.access_key, "ASIAPROC000000000001");
	assert_string_equal(a.session_token, "proc-CANARY-token");
	assert_non_null(strstr(a.source, "credential_process"));
	kpi__aws_release(&a);

	setenv("AWS_PROFILE", "bad", 1);
	assert_int_not_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), 0);
	assert_non_null(strstr(err.message, "Version"));
	assert_null(strstr(err.message, "CANARY"));
}

/* SSO: the cached token (file named as the AWS CLI names it) -> the portal. */
static void test_sso(void **state)
{
	it_responder *portal;
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	char cfg[1024], exp[32], name[46], cache[200], script[1024];
	json_t *q;
	(void)state;
	iso(exp, sizeof(exp), (int64_t)time(NULL) + 3600);
	snprintf(script, sizeof(script),
	         "{\"rules\": [{\"match\": {\"path_prefix\": \"/federation/credentials\", \"header\": "
	         "{\"x-amz-sso_bearer_token\": \"sso-CANARY-access\"}}, \"responses\": [{\"body\": "
	         "\"{\\\"roleCredentials\\\": {\\\"accessKeyId\\\": \\\"ASIASSO0000000000001\\\", "
	         "\\\"secretAccessKey\\\": \\\"sso-CANARY-secret\\\", \\\"sessionToken\\\": \\\"sso-CANARY-session\\\", "
	         "\\\"expiration\\\": %lld000}}\"}]}], \"default\": {\"status\": 401, \"body\": \"{}\"}}",
	         (long long)time(NULL) + 3600);
	portal = it_responder_start(script);
	snprintf(cfg, sizeof(cfg),
	         "[profile s]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Reader\n\n"
	         "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n");
	write_file(path_in("config"), cfg, 0600);
	snprintf(cache, sizeof(cache), "%s/.aws/sso/cache", getenv("HOME"));
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", cache);
		assert_int_equal(system(cmd), 0);
	}
	/* botocore: sha1 of the session name (sso_session) or of the start URL */
	kpi__aws_sso_cache_name(name, "corp");
	assert_string_equal(name, "ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
	strcat(cache, "/");
	strcat(cache, name);
	snprintf(script, sizeof(script), "{\"accessToken\": \"sso-CANARY-access\", \"expiresAt\": \"%s\", \"region\": \"us-east-1\"}",
	         exp);
	write_file(cache, script, 0600);
	setenv("AWS_CONFIG_FILE", path_in("config"), 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path_in("none"), 1);
	setenv("AWS_PROFILE", "s", 1);
	setenv("AWS_ENDPOINT_URL_SSO", portal->url, 1);
	if (aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err))
		fail_msg("%s", err.message);
	assert_string_equal(a.access_key, "ASIASSO0000000000001");
	q = request(portal, "x-amz-sso_bearer_token", "sso-CANARY-access");
	assert_non_null(strstr(json_string_value(json_object_get(q, "path")), "role_name=Reader"));
	assert_non_null(strstr(json_string_value(json_object_get(q, "path")), "account_id=123456789012"));
	json_decref(q);
	kpi__aws_release(&a);

	/* an expired token: run aws sso login */
	snprintf(script, sizeof(script), "{\"accessToken\": \"sso-CANARY-access\", \"expiresAt\": \"2020-01-01T00:00:00Z\"}");
	write_file(cache, script, 0600);
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), KPI_EAUTH);
	assert_non_null(strstr(err.message, "aws sso login"));
	assert_null(strstr(err.message, "CANARY"));
	unsetenv("AWS_ENDPOINT_URL_SSO");
	it_responder_stop(portal);
}

/* ---- the container endpoint ---- */

static char *creds_json(const char *id, const char *tag, int64_t expires)
{
	char exp[32], *s;
	iso(exp, sizeof(exp), expires);
	s = malloc(512);
	assert_non_null(s);
	snprintf(s, 512,
	         "{\\\"Code\\\": \\\"Success\\\", \\\"AccessKeyId\\\": \\\"%s\\\", \\\"SecretAccessKey\\\": "
	         "\\\"%s-CANARY-secret\\\", \\\"Token\\\": \\\"%s-CANARY-token\\\", \\\"Expiration\\\": \\\"%s\\\"}",
	         id, tag, tag, exp);
	return s;
}

static void test_container(void **state)
{
	it_responder *ecs;
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	char script[1024], url[128];
	char *c = creds_json("ASIAECS0000000000001", "ecs", (int64_t)time(NULL) + 3600);
	json_t *q;
	(void)state;
	snprintf(script, sizeof(script),
	         "{\"rules\": [{\"match\": {\"path\": \"/creds\", \"header\": {\"authorization\": \"ecs-CANARY-auth\"}},"
	         " \"responses\": [{\"body\": \"%s\"}]}], \"default\": {\"status\": 401, \"body\": \"no\"}}",
	         c);
	free(c);
	ecs = it_responder_start(script);
	snprintf(url, sizeof(url), "%s/creds", ecs->url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	write_file(path_in("ecs-token"), "ecs-CANARY-auth\n", 0600);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path_in("ecs-token"), 1);
	if (aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err))
		fail_msg("%s", err.message);
	assert_string_equal(a.access_key, "ASIAECS0000000000001");
	assert_non_null(strstr(a.source, "container endpoint"));
	q = request(ecs, "authorization", "ecs-CANARY-auth");
	json_decref(q);
	kpi__aws_release(&a);

	/* not loopback nor the EKS Pod Identity address: refused */
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.10/creds", 1);
	assert_int_not_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), 0);
	assert_non_null(strstr(err.message, "192.0.2.10"));

	/* bad JSON */
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	it_responder_script(ecs, "{\"default\": {\"body\": \"{not json\"}}");
	assert_int_not_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), 0);
	assert_non_null(strstr(err.message, "container endpoint"));
	assert_null(strstr(err.message, "CANARY"));
	it_responder_stop(ecs);
}

/* ---- EC2 instance metadata ---- */

/* An IMDSv2 responder whose credentials answers are `answers` (a JSON
 * array of responses) for role kpi-role. */
static it_responder *imds_start(const char *answers)
{
	char *s = malloc(8192);
	it_responder *r;
	assert_non_null(s);
	snprintf(s, 8192,
	         "{\"rules\": ["
	         "{\"match\": {\"method\": \"PUT\", \"path\": \"/latest/api/token\", \"header\": "
	         "{\"x-aws-ec2-metadata-token-ttl-seconds\": \"2\"}}, \"responses\": [{\"body\": \"imds-CANARY-session\"}]},"
	         "{\"match\": {\"path\": \"/latest/meta-data/iam/security-credentials/\", \"header\": "
	         "{\"x-aws-ec2-metadata-token\": \"imds-CANARY-session\"}}, \"responses\": [{\"body\": \"kpi-role\"}]},"
	         "{\"match\": {\"path\": \"/latest/meta-data/iam/security-credentials/kpi-role\", \"header\": "
	         "{\"x-aws-ec2-metadata-token\": \"imds-CANARY-session\"}}, \"responses\": %s},"
	         "{\"match\": {\"path\": \"/latest/meta-data/placement/region\"}, \"responses\": [{\"body\": \"us-east-1\"}]}"
	         "], \"default\": {\"status\": 401, \"body\": \"\"}}",
	         answers);
	r = it_responder_start(s);
	free(s);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", r->url, 1);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	return r;
}

/* Done when: only the responder as IMDS: kpi query reads CloudWatch with
 * the instance role's credentials, through the IMDSv2 token flow. */
static void test_imds_query(void **state)
{
	it_run_result r;
	it_responder *imds;
	char id[64], answers[1024];
	char *c = creds_json("ASIAIMDS000000000001", "imds", (int64_t)time(NULL) + 6 * 3600);
	json_t *all, *q;
	size_t i;
	(void)state;
	snprintf(answers, sizeof(answers), "[{\"body\": \"%s\"}]", c);
	free(c);
	imds = imds_start(answers);
	unsetenv("AWS_REGION"); /* the region from instance metadata too */
	query_ok(&r);
	cw_signed_by(id, sizeof(id), "ASIAIMDS000000000001", "imds-CANARY-token");
	all = it_responder_requests(imds);
	q = json_array_get(all, 0);
	assert_string_equal(json_string_value(json_object_get(q, "method")), "PUT");
	assert_string_equal(json_string_value(json_object_get(q, "path")), "/latest/api/token");
	json_array_foreach(all, i, q)
	{
		if (strcmp(json_string_value(json_object_get(q, "method")), "PUT") == 0)
			assert_string_equal(header(q, "x-aws-ec2-metadata-token-ttl-seconds"), "21600");
		else
			assert_string_equal(header(q, "x-aws-ec2-metadata-token"), "imds-CANARY-session");
	}
	json_decref(all);
	it_run_free(&r);
	it_responder_stop(imds);
}

/* Credentials that expire within the run are renewed: the second call,
 * after the first expired, is signed with new keys. */
static void test_imds_refresh(void **state)
{
	it_responder *imds;
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	const char *body = "{\"MetricDataQueries\":[{\"Id\":\"q\",\"MetricStat\":{\"Metric\":{\"Namespace\":\"AWS/SQS\","
	                   "\"MetricName\":\"x\"},\"Period\":60,\"Stat\":\"Sum\"}}],\"StartTime\":1,\"EndTime\":61}";
	char id[64], answers[2048];
	int64_t now = (int64_t)time(NULL);
	/* 20 s: room for a loaded machine to start the responder, resolve and
	 * make the first call before the first keys expire (6 s was seen too
	 * short with a load average of 25 on two cores) */
	char *c1 = creds_json("ASIAIMDSFIRST0000001", "one", now + 20);
	char *c2 = creds_json("ASIAIMDSSECOND000002", "two", now + 3600);
	(void)state;
	snprintf(answers, sizeof(answers), "[{\"body\": \"%s\"}, {\"body\": \"%s\"}]", c1, c2);
	free(c1);
	free(c2);
	imds = imds_start(answers);
	if (aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err))
		fail_msg("%s", err.message);
	assert_string_equal(a.source, "EC2 instance metadata, role 'kpi-role'");
	assert_int_equal(kpi__aws_call(&resp, &a, "application/x-amz-json-1.0",
	                               "GraniteServiceVersion20100801.GetMetricData", body, strlen(body), "GetMetricData",
	                               NULL, NULL, &err),
	                 0);
	kpi__http_resp_release(&resp);
	cw_signed_by(id, sizeof(id), "ASIAIMDSFIRST0000001", "one-CANARY-token");
	while ((int64_t)time(NULL) <= now + 20) /* the first keys expired */
		sleep(1);
	assert_int_equal(kpi__aws_call(&resp, &a, "application/x-amz-json-1.0",
	                               "GraniteServiceVersion20100801.GetMetricData", body, strlen(body), "GetMetricData",
	                               NULL, NULL, &err),
	                 0);
	kpi__http_resp_release(&resp);
	cw_signed_by(id, sizeof(id), "ASIAIMDSSECOND000002", "two-CANARY-token");
	kpi__aws_release(&a);
	it_responder_stop(imds);
}

/* Malformed instance metadata answers: clear errors naming the source. */
static void test_imds_malformed(void **state)
{
	static const char *const bodies[] = {
		"{not json",
		"{\\\"AccessKeyId\\\": \\\"ASIAX\\\"}",
		"{\\\"AccessKeyId\\\": \\\"ASIAX\\\", \\\"SecretAccessKey\\\": \\\"x-CANARY\\\", \\\"Token\\\": "
		"\\\"y-CANARY\\\", \\\"Expiration\\\": \\\"2001-01-01T00:00:00Z\\\"}",
		"{\\\"AccessKeyId\\\": \\\"ASIAX\\\", \\\"SecretAccessKey\\\": \\\"x-CANARY\\\", \\\"Token\\\": "
		"\\\"y-CANARY\\\", \\\"Expiration\\\": \\\"tomorrow\\\"}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char answers[1024];
		it_responder *imds;
		it_run_result r;
		snprintf(answers, sizeof(answers), "[{\"body\": \"%s\"}]", bodies[i]);
		imds = imds_start(answers);
		query_fails(&r, "");
		if (r.status == 0 || !strstr(r.err, "instance metadata"))
			fail_msg("case %zu: exit %d: %s", i, r.status, r.err);
		it_run_free(&r);
		it_responder_stop(imds);
	}
}

/* IMDS down (an endpoint that never answers, one that refuses): the chain
 * ends within 2 s with "no AWS credentials" naming where it looked. */
static void test_imds_down(void **state)
{
	it_responder *hang = it_responder_start("{\"default\": {\"hang\": true}}");
	char url[64];
	it_run_result r;
	(void)state;
	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", hang->url, 1);
	query_fails(&r, "no AWS credentials");
	assert_int_not_equal(r.status, 0);
	printf("IMDS hanging: kpi query failed in %.2f s\n", r.seconds);
	assert_true(r.seconds < 2.5);
	it_run_free(&r);
	it_responder_stop(hang);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", it_free_port());
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	query_fails(&r, "no AWS credentials");
	printf("IMDS refusing: kpi query failed in %.2f s\n", r.seconds);
	assert_true(r.seconds < 2.5);
	it_run_free(&r);
}

/* A role_arn profile with credential_source Ec2InstanceMetadata: AssumeRole
 * signed with the instance role's keys; STS at AWS_ENDPOINT_URL_STS while
 * CloudWatch is at moto directly (each service its own endpoint). */
static void test_role_arn_credential_source_imds(void **state)
{
	it_responder *imds;
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	char id[64], answers[1024];
	char *c = creds_json("ASIAIMDS000000000001", "imds", (int64_t)time(NULL) + 3600);
	json_t *sts;
	(void)state;
	snprintf(answers, sizeof(answers), "[{\"body\": \"%s\"}]", c);
	free(c);
	imds = imds_start(answers);
	write_file(path_in("config"), "[default]\nrole_arn = " ROLE "\ncredential_source = Ec2InstanceMetadata\n", 0600);
	setenv("AWS_CONFIG_FILE", path_in("config"), 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path_in("none"), 1);
	setenv("AWS_ENDPOINT_URL_STS", front->url, 1);
	setenv("AWS_ENDPOINT_URL", moto, 1);
	if (aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err))
		fail_msg("%s", err.message);
	assert_string_equal(a.source, "profile 'default' role_arn " ROLE " via credential_source Ec2InstanceMetadata");
	assert_memory_equal(a.access_key, "ASIA", 4);
	assert_string_not_equal(a.access_key, "ASIAIMDS000000000001");
	assert_string_equal(a.endpoint, moto);
	sts = request(front, NULL, "Action=AssumeRole&");
	signer(id, sizeof(id), sts);
	assert_string_equal(id, "ASIAIMDS000000000001");
	assert_string_equal(header(sts, "x-amz-security-token"), "imds-CANARY-token");
	json_decref(sts);
	kpi__aws_release(&a);

	/* an unknown credential_source is named */
	write_file(path_in("config"), "[default]\nrole_arn = " ROLE "\ncredential_source = Laptop\n", 0600);
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), KPI_ECONFIG);
	assert_non_null(strstr(err.message, "Laptop"));
	it_responder_stop(imds);
}

/* ---- precedence ---- */

/* Each source shadows the later ones: environment keys > web identity >
 * profile > container > instance metadata. */
static void test_precedence(void **state)
{
	it_responder *imds, *ecs;
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	char script[1024], url[128], answers[1024];
	char *c = creds_json("ASIAIMDS000000000001", "imds", (int64_t)time(NULL) + 3600);
	(void)state;
	snprintf(answers, sizeof(answers), "[{\"body\": \"%s\"}]", c);
	free(c);
	imds = imds_start(answers);
	c = creds_json("ASIAECS0000000000001", "ecs", (int64_t)time(NULL) + 3600);
	snprintf(script, sizeof(script), "{\"default\": {\"body\": \"%s\"}}", c);
	free(c);
	ecs = it_responder_start(script);
	snprintf(url, sizeof(url), "%s/creds", ecs->url);
	write_file(path_in("credentials"),
	           "[default]\naws_access_key_id = AKIDPROFILE000000001\naws_secret_access_key = prof-CANARY-secret\n", 0600);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path_in("credentials"), 1);
	setenv("AWS_CONFIG_FILE", path_in("none"), 1);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path_in("wit"), 1);
	setenv("AWS_ROLE_ARN", ROLE, 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV0000000000001", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env-CANARY-secret", 1);

	static const struct {
		const char *unset, *source, *key;
	} steps[] = {
		{ NULL, "the environment", "AKIDENV0000000000001" },
		{ "AWS_ACCESS_KEY_ID", "web identity", "ASIA" },
		{ "AWS_WEB_IDENTITY_TOKEN_FILE", "profile 'default'", "AKIDPROFILE000000001" },
		{ "AWS_SHARED_CREDENTIALS_FILE", "container endpoint", "ASIAECS0000000000001" },
		{ "AWS_CONTAINER_CREDENTIALS_FULL_URI", "EC2 instance metadata", "ASIAIMDS000000000001" },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].unset) {
			unsetenv(steps[i].unset);
			if (strcmp(steps[i].unset, "AWS_ACCESS_KEY_ID") == 0)
				unsetenv("AWS_SECRET_ACCESS_KEY");
			if (strcmp(steps[i].unset, "AWS_SHARED_CREDENTIALS_FILE") == 0)
				setenv("AWS_SHARED_CREDENTIALS_FILE", path_in("none"), 1);
		}
		if (aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err))
			fail_msg("step %zu: %s", i, err.message);
		if (!strstr(a.source, steps[i].source) || strncmp(a.access_key, steps[i].key, strlen(steps[i].key)) != 0)
			fail_msg("step %zu: %s from %s", i, a.access_key, a.source);
		assert_null(strstr(a.source, "CANARY"));
		kpi__aws_release(&a);
	}
	it_responder_stop(ecs);
	it_responder_stop(imds);
}

/* Every secret the chain read or received is told to the redaction hook. */
static int collect(void *ud, const char *secret)
{
	char *buf = ud;
	strncat(buf, secret, 4000 - strlen(buf));
	strncat(buf, "\n", 4000 - strlen(buf));
	return 0;
}

static void test_secrets_listed(void **state)
{
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	char seen[4096] = "";
	(void)state;
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path_in("wit"), 1);
	setenv("AWS_ROLE_ARN", ROLE, 1);
	if (aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err))
		fail_msg("%s", err.message);
	assert_int_equal(kpi__aws_on_secret(&a, collect, seen), 0);
	assert_non_null(strstr(seen, WIT));
	assert_non_null(strstr(seen, a.secret_key));
	assert_non_null(strstr(seen, a.session_token));
	kpi__aws_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_web_identity_query, reset),
		cmocka_unit_test_setup(test_web_identity_resolve, reset),
		cmocka_unit_test_setup(test_web_identity_denied, reset),
		cmocka_unit_test_setup(test_sts_malformed, reset),
		cmocka_unit_test_setup(test_role_arn_profile, reset),
		cmocka_unit_test_setup(test_role_arn_cycle, reset),
		cmocka_unit_test_setup(test_imds_query, reset),
		cmocka_unit_test_setup(test_imds_refresh, reset),
		cmocka_unit_test_setup(test_imds_malformed, reset),
		cmocka_unit_test_setup(test_imds_down, reset),
		cmocka_unit_test_setup(test_container, reset),
		cmocka_unit_test_setup(test_credential_process, reset),
		cmocka_unit_test_setup(test_sso, reset),
		cmocka_unit_test_setup(test_role_arn_credential_source_imds, reset),
		cmocka_unit_test_setup(test_precedence, reset),
		cmocka_unit_test_setup(test_secrets_listed, reset),
	};
	if (!it_moto_wanted("integration_aws_creds"))
		return IT_SKIP;
	moto = getenv("KPI_TEST_MOTO_URL");
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
