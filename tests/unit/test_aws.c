/*
 * AWS plumbing (aws.c): the shared files' INI syntax, credential, region
 * and endpoint resolution in the AWS order, secret-free messages naming the
 * credential source, and the error-code parsing of responses.
 */
#include "unit.h"
#include "net/aws.h"
#include <sys/stat.h>
#include <unistd.h>

/* kpi__aws_resolve with the process environment as it is now (the tests
 * set variables between calls; the library reads a config's copy). */
static int aws_resolve_env(kpi__aws *a, const kpi__aws_service *svc, const char *fallback, kpi_error *err)
{
	extern char **environ;
	kpi_config *cfg = NULL;
	int rc = kpi_config_load_env(&cfg, NULL, (const char *const *)environ, err);
	if (rc == 0)
		rc = kpi__aws_resolve(a, cfg, svc, fallback, err);
	kpi_config_free(cfg);
	return rc;
}

static char dir[64];

static const char *const aws_env[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	                               "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
	                               "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL",
	                               "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL_SNS",
	                               "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
	                               "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	                               "AWS_CONTAINER_CREDENTIALS_FULL_URI", NULL };

static void clear_env(void)
{
	for (const char *const *e = aws_env; *e; e++)
		unsetenv(*e);
}

static void put(const char *name, const char *text)
{
	char path[128];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char path[128];
	(void)state;
	clear_env();
	snprintf(dir, sizeof(dir), "/tmp/kpi-aws.XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv("HOME", dir, 1); /* ~/.aws/... resolves inside the test dir */
	/* no EC2 instance metadata: the chain ends without a network call */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	snprintf(path, sizeof(path), "%s/.aws", dir);
	mkdir(path, 0700);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* ---- INI ---- */

static const char ini[] = "# comment\n"
                          "; another comment\n"
                          "[default]\r\n"
                          "aws_access_key_id = AKIADEFAULT\r\n"
                          "  \n"
                          "[profile   ops ]\n"
                          "Region=eu-central-1\n"
                          "s3 =\n"
                          "  region = not-this-one\n"
                          "  max_concurrent_requests = 10\n"
                          "output = json  \n"
                          "[ci]\n"
                          "aws_secret_access_key   =   s3cr3t with spaces  \n"
                          "aws_secret_access_key = last wins\n"
                          "novalue\n";

static void expect(const char *section, const char *key, const char *want)
{
	char *v = NULL;
	int rc = kpi__aws_ini_get(&v, NULL, ini, section, key);
	if (!want) {
		assert_int_equal(rc, KPI_ENOTFOUND);
		assert_null(v);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(v, want);
	free(v);
}

static void test_aws_ini__sections_keys_comments_whitespace(void **state)
{
	bool found;
	char *v = NULL;
	(void)state;
	expect("default", "aws_access_key_id", "AKIADEFAULT"); /* CRLF trimmed */
	expect("profile ops", "region", "eu-central-1");        /* blanks collapsed, key case-insensitive */
	expect("profile ops", "output", "json");
	expect("profile ops", "max_concurrent_requests", NULL); /* sub-section lines skipped */
	expect("ci", "aws_secret_access_key", "last wins");
	expect("ci", "novalue", NULL);
	expect("default", "region", NULL);
	expect("nosuch", "region", NULL);
	assert_int_equal(kpi__aws_ini_get(&v, &found, ini, "ci", "region"), KPI_ENOTFOUND);
	assert_true(found);
	assert_int_equal(kpi__aws_ini_get(&v, &found, ini, "nosuch", "region"), KPI_ENOTFOUND);
	assert_false(found);
	assert_int_equal(kpi__aws_ini_get(&v, &found, "", "default", "x"), KPI_ENOTFOUND);
}

/* ---- resolution ---- */

static void resolve_ok(kpi__aws *a, const kpi__aws_service *svc)
{
	kpi_error err = KPI_ERROR_INIT;
	int rc = aws_resolve_env(a, svc, NULL, &err);
	if (rc) {
		print_error("kpi__aws_resolve: %s\n", err.message);
		fail();
	}
}

static void test_aws_resolve__environment_first(void **state)
{
	kpi__aws a;
	(void)state;
	put(".aws/credentials", "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = filesecret\n");
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	setenv("AWS_REGION", "eu-west-1", 1);
	setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
	resolve_ok(&a, &kpi__aws_cloudwatch);
	assert_string_equal(a.access_key, "AKIAENV");
	assert_string_equal(a.secret_key, "envsecret");
	assert_string_equal(a.session_token, "envtoken");
	assert_string_equal(a.region, "eu-west-1");
	assert_string_equal(a.endpoint, "https://monitoring.eu-west-1.amazonaws.com");
	assert_string_equal(a.sigv4, "aws:amz:eu-west-1:monitoring");
	assert_contains(a.source, "environment");
	assert_not_contains(a.source, "envsecret");
	kpi__aws_release(&a);
	unsetenv("AWS_REGION");
	resolve_ok(&a, &kpi__aws_sns);
	assert_string_equal(a.region, "us-west-2");
	assert_string_equal(a.sigv4, "aws:amz:us-west-2:sns");
	assert_string_equal(a.endpoint, "https://sns.us-west-2.amazonaws.com");
	kpi__aws_release(&a);
	clear_env();
}

static void test_aws_resolve__half_environment_is_an_error(void **state)
{
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_REGION", "eu-west-1", 1);
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), KPI_EAUTH);
	assert_contains(err.message, "AWS_SECRET_ACCESS_KEY is not");
	clear_env();
}

static void test_aws_resolve__profile_from_credentials_and_config(void **state)
{
	kpi__aws a;
	char want[200];
	(void)state;
	put(".aws/credentials", "[default]\naws_access_key_id=AKIADEF\naws_secret_access_key=defsecret\n"
	                        "[ops]\n aws_access_key_id = AKIAOPS \n aws_secret_access_key = opssecret\n"
	                        "aws_session_token = opstoken\n");
	put(".aws/config", "[default]\nregion = us-east-2\n[profile ops]\nregion = ap-southeast-2\n");
	resolve_ok(&a, &kpi__aws_cloudwatch);
	assert_string_equal(a.access_key, "AKIADEF");
	assert_null(a.session_token);
	assert_string_equal(a.region, "us-east-2");
	snprintf(want, sizeof(want), "profile 'default' in %s/.aws/credentials", dir);
	assert_string_equal(a.source, want);
	kpi__aws_release(&a);

	setenv("AWS_PROFILE", "ops", 1);
	resolve_ok(&a, &kpi__aws_cloudwatch);
	assert_string_equal(a.access_key, "AKIAOPS");
	assert_string_equal(a.secret_key, "opssecret");
	assert_string_equal(a.session_token, "opstoken");
	assert_string_equal(a.region, "ap-southeast-2");
	assert_contains(a.region_source, ".aws/config");
	assert_contains(a.source, "profile 'ops'");
	kpi__aws_release(&a);
	unsetenv("AWS_PROFILE");
}

static void test_aws_resolve__files_from_environment_and_keys_in_config(void **state)
{
	kpi__aws a;
	char p[160];
	(void)state;
	put("creds", "[other]\naws_access_key_id=X\naws_secret_access_key=Y\n");
	put("conf", "[profile blue]\naws_access_key_id = AKIABLUE\naws_secret_access_key = bluesecret\n"
	            "region = sa-east-1\n");
	snprintf(p, sizeof(p), "%s/creds", dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", p, 1);
	snprintf(p, sizeof(p), "%s/conf", dir);
	setenv("AWS_CONFIG_FILE", p, 1);
	setenv("AWS_PROFILE", "blue", 1);
	resolve_ok(&a, &kpi__aws_cloudwatch);
	assert_string_equal(a.access_key, "AKIABLUE");
	assert_string_equal(a.region, "sa-east-1");
	assert_contains(a.source, "/conf");
	kpi__aws_release(&a);
	clear_env();
}

static void test_aws_resolve__missing_and_incomplete_keys(void **state)
{
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	setenv("AWS_REGION", "us-east-1", 1);
	put(".aws/credentials", "[default]\naws_access_key_id = AKIAONLY\n");
	put(".aws/config", "");
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), KPI_EAUTH);
	assert_contains(err.message, "profile 'default'");
	assert_contains(err.message, "aws_secret_access_key is missing");
	assert_not_contains(err.message, "AKIAONLY");

	setenv("AWS_PROFILE", "nobody", 1);
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), KPI_EAUTH);
	assert_contains(err.message, "no AWS credentials");
	assert_contains(err.message, "profile 'nobody'");

	/* a role_arn profile whose source_profile has half a key pair */
	put(".aws/config", "[profile nobody]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n");
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), KPI_EAUTH);
	assert_contains(err.message, "profile 'default'");
	assert_contains(err.message, "incomplete");
	assert_not_contains(err.message, "AKIAONLY");

	clear_env();
}

