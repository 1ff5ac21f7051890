/*
 * The parsers of the AWS credential chain (net/aws_sts.h, aws_process.h,
 * aws_keys.h, aws_sso.h, aws_container.h, aws_creds.h): STS XML answers,
 * the credential_process JSON contract, expiry timestamps, the SSO cache
 * file name, the container hosts allowed, the refresh time. Messages name
 * what is wrong, never a value ("CANARY" marks the secrets).
 */
#include "unit.h"
#include "net/aws_container.h"
#include "net/aws_creds.h"
#include "net/aws_process.h"
#include "net/aws_sso.h"
#include "net/aws_sts.h"
#include <sys/stat.h>
#include <unistd.h>

#define T0 1791158400LL /* 2026-10-05T00:00:00Z */

static const char sts_ok[] =
	"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials>"
	"<AccessKeyId>ASIAUNIT</AccessKeyId><SecretAccessKey>s-CANARY</SecretAccessKey>"
	"<SessionToken>t-CANARY</SessionToken><Expiration>2026-10-05T01:00:00Z</Expiration></Credentials>"
	"<AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/x/s</Arn></AssumedRoleUser></AssumeRoleResult>"
	"</AssumeRoleResponse>";

static void test_sts_parse(void **state)
{
	kpi__aws_keys k;
	kpi_error err = KPI_ERROR_INIT;
	static const struct {
		const char *xml, *msg;
	} bad[] = {
		{ "", "not XML" },
		{ "<a><b></a>", "not XML" },
		{ "<AssumeRoleWithWebIdentityResponse/>", "instead of" },
		{ "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>", "Credentials" },
		{ "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
		  "<SecretAccessKey>s-CANARY</SecretAccessKey><Expiration>2026-10-05T01:00:00Z</Expiration>"
		  "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
		  "SessionToken" },
		{ "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
		  "<SecretAccessKey>s-CANARY</SecretAccessKey><SessionToken>t-CANARY</SessionToken>"
		  "<Expiration>later</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
		  "expiration" },
		/* an external entity is not fetched nor expanded */
		{ "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		  "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>&x;</AccessKeyId>"
		  "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
		  "Credentials without" },
	};
	(void)state;
	assert_int_equal(kpi__aws_sts_parse(&k, sts_ok, strlen(sts_ok), "AssumeRole", T0, &err), 0);
	assert_string_equal(k.access_key, "ASIAUNIT");
	assert_string_equal(k.secret_key, "s-CANARY");
	assert_string_equal(k.session_token, "t-CANARY");
	assert_int_equal(k.expires, T0 + 3600);
	assert_int_equal(k.received, T0);
	kpi__aws_keys_release(&k);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kpi_error_clear(&err);
		assert_int_equal(kpi__aws_sts_parse(&k, bad[i].xml, strlen(bad[i].xml), "AssumeRole", T0, &err), KPI_EDATA);
		assert_contains(err.message, bad[i].msg);
		assert_not_contains(err.message, "CANARY");
		assert_null(k.secret_key);
	}
}

static void test_sts_error(void **state)
{
	const char *xml = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
	                  "<Message>not allowed\nto assume</Message></Error></ErrorResponse>";
	char code[64], msg[128];
	(void)state;
	kpi__aws_sts_error(xml, strlen(xml), code, sizeof(code), msg, sizeof(msg));
	assert_string_equal(code, "AccessDenied");
	assert_string_equal(msg, "not allowed to assume");
	kpi__aws_sts_error("junk", 4, code, sizeof(code), msg, sizeof(msg));
	assert_string_equal(code, "");
	assert_string_equal(msg, "");
}

/* A malformed answer libxml2 cannot even decode (UTF-16 with a broken
 * surrogate) is KPI_EDATA, and nothing reaches stderr: libxml2 printed
 * "encoding error : input conversion failed" lines before (found by the
 * credentials fuzz target). */
static void test_sts_parse_prints_nothing(void **state)
{
	static const char utf16[] = "\xff\xfe<\0a\0>\0\0\xd8\0\0";
	char path[] = "/tmp/kpi-unit-stderr.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	kpi__aws_keys k = { 0 };
	kpi_error err = KPI_ERROR_INIT;
	char code[64], msg[128];
	struct stat st;
	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	assert_int_equal(kpi__aws_sts_parse(&k, utf16, sizeof(utf16) - 1, "AssumeRole", T0, &err), KPI_EDATA);
	kpi__aws_sts_error(utf16, sizeof(utf16) - 1, code, sizeof(code), msg, sizeof(msg));
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	unlink(path);
	assert_int_equal(st.st_size, 0);
	assert_null(k.access_key);
}

