/*
 * Integration: no secret leaves kpi, whatever a receiver answers (issue 17,
 * case 1). Every secret variable holds a canary, a random string made for
 * this run (secret URLs: each of their path segments and query values too);
 * every receiver and source endpoint is the tests' responder answering with
 * the request echoed back (tests/tools/responder.py "echo": "Cannot POST
 * /path", the headers, the body), so each canary is handed back to kpi at
 * least once. Then no canary may appear in standard output, standard error
 * (the JSON logs), any file of the state directory (ledger.json, the
 * outbox), a textfile kpi writes, or what an honest sink was told about the
 * others ("could not deliver" notices quote their answers).
 *
 *  - every alert sink type: pagerduty, slack, webhook, alertmanager (basic
 *    auth and a bearer token), sns (SigV4 with a session token), command (a
 *    program that prints its standard input and environment to stderr);
 *  - CloudWatch (kpi query, kpi pack, kpi publish): a 403 that echoes the
 *    Authorization and X-Amz-Security-Token headers, credentials from the
 *    environment and from a shared credentials file;
 *  - Prometheus (kpi query): a 401 and a 400 that echo the bearer token and
 *    the basic credentials;
 *  - a pack (snapshot.json, manifest, CSV, the PDF's text) made with a
 *    canary in every secret variable and in the --db conninfo's password.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "it_alert.h"

#define NOW "2026-11-16T08:00:00Z"
#define LB "app/kpi-it-redact/50dc6c495c0c9188"
#define ECHO_404 "{\"status\": 404, \"echo\": true}"

/* ---- canaries ---- */

enum {
	C_PD,          /* PagerDuty routing key */
	C_SLACK_T,     /* the Slack URL's path segments */
	C_SLACK_B,
	C_SLACK_S,
	C_HOOK_SEG,    /* the webhook URL's path segment and query value */
	C_HOOK_Q,
	C_HONEST,      /* the honest sink's URL token */
	C_AM_PASS,     /* Alertmanager basic auth password, bearer token */
	C_AM_TOKEN,
	C_AWS_ID,      /* AWS credentials */
	C_AWS_SECRET,
	C_AWS_TOKEN,
	C_PGPASSWORD,
	C_PROM_TOKEN,
	C_PROM_PASS,
	C_FILE_ID,     /* AWS credentials from a shared credentials file */
	C_FILE_SECRET,
	C_FILE_TOKEN,
	C_N
};

static char canary[C_N][48];
/* base64 forms, filled in when known (Alertmanager's and Prometheus' basic auth) */
static char b64[2][96];

static void make_canaries(void)
{
	static const char *const prefix[C_N] = { "Pd", "T0", "B0", "Sk", "Hk", "Hq", "Ho", "Am", "At",
		                                 "AKIA", "Aws", "Tok", "Pg", "Pt", "Pp", "AKIF", "Fs", "Ft" };
	FILE *f = fopen("/dev/urandom", "rb");
	unsigned char r[10];
	assert_non_null(f);
	for (int i = 0; i < C_N; i++) {
		assert_int_equal(fread(r, 1, sizeof(r), f), sizeof(r));
		snprintf(canary[i], sizeof(canary[i]), "%sC4N%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X", prefix[i], r[0],
		         r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]);
	}
	fclose(f);
}