static void test_aws_resolve__region_fallback_and_missing(void **state)
{
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	put(".aws/config", "");
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, "eu-north-1", &err), 0);
	assert_string_equal(a.region, "eu-north-1");
	kpi__aws_release(&a);
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "no AWS region");
	setenv("AWS_REGION", "us-east-1/../x", 1);
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), KPI_ECONFIG);
	clear_env();
}

static void test_aws_resolve__endpoint_service_then_global(void **state)
{
	kpi__aws a;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/", 1);
	resolve_ok(&a, &kpi__aws_cloudwatch);
	assert_string_equal(a.endpoint, "http://127.0.0.1:5000");
	assert_string_equal(a.where, "us-east-1 http://127.0.0.1:5000");
	kpi__aws_release(&a);
	setenv("AWS_ENDPOINT_URL_CLOUDWATCH", "http://127.0.0.1:6000", 1);
	resolve_ok(&a, &kpi__aws_cloudwatch);
	assert_string_equal(a.endpoint, "http://127.0.0.1:6000");
	kpi__aws_release(&a);
	resolve_ok(&a, &kpi__aws_sns); /* SNS keeps the global one */
	assert_string_equal(a.endpoint, "http://127.0.0.1:5000");
	kpi__aws_release(&a);
	setenv("AWS_ENDPOINT_URL_CLOUDWATCH", "ftp://x", 1);
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), KPI_ECONFIG);
	assert_contains(err.message, "AWS_ENDPOINT_URL_CLOUDWATCH");
	setenv("AWS_ENDPOINT_URL_CLOUDWATCH", "http://user:pw@host", 1);
	assert_int_equal(aws_resolve_env(&a, &kpi__aws_cloudwatch, NULL, &err), KPI_ECONFIG);
	assert_not_contains(err.message, "pw");
	clear_env();
}

