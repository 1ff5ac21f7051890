/*
 * Redaction (core/redact.c): the parts of a secret URL that are redacted
 * and the ordinary words that are not, values and the forms an echo gives
 * them (JSON-escaped, percent-encoded, base64 of basic credentials), a
 * message cut in the middle of a secret, documents and JSON values, and the
 * set a configuration gathers from its environment.
 */
#include "unit.h"
#include "core/redact.h"

static char *redacted(const kpi__redact *r, const char *text)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf), "%s", text);
	return kpi__redact_str(r, buf, sizeof(buf));
}

static void test_redact__secret_url_parts_and_not_ordinary_words(void **state)
{
	kpi__redact *r = kpi__redact_new();
	(void)state;
	assert_int_equal(kpi__redact_add(r, "https://hooks.slack.com/services/X0C4NARY01/B0C4NARY02/xoxbSECRETc4n4ry"), 0);
	/* the receiver's 404 quotes the path: redacted whole */
	assert_string_equal(redacted(r, "404 Cannot POST /services/X0C4NARY01/B0C4NARY02/xoxbSECRETc4n4ry"),
	                    "404 Cannot POST [redacted]");
	/* each meaningful segment alone */
	assert_string_equal(redacted(r, "team X0C4NARY01, channel B0C4NARY02, token xoxbSECRETc4n4ry"),
	                    "team [redacted], channel [redacted], token [redacted]");
	/* the whole URL */
	assert_string_equal(redacted(r, "at https://hooks.slack.com/services/X0C4NARY01/B0C4NARY02/xoxbSECRETc4n4ry."),
	                    "at [redacted].");
	/* ordinary words of the URL stay: the host and "services" */
	assert_string_equal(redacted(r, "POST to hooks.slack.com services failed"), "POST to hooks.slack.com services failed");
	kpi__redact_unref(r);
}

static void test_redact__query_values_userinfo_and_short_parts(void **state)
{
	kpi__redact *r = kpi__redact_new();
	(void)state;
	assert_int_equal(kpi__redact_add(r, "https://user:pa55w0rd-long@example.com/v1/hooks/abc?token=Q9uery%2BValue9&x=1"), 0);
	assert_string_equal(redacted(r, "token Q9uery+Value9 raw Q9uery%2BValue9"), "token [redacted] raw [redacted]");
	assert_string_equal(redacted(r, "password pa55w0rd-long"), "password [redacted]");
	/* base64("user:pa55w0rd-long"), as an Authorization header echoes it */
	assert_string_equal(redacted(r, "Basic dXNlcjpwYTU1dzByZC1sb25n"), "Basic [redacted]");
	/* too short to be told from ordinary text: "v1", "abc", "1", "user" */
	assert_string_equal(redacted(r, "v1 abc 1 user hooks"), "v1 abc 1 user hooks");
	kpi__redact_unref(r);
}

static void test_redact__values_and_their_echoed_forms(void **state)
{
	kpi__redact *r = kpi__redact_new();
	(void)state;
	assert_int_equal(kpi__redact_add(r, "Tok/en+\"quoted\"=="), 0);
	assert_int_equal(kpi__redact_add(r, "short"), 0); /* below KPI__REDACT_MIN: ignored */
	assert_int_equal(kpi__redact_add(r, NULL), 0);
	assert_int_equal(kpi__redact_add(r, ""), 0);
	assert_string_equal(redacted(r, "a Tok/en+\"quoted\"== b"), "a [redacted] b");
	assert_string_equal(redacted(r, "{\"t\": \"Tok\\/en+\\\"quoted\\\"==\"}"), "{\"t\": \"[redacted]\"}");
	assert_string_equal(redacted(r, "t=Tok%2Fen%2B%22quoted%22%3D%3D"), "t=[redacted]");
	assert_string_equal(redacted(r, "a short word"), "a short word");
	kpi__redact_unref(r);
}

static void test_redact__a_message_cut_in_a_secret(void **state)
{
	kpi__redact *r = kpi__redact_new();
	char small[24];
	(void)state;
	assert_int_equal(kpi__redact_add(r, "SECRETabcdefghijklmnop"), 0);
	/* cut by a buffer: the first characters of the secret end the text */
	assert_string_equal(redacted(r, "answer: SECRETabcdef"), "answer: [redacted]");
	/* fewer than 8: cannot be told from text */
	assert_string_equal(redacted(r, "answer: SECRET"), "answer: SECRET");
	/* the redacted text cut to its buffer does not end in a secret's start */
	snprintf(small, sizeof(small), "%s", "x SECRETabcdefghijklmnop");
	kpi__redact_str(r, small, sizeof(small));
	assert_string_equal(small, "x [redacted]");
	kpi__redact_unref(r);
}