static void test_process_parse(void **state)
{
	kpi__aws_keys k;
	kpi_error err = KPI_ERROR_INIT;
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "not json", "JSON" },
		{ "{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s-CANARY\"}", "Version" },
		{ "{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s-CANARY\"}", "Version" },
		{ "{\"Version\": 1, \"SecretAccessKey\": \"s-CANARY\"}", "AccessKeyId" },
		{ "{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": 5}", "SecretAccessKey" },
		{ "{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s-CANARY\", \"Expiration\": \"x\"}",
		  "xpiration" },
	};
	(void)state;
	assert_int_equal(kpi__aws_process_parse(&k,
	                                        "{\"Version\": 1, \"AccessKeyId\": \"AKIAP\", \"SecretAccessKey\": "
	                                        "\"s-CANARY\", \"SessionToken\": \"t-CANARY\", \"Expiration\": "
	                                        "\"2026-10-05T02:00:00+00:00\"}",
	                                        T0, &err),
	                 0);
	assert_string_equal(k.access_key, "AKIAP");
	assert_int_equal(k.expires, T0 + 7200);
	kpi__aws_keys_release(&k);
	/* long-lived keys: no token, no expiry */
	assert_int_equal(kpi__aws_process_parse(&k, "{\"Version\": 1, \"AccessKeyId\": \"AKIAP\", \"SecretAccessKey\": \"s\"}",
	                                        T0, &err),
	                 0);
	assert_null(k.session_token);
	assert_int_equal(k.expires, 0);
	kpi__aws_keys_release(&k);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kpi_error_clear(&err);
		assert_int_not_equal(kpi__aws_process_parse(&k, bad[i].json, T0, &err), 0);
		assert_contains(err.message, bad[i].msg);
		assert_not_contains(err.message, "CANARY");
	}
}

static void test_expiry_parse(void **state)
{
	int64_t t;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi__aws_expiry_parse(&t, "2026-10-05T00:00:00Z", "x", &err), 0);
	assert_int_equal(t, T0);
	assert_int_equal(kpi__aws_expiry_parse(&t, "2026-10-05T00:00:00.123456Z", "x", &err), 0);
	assert_int_equal(t, T0);
	assert_int_equal(kpi__aws_expiry_parse(&t, "2026-10-05T02:00:00+02:00", "x", &err), 0);
	assert_int_equal(t, T0);
	assert_int_equal(kpi__aws_expiry_parse(&t, "2026-10-05T00:00:00UTC", "x", &err), 0);
	assert_int_equal(t, T0);
	assert_int_equal(kpi__aws_expiry_parse(&t, "2026-10-05T00:00:00", "the answer", &err), KPI_EDATA);
	assert_contains(err.message, "the answer");
	assert_int_equal(kpi__aws_expiry_parse(&t, "", "x", &err), KPI_EDATA);
	assert_int_equal(kpi__aws_expiry_parse(&t, "tomorrow", "x", &err), KPI_EDATA);
}

static void test_refresh_at(void **state)
{
	kpi__aws_keys k = { "A", "s", "t", T0 + 3600, T0 };
	(void)state;
	/* 5 min before expiry */
	assert_int_equal(kpi__aws_refresh_at(&k), T0 + 3600 - KPI__AWS_REFRESH_MARGIN);
	/* short-lived: at half their life */
	k.expires = T0 + 60;
	assert_int_equal(kpi__aws_refresh_at(&k), T0 + 30);
	k.expires = 0;
	assert_true(kpi__aws_refresh_at(&k) == INT64_MAX);
	k.access_key = NULL;
	assert_int_equal(kpi__aws_refresh_at(&k), 0);
}

static void test_sso_cache_name(void **state)
{
	char name[46];
	(void)state;
	/* sha1 of the sso_session name, or of the start URL (legacy), as botocore */
	kpi__aws_sso_cache_name(name, "corp");
	assert_string_equal(name, "ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
	kpi__aws_sso_cache_name(name, "https://my-sso-portal.awsapps.com/start");
	assert_string_equal(name, "c7aaaf71fcc8777ae2475525ed049d39fe16c484.json");
}

static void test_container_hosts(void **state)
{
	(void)state;
	assert_true(kpi__aws_container_host_allowed("127.0.0.1"));
	assert_true(kpi__aws_container_host_allowed("127.1.2.3"));
	assert_true(kpi__aws_container_host_allowed("localhost"));
	assert_true(kpi__aws_container_host_allowed("::1"));
	assert_true(kpi__aws_container_host_allowed("169.254.170.2"));
	assert_true(kpi__aws_container_host_allowed("169.254.170.23"));
	assert_true(kpi__aws_container_host_allowed("fd00:ec2::23"));
	assert_false(kpi__aws_container_host_allowed("169.254.169.254"));
	assert_false(kpi__aws_container_host_allowed("192.0.2.10"));
	assert_false(kpi__aws_container_host_allowed("example.com"));
	assert_false(kpi__aws_container_host_allowed("127.0.0.1.example.com"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sts_parse),      cmocka_unit_test(test_sts_error), cmocka_unit_test(test_sts_parse_prints_nothing),
		cmocka_unit_test(test_process_parse),  cmocka_unit_test(test_expiry_parse),
		cmocka_unit_test(test_refresh_at),     cmocka_unit_test(test_sso_cache_name),
		cmocka_unit_test(test_container_hosts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