/* ---- error parsing ---- */

static void parse(const char *headers, const char *body, const char *code, const char *msg)
{
	kpi__http_resp r = KPI__HTTP_RESP_INIT;
	char c[64], m[256];
	kpi_buf_puts(&r.headers, headers);
	kpi_buf_puts(&r.body, body);
	kpi__aws_error_parse(&r, c, sizeof(c), m, sizeof(m));
	assert_string_equal(c, code);
	assert_string_equal(m, msg);
	kpi__http_resp_release(&r);
}

static void test_aws_error_parse__header_json_xml(void **state)
{
	(void)state;
	parse("HTTP/1.1 400 Bad Request\r\nx-amzn-query-error: Throttling;Sender\r\n",
	      "{\"__type\": \"com.amazonaws.cloudwatch#ThrottlingException\", \"message\": \"Rate exceeded\"}",
	      "Throttling", "Rate exceeded");
	parse("HTTP/1.1 400 Bad Request\r\n",
	      "{\"__type\": \"com.amazon.coral.service#ExpiredTokenException\", \"Message\": \"expired\\nnow\"}",
	      "ExpiredTokenException", "expired now");
	parse("HTTP/1.1 403 Forbidden\r\n",
	      "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we "
	      "calculated does not match</Message></Error></ErrorResponse>",
	      "SignatureDoesNotMatch", "The request signature we calculated does not match");
	parse("HTTP/1.1 500 Oops\r\n", "<html>boom</html>", "", "");
	parse("HTTP/1.1 500 Oops\r\n", "{\"__type\": 3", "", "");
	assert_true(kpi__aws_code_retryable("Throttling"));
	assert_true(kpi__aws_code_retryable("ThrottlingException"));
	assert_false(kpi__aws_code_retryable("InvalidParameterValue"));
	assert_true(kpi__aws_code_auth("ExpiredToken"));
	assert_true(kpi__aws_code_auth("UnrecognizedClientException"));
	assert_true(kpi__aws_code_auth("InvalidClientTokenId"));
	assert_false(kpi__aws_code_auth("Throttling"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_ini__sections_keys_comments_whitespace),
		cmocka_unit_test(test_aws_resolve__environment_first),
		cmocka_unit_test(test_aws_resolve__half_environment_is_an_error),
		cmocka_unit_test(test_aws_resolve__profile_from_credentials_and_config),
		cmocka_unit_test(test_aws_resolve__files_from_environment_and_keys_in_config),
		cmocka_unit_test(test_aws_resolve__missing_and_incomplete_keys),
		cmocka_unit_test(test_aws_resolve__region_fallback_and_missing),
		cmocka_unit_test(test_aws_resolve__endpoint_service_then_global),
		cmocka_unit_test(test_aws_error_parse__header_json_xml),
	};
	return cmocka_run_group_tests_name("aws", tests, setup, teardown);
}
