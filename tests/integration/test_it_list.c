/*
 * Integration: kpi list through the command, no database. Its JSON is
 * written by jansson: a title or description with quotes, backslashes,
 * control characters and non-ASCII text still makes valid JSON (jq reads
 * it), and the table marks a KPI whose source is not
 * configured with what would configure it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_util.h"

static const char catalog[] =
	"{\"kpis\": [\n"
	" {\"id\": \"odd_title\", \"title\": \"Export \\\"success\\\" \\\\ rate \\u00e9\\t\\u0001 (quoted)\", \"unit\": \"%\","
	"  \"source\": \"postgres\", \"query\": \"export_success_rate.sql\","
	"  \"labels\": [{\"name\": \"path\", \"values\": [\"legacy\", \"owned\"]}],"
	"  \"threshold\": {\"op\": \">=\", \"target\": 99, \"warn_margin\": 0.5}, \"gating\": true},\n"
	" {\"id\": \"sqs_queue_depth\", \"title\": \"SQS depth\", \"unit\": \"count\", \"source\": \"cloudwatch\","
	"  \"query\": \"cloudwatch/sqs_queue_depth.json\", \"labels\": [{\"name\": \"queue\"}]}\n"
	"]}\n";

static void test_list__json_is_valid_with_any_title(void **state)
{
	char *path = it_write_tmp("catalog.json", catalog), env_cat[600];
	const char *env[] = { env_cat, "KPI_CW_QUEUES", "KPI_CW_LOAD_BALANCER", NULL };
	const char *argv[] = { "kpi", "list", "--format", "json", NULL };
	json_error_t jerr;
	json_t *doc, *o;
	it_run_result r;
	(void)state;

	snprintf(env_cat, sizeof(env_cat), "KPI_CATALOG=%s", path);
	it_run(&r, argv, env, 30);
	assert_int_equal(r.status, 0);
	doc = json_loads(r.out, 0, &jerr);
	if (!doc)
		fail_msg("kpi list --format json is not JSON (%s at %d): %s", jerr.text, jerr.position, r.out);
	assert_int_equal(json_array_size(doc), 2);
	o = json_array_get(doc, 0);
	assert_string_equal(json_string_value(json_object_get(o, "title")),
	                    "Export \"success\" \\ rate \xc3\xa9\t\x01 (quoted)");
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "labels"), 0)), "path");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "threshold"), "op")), ">=");
	assert_true(json_real_value(json_object_get(json_object_get(o, "threshold"), "target")) == 99);
	assert_true(json_is_true(json_object_get(o, "gating")));
	assert_true(json_is_true(json_object_get(o, "configured")));
	o = json_array_get(doc, 1);
	assert_string_equal(json_string_value(json_object_get(o, "source")), "cloudwatch");
	assert_true(json_is_false(json_object_get(o, "configured")));
	assert_string_equal(json_string_value(json_object_get(o, "configure")),
	                    "set cloudwatch.queues in the config file or KPI_CW_QUEUES");
	assert_true(json_is_null(json_object_get(o, "threshold")));
	json_decref(doc);
	it_run_free(&r);

	/* jq reads it too (scripts/lib.sh installs jq) */
	{
		char cmd[1200];
		snprintf(cmd, sizeof(cmd), "KPI_CATALOG='%s' '%s' list --format json | jq -e '.[0].title' >/dev/null",
		         path, KPI_BINARY);
		assert_int_equal(system(cmd), 0);
	}

	/* the table: the unconfigured source marked, and what would configure it */
	{
		const char *targv[] = { "kpi", "list", NULL };
		it_run(&r, targv, env, 30);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "cloudwatch* SQS depth"));
		assert_non_null(strstr(r.out, "set cloudwatch.queues in the config file or KPI_CW_QUEUES"));
		it_run_free(&r);
	}
	free(path);
	it_tmp_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list__json_is_valid_with_any_title),
	};
	return cmocka_run_group_tests_name("integration_list", tests, NULL, NULL);
}