static void base64(char *out, size_t size, const char *in)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), o = 0;
	for (size_t i = 0; i < n && o + 5 < size; i += 3) {
		unsigned v = (unsigned char)in[i] << 16 | (i + 1 < n ? (unsigned char)in[i + 1] << 8 : 0) |
		             (i + 2 < n ? (unsigned char)in[i + 2] : 0);
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

/* No canary (nor a base64 form of credentials) in `text`. */
static void no_canary(const char *what, const char *text)
{
	for (int i = 0; i < C_N; i++)
		if (text && strstr(text, canary[i]))
			fail_msg("secret canary %d (%.6s...) appears in %s:\n%s", i, canary[i], what, text);
	for (int i = 0; i < 2; i++)
		if (text && b64[i][0] && strstr(text, b64[i]))
			fail_msg("base64 credentials appear in %s:\n%s", what, text);
}

static void no_canary_in_file(const char *path)
{
	char *text = NULL;
	if (kpi__read_file(&text, NULL, path, NULL) == 0)
		no_canary(path, text);
	free(text);
}

static void no_canary_in_run(const it_run_result *r)
{
	no_canary("standard output", r->out);
	no_canary("standard error (the logs)", r->err);
}

/* The environment every run gets: a canary in every secret variable kpi reads. */
static char env_buf[C_N][200];
static const char *env_all[16];

static void secret_env(const char *resp_url)
{
	int n = 0;
#define ENV(fmt, ...) (snprintf(env_buf[n], sizeof(env_buf[n]), fmt, __VA_ARGS__), env_all[n] = env_buf[n], n++)
	ENV("KPI_IT_PD_KEY=%s", canary[C_PD]);
	ENV("KPI_IT_SLACK_URL=%s/services/%s/%s/%s", resp_url, canary[C_SLACK_T], canary[C_SLACK_B], canary[C_SLACK_S]);
	ENV("KPI_IT_HOOK_URL=%s/hooks/%s?token=%s", resp_url, canary[C_HOOK_SEG], canary[C_HOOK_Q]);
	ENV("KPI_IT_HONEST_URL=%s/honest/%s", resp_url, canary[C_HONEST]);
	ENV("KPI_IT_AM_PASSWORD=%s", canary[C_AM_PASS]);
	ENV("KPI_IT_AM_TOKEN=%s", canary[C_AM_TOKEN]);
	ENV("AWS_ACCESS_KEY_ID=%s", canary[C_AWS_ID]);
	ENV("AWS_SECRET_ACCESS_KEY=%s", canary[C_AWS_SECRET]);
	ENV("AWS_SESSION_TOKEN=%s", canary[C_AWS_TOKEN]);
	ENV("PGPASSWORD=%s", canary[C_PGPASSWORD]);
	ENV("KPI_PROM_BEARER_TOKEN=%s", canary[C_PROM_TOKEN]);
	ENV("AWS_REGION=%s", "eu-central-1");
#undef ENV
	env_all[n] = NULL;
}

/* env_all plus `more` (NULL-terminated). */
static const char *const *env_with(const char **out, size_t size, const char *const *more)
{
	size_t n = 0;
	for (const char *const *e = env_all; *e && n + 1 < size; e++)
		out[n++] = *e;
	for (const char *const *e = more; e && *e && n + 1 < size; e++)
		out[n++] = *e;
	out[n] = NULL;
	return out;
}

/* ---- the alert sinks ---- */

static void test_redact__every_sink_echoing_its_request_leaks_nothing(void **state)
{
	it_alert *a = *state = it_alert_new(
	        "redact", true,
	        "{\"delivery_deadline_seconds\": 20, \"retry\": {\"max_attempts\": 1}, " IT_ONLY_UNCACHED ", \"sinks\": {"
	        "\"pd\": {\"type\": \"pagerduty\", \"routing_key_env\": \"KPI_IT_PD_KEY\", \"base_url\": \"%URL%\","
	        " \"timeout_seconds\": 5},"
	        "\"slack\": {\"type\": \"slack\", \"url_env\": \"KPI_IT_SLACK_URL\", \"timeout_seconds\": 5},"
	        "\"hook\": {\"type\": \"webhook\", \"url_env\": \"KPI_IT_HOOK_URL\", \"timeout_seconds\": 5},"
	        "\"am\": {\"type\": \"alertmanager\", \"urls\": [\"%URL%/am\"], \"basic_auth_user\": \"kpi\","
	        " \"basic_auth_password_env\": \"KPI_IT_AM_PASSWORD\", \"timeout_seconds\": 5},"
	        "\"am2\": {\"type\": \"alertmanager\", \"urls\": [\"%URL%/am2\"], \"bearer_token_env\": \"KPI_IT_AM_TOKEN\","
	        " \"timeout_seconds\": 5},"
	        "\"sns\": {\"type\": \"sns\", \"topic_arn\": \"arn:aws:sns:eu-central-1:123456789012:kpi-alerts\","
	        " \"endpoint\": \"%URL%/sns\", \"timeout_seconds\": 5},"
	        "\"cmd\": {\"type\": \"command\", \"argv\": [\"/bin/sh\", \"-c\", \"cat >&2; env >&2; exit 1\"],"
	        " \"timeout_seconds\": 5},"
	        "\"honest\": {\"type\": \"webhook\", \"url_env\": \"KPI_IT_HONEST_URL\", \"timeout_seconds\": 5}}}");
	static const char *const paths[] = { "/v2/enqueue", "/services/", "/hooks/", "/am/api/v2/alerts",
		                             "/am2/api/v2/alerts", "/sns", NULL };
	char am_cred[128];
	it_run_result r;
	json_t *reqs, *req;
	size_t i, honest = 0;

	snprintf(am_cred, sizeof(am_cred), "kpi:%s", canary[C_AM_PASS]);
	base64(b64[0], sizeof(b64[0]), am_cred);
	secret_env(a->resp->url);
	it_responder_script(a->resp, "{\"rules\": [{\"match\": {\"path_prefix\": \"/honest/\"},"
	                             " \"responses\": [{\"status\": 202, \"body\": \"ok\"}]}], \"default\": " ECHO_404 "}");
	it_alert_run(a, &r, 0, NULL, env_all);
	if (r.status != 2 && r.status != 3)
		fail_msg("kpi alert exited %d:\n%s\n%s", r.status, r.out, r.err);
	/* every echoing receiver was asked, and its answer quoted, redacted */
	reqs = it_alert_requests(a, NULL);
	for (const char *const *p = paths; *p; p++) {
		bool seen = false;
		json_array_foreach(reqs, i, req)
			seen |= strncmp(json_string_value(json_object_get(req, "path")), *p, strlen(*p)) == 0;
		if (!seen)
			fail_msg("no request to %s:\n%s", *p, r.err);
	}
	assert_non_null(strstr(r.err, "Cannot POST [redacted]"));
	no_canary_in_run(&r);
	it_assert_no_secrets(a->state, r.out, r.err);
	{
		char path[256];
		snprintf(path, sizeof(path), "%s/ledger.json", a->state);
		no_canary_in_file(path);
	}
	/* the honest sink was told about the others' failures, without their secrets */
	json_array_foreach(reqs, i, req) {
		const char *p = json_string_value(json_object_get(req, "path"));
		if (strncmp(p, "/honest/", 8) != 0)
			continue;
		honest++;
		no_canary("a notification to the honest sink", json_string_value(json_object_get(req, "body")));
	}
	if (honest < 2)
		fail_msg("the honest sink got %zu notification(s), want the trigger and a notice:\n%s", honest, r.err);
	json_decref(reqs);
	it_run_free(&r);
	b64[0][0] = '\0';
}

/* ---- CloudWatch ---- */

typedef struct src {
	it_db *db;
	it_responder *resp;
	char dir[64];
} src;

static int src_teardown(void **state)
{
	src *s = *state;
	char cmd[128];
	if (!s)
		return 0;
	it_responder_stop(s->resp);
	it_db_drop(s->db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (s->dir[0] && system(cmd) != 0)
		fprintf(stderr, "warning: could not remove %s\n", s->dir);
	free(s);
	*state = NULL;
	return 0;
}

static src *src_new(void **state, const char *name, const char *script)
{
	src *s = *state = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->db = it_db_create(name);
	s->resp = it_responder_start(script);
	snprintf(s->dir, sizeof(s->dir), "/tmp/kpi-it-redact.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	secret_env(s->resp->url);
	return s;
}

static void write_file(const char *path, const char *text)
{
	assert_int_equal(kpi__write_file_atomic(path, text, strlen(text), NULL), 0);
}

static void test_redact__cloudwatch_403_echoing_the_session_token(void **state)
{
	/* an AWS error whose Message quotes the request (the Authorization and
	 * X-Amz-Security-Token headers) */
	src *s = src_new(state, "redact_cw",
	                 "{\"default\": {\"status\": 403, \"echo\": true, \"echo_wrap\": \"<ErrorResponse><Error>"
	                 "<Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>%ECHO%</Message></Error>"
	                 "</ErrorResponse>\"}}");
	char endpoint[128], db[160], creds[128], text[512], prom[128], cred_env[160];
	const char *env[24];
	const char *more[] = { endpoint, "KPI_CW_LOAD_BALANCER=" LB, "KPI_CW_DEADLINE_SECONDS=5", "KPI_NOW=" NOW, NULL };
	const char *query[] = { "kpi", "query", "api_error_rate_pct", "--week", "2026-W46", "--weeks", "1", "--db", db,
		                NULL };
	const char *publish[] = { "kpi", "publish", "--week", "2026-W46", "--cloudwatch", "--prom-textfile", prom,
		                  "--db", db, NULL };
	it_run_result r;

	snprintf(endpoint, sizeof(endpoint), "AWS_ENDPOINT_URL=%s", s->resp->url);
	snprintf(db, sizeof(db), "%s", s->db->conninfo);
	snprintf(prom, sizeof(prom), "%s/kpi.prom", s->dir);

	/* credentials from the environment */
	it_run(&r, query, env_with(env, 24, more), 60);
	if (r.status != 3 && r.status != 4)
		fail_msg("kpi query exited %d:\n%s\n%s", r.status, r.out, r.err);
	assert_non_null(strstr(r.err, "403"));
	no_canary_in_run(&r);
	it_run_free(&r);

	{
		char out[128];
		const char *pack[] = { "kpi", "pack", "--week", "2026-W46", "--weeks", "1", "--out", out, "--db", db, NULL };
		snprintf(out, sizeof(out), "%s/pack", s->dir);
		it_run(&r, pack, env_with(env, 24, more), 60);
		if (r.status == 0)
			fail_msg("kpi pack succeeded against a 403:\n%s\n%s", r.out, r.err);
		assert_non_null(strstr(r.err, "403"));
		no_canary_in_run(&r);
		it_run_free(&r);
	}

	it_run(&r, publish, env_with(env, 24, more), 60);
	if (r.status == 0)
		fail_msg("kpi publish succeeded against a 403:\n%s\n%s", r.out, r.err);
	no_canary_in_run(&r);
	no_canary_in_file(prom);
	it_run_free(&r);

	/* credentials resolved later, from a shared credentials file */
	snprintf(creds, sizeof(creds), "%s/credentials", s->dir);
	snprintf(text, sizeof(text), "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n",
	         canary[C_FILE_ID], canary[C_FILE_SECRET], canary[C_FILE_TOKEN]);
	write_file(creds, text);
	snprintf(cred_env, sizeof(cred_env), "AWS_SHARED_CREDENTIALS_FILE=%s", creds);
	{
		const char *file_more[] = { endpoint,
			                    "KPI_CW_LOAD_BALANCER=" LB,
			                    "KPI_CW_DEADLINE_SECONDS=5",
			                    "KPI_NOW=" NOW,
			                    "AWS_ACCESS_KEY_ID",
			                    "AWS_SECRET_ACCESS_KEY",
			                    "AWS_SESSION_TOKEN",
			                    cred_env,
			                    NULL };
		it_run(&r, query, env_with(env, 24, file_more), 60);
	}
	if (r.status != 3 && r.status != 4)
		fail_msg("kpi query exited %d:\n%s\n%s", r.status, r.out, r.err);
	assert_non_null(strstr(r.err, "403"));
	assert_non_null(strstr(r.err, creds)); /* the message says where the credentials came from */
	no_canary_in_run(&r);
	it_run_free(&r);
}

/* ---- a pack ---- */

/* Every file below `dir` (the PDF as pdftotext reads it, the XLSX skipped:
 * compressed) holds no canary. */
static void no_canary_in_pack(const char *dir)
{
	char cmd[512], path[256];
	FILE *p;
	snprintf(cmd, sizeof(cmd), "find '%s' -type f ! -name '*.xlsx' ! -name '*.png' ! -name '*.pdf'", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(path, sizeof(path), p)) {
		path[strcspn(path, "\n")] = '\0';
		no_canary_in_file(path);
	}
	pclose(p);
	snprintf(cmd, sizeof(cmd), "for f in '%s'/*.pdf; do pdftotext \"$f\" -; done", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	{
		kpi_buf text = KPI_BUF_INIT;
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
			kpi_buf_append(&text, chunk, n);
		assert_int_equal(pclose(p), 0);
		assert_non_null(text.data); /* pdftotext read the PDF */
		no_canary("the PDF's text", text.data);
		kpi_buf_release(&text);
	}
}

static void test_redact__a_pack_with_secrets_in_the_environment_and_the_conninfo(void **state)
{
	src *s = src_new(state, "redact_pack", NULL);
	char db[200], out[128];
	const char *env[24];
	const char *more[] = { "KPI_NOW=2026-12-01T00:00:00Z", NULL };
	const char *pack[] = { "kpi", "pack", "--week", "2026-W46", "--weeks", "2", "--out", out, "--db", db, NULL };
	it_run_result r;

	/* trust authentication: the password is not asked for, but it is a secret */
	snprintf(db, sizeof(db), "%s password=%s", s->db->conninfo, canary[C_PGPASSWORD]);
	snprintf(out, sizeof(out), "%s/pack", s->dir);
	it_run(&r, pack, env_with(env, 24, more), 120);
	if (r.status != 0)
		fail_msg("kpi pack exited %d:\n%s\n%s", r.status, r.out, r.err);
	no_canary_in_run(&r);
	no_canary_in_pack(out);
	it_run_free(&r);
}

/* ---- Prometheus ---- */

static void test_redact__prometheus_401_and_400_echoing_the_credentials(void **state)
{
	src *s = src_new(state, "redact_prom", "{\"default\": {\"status\": 401, \"echo\": true}}");
	char cfg[128], text[1024], pass_env[128], basic[128];
	const char *env[24];
	const char *argv[] = { "kpi", "query", "api_error_rate_pct", "--week", "2026-W46", "--weeks", "1", "--config",
		               cfg, NULL };
	const char *more[] = { "KPI_NOW=" NOW, NULL };
	it_run_result r;

	snprintf(cfg, sizeof(cfg), "%s/config.json", s->dir);
	snprintf(text, sizeof(text),
	         "{\"timezone\": \"UTC\", \"prometheus\": {\"url\": \"%s\", \"deadline_seconds\": 5,"
	         " \"retry_base_seconds\": 0.05, \"retry_max_seconds\": 0.2},"
	         " \"kpis\": {\"api_error_rate_pct\": {\"variant\": \"prometheus\"}}}\n",
	         s->resp->url);
	write_file(cfg, text);

	/* a bearer token, echoed by a 401 */
	it_run(&r, argv, env_with(env, 24, more), 60);
	if (r.status == 0)
		fail_msg("kpi query succeeded against a 401:\n%s\n%s", r.out, r.err);
	assert_non_null(strstr(r.err, "401"));
	no_canary_in_run(&r);
	it_run_free(&r);

	/* basic credentials, echoed by a 400 */
	it_responder_script(s->resp, "{\"default\": {\"status\": 400, \"echo\": true}}");
	snprintf(pass_env, sizeof(pass_env), "KPI_PROM_PASSWORD=%s", canary[C_PROM_PASS]);
	snprintf(basic, sizeof(basic), "kpi-it:%s", canary[C_PROM_PASS]);
	base64(b64[1], sizeof(b64[1]), basic);
	{
		const char *basic_more[] = { "KPI_NOW=" NOW, "KPI_PROM_BEARER_TOKEN", "KPI_PROM_USERNAME=kpi-it", pass_env,
			                     NULL };
		it_run(&r, argv, env_with(env, 24, basic_more), 60);
	}
	if (r.status == 0)
		fail_msg("kpi query succeeded against a 400:\n%s\n%s", r.out, r.err);
	assert_non_null(strstr(r.err, "400"));
	no_canary_in_run(&r);
	it_run_free(&r);
	b64[1][0] = '\0';
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_redact__every_sink_echoing_its_request_leaks_nothing, it_alert_teardown),
		cmocka_unit_test_teardown(test_redact__cloudwatch_403_echoing_the_session_token, src_teardown),
		cmocka_unit_test_teardown(test_redact__prometheus_401_and_400_echoing_the_credentials, src_teardown),
		cmocka_unit_test_teardown(test_redact__a_pack_with_secrets_in_the_environment_and_the_conninfo, src_teardown),
	};
	if (!it_pg_wanted("integration_redact"))
		return IT_SKIP;
	make_canaries();
	/* no AWS files of the developer's: the canaries are the only credentials */
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/kpi-it-redact", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/kpi-it-redact", 1);
	unsetenv("AWS_PROFILE");
	return cmocka_run_group_tests_name("integration_redact", tests, NULL, NULL);
}