static void test_redact__documents_and_json(void **state)
{
	kpi__redact *r = kpi__redact_new();
	kpi_buf b = KPI_BUF_INIT;
	json_t *v;
	(void)state;
	assert_int_equal(kpi__redact_add(r, "R0UT1NG-K3Y-9f8e7d6c"), 0);
	assert_int_equal(kpi_buf_puts(&b, "one R0UT1NG-K3Y-9f8e7d6c\ntwo R0UT1NG-K3Y-9f8e7d6c\n"), 0);
	assert_int_equal(kpi__redact_buf(r, &b), 0);
	assert_string_equal(b.data, "one [redacted]\ntwo [redacted]\n");
	kpi_buf_release(&b);
	v = json_pack("{s:s, s:[s, i], s:{s:s}}", "error", "HTTP 404: R0UT1NG-K3Y-9f8e7d6c", "list", "R0UT1NG-K3Y-9f8e7d6c", 3,
	              "R0UT1NG-K3Y-9f8e7d6c", "k", "ok");
	kpi__redact_json(r, v);
	assert_string_equal(json_string_value(json_object_get(v, "error")), "HTTP 404: [redacted]");
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "list"), 0)), "[redacted]");
	assert_non_null(json_object_get(v, "R0UT1NG-K3Y-9f8e7d6c")); /* keys are names, left as they are */
	json_decref(v);
	/* NULL sets and strings */
	assert_string_equal(redacted(NULL, "R0UT1NG-K3Y-9f8e7d6c"), "R0UT1NG-K3Y-9f8e7d6c");
	kpi__redact_error(r, NULL);
	kpi__redact_unref(NULL);
	kpi__redact_unref(r);
}

static void test_redact__the_configuration_gathers_every_secret_variable(void **state)
{
	const char *env[] = { "AWS_ACCESS_KEY_ID=AKIAC4NARY000000001",
		              "AWS_SECRET_ACCESS_KEY=aws-secret-c4nary-000000000000000",
		              "AWS_SESSION_TOKEN=session-token-c4nary-0000000000",
		              "PGPASSWORD=pg-pa55-c4nary",
		              "KPI_PROM_USERNAME=kpi",
		              "KPI_PROM_PASSWORD=prom-pa55-c4nary",
		              "KPI_PROM_BEARER_TOKEN=prom-bearer-c4nary",
		              NULL };
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_config_load_env(&cfg, NULL, env, &err), 0);
	assert_string_equal(redacted(kpi__config_redact(cfg),
	                             "AKIAC4NARY000000001 aws-secret-c4nary-000000000000000 session-token-c4nary-0000000000 "
	                             "pg-pa55-c4nary prom-pa55-c4nary prom-bearer-c4nary a3BpOnByb20tcGE1NS1jNG5hcnk="),
	                    "[redacted] [redacted] [redacted] [redacted] [redacted] [redacted] [redacted]");
	/* a --db conninfo's password */
	assert_int_equal(kpi_config_set_conninfo(cfg, "dbname=kpi password=c0nninfo-pa55", "--db", &err), 0);
	assert_string_equal(redacted(kpi__config_redact(cfg), "c0nninfo-pa55"), "[redacted]");
	/* the log redacts with it, even after the configuration is gone */
	kpi_config_redact_logs(cfg);
	kpi_config_free(cfg);
	{
		char msg[64] = "pg-pa55-c4nary";
		assert_string_equal(kpi_log_redact(msg, sizeof(msg)), "[redacted]");
	}
	kpi_config_redact_logs(NULL);
	{
		char msg[64] = "pg-pa55-c4nary";
		assert_string_equal(kpi_log_redact(msg, sizeof(msg)), "pg-pa55-c4nary");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact__secret_url_parts_and_not_ordinary_words),
		cmocka_unit_test(test_redact__query_values_userinfo_and_short_parts),
		cmocka_unit_test(test_redact__values_and_their_echoed_forms),
		cmocka_unit_test(test_redact__a_message_cut_in_a_secret),
		cmocka_unit_test(test_redact__documents_and_json),
		cmocka_unit_test(test_redact__the_configuration_gathers_every_secret_variable),
	};
	return cmocka_run_group_tests_name("redact", tests, NULL, NULL);
}
