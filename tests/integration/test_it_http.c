/* The library's HTTP client (libkpi/src/net/http.c) against the tests' responder
 * on loopback: answers of every status, headers, a body cut short, a peer
 * that hangs, one that is not there, and a body over the size limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "it_http.h"
#include "net/http.h"

static int setup(void **state)
{
	*state = it_responder_start(
	        "{\"rules\": ["
	        " {\"match\": {\"path\": \"/ok\"}, \"responses\": [{\"status\": 202, \"body\": \"{\\\"status\\\":\\\"success\\\"}\","
	        "   \"headers\": {\"X-Amzn-Query-Error\": \"Throttling;Sender\"}}]},"
	        " {\"match\": {\"path\": \"/flaky\"}, \"responses\": [{\"status\": 503, \"body\": \"busy\"}, {\"status\": 200, \"body\": \"fine\"}]},"
	        " {\"match\": {\"path\": \"/cut\"}, \"responses\": [{\"status\": 200, \"body\": \"0123456789abcdef\", \"truncate\": true}]},"
	        " {\"match\": {\"path\": \"/hang\"}, \"responses\": [{\"hang\": true}]},"
	        " {\"match\": {\"path\": \"/close\"}, \"responses\": [{\"close\": true}]},"
	        " {\"match\": {\"path\": \"/big\"}, \"responses\": [{\"body\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}]},"
	        " {\"match\": {\"path\": \"/big-chunked\"}, \"responses\": [{\"body\": \"xxxxxxxx\", \"repeat\": 1000, \"chunked\": true}]}"
	        "]}");
	return 0;
}

static int teardown(void **state)
{
	it_responder_stop(*state);
	return 0;
}

static void url(char *buf, size_t n, const it_responder *r, const char *path)
{
	snprintf(buf, n, "%s%s", r->url, path);
}

static void test_http__post_records_body_headers_and_reads_answer(void **state)
{
	it_responder *r = *state;
	const char *hdrs[] = { "Content-Type: application/json", "Idempotency-Key: k-1", NULL };
	char u[128], h[64];
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	json_t *reqs, *last;

	url(u, sizeof(u), r, "/ok");
	req.url = u;
	req.headers = hdrs;
	req.body = "{\"a\":1}";
	req.body_len = 7;
	req.what = "the test webhook";
	it_responder_clear(r);
	assert_int_equal(kpi__http_do(&resp, &req, &err), 0);
	assert_int_equal(resp.status, 202);
	assert_string_equal(resp.body.data, "{\"status\":\"success\"}");
	assert_non_null(kpi__http_header(&resp, "x-amzn-query-error", h, sizeof(h)));
	assert_string_equal(h, "Throttling;Sender");
	assert_null(kpi__http_header(&resp, "x-missing", h, sizeof(h)));
	reqs = it_responder_requests(r);
	assert_int_equal(json_array_size(reqs), 1);
	last = json_array_get(reqs, 0);
	assert_string_equal(json_string_value(json_object_get(last, "method")), "POST");
	assert_string_equal(json_string_value(json_object_get(last, "body")), "{\"a\":1}");
	assert_string_equal(json_string_value(json_object_get(json_object_get(last, "headers"), "idempotency-key")), "k-1");
	json_decref(reqs);
	kpi__http_resp_release(&resp);
}

static void test_http__status_is_returned_not_judged(void **state)
{
	it_responder *r = *state;
	char u[128];
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;

	url(u, sizeof(u), r, "/flaky");
	req.url = u;
	req.what = "the flaky peer";
	assert_int_equal(kpi__http_do(&resp, &req, &err), 0);
	assert_int_equal(resp.status, 503);
	assert_true(kpi__http_retryable(resp.status));
	assert_int_equal(kpi__http_do(&resp, &req, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.data, "fine");
	assert_false(kpi__http_retryable(400));
	assert_true(kpi__http_retryable(429));
	kpi__http_resp_release(&resp);
}

static void test_http__truncated_body_is_a_source_error(void **state)
{
	it_responder *r = *state;
	char u[128];
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;

	url(u, sizeof(u), r, "/cut");
	req.url = u;
	req.what = "CloudWatch GetMetricData";
	assert_int_equal(kpi__http_do(&resp, &req, &err), KPI_ESOURCE);
	assert_non_null(strstr(err.message, "CloudWatch GetMetricData: "));
	assert_null(strstr(err.message, "/cut"));
	kpi__http_resp_release(&resp);
}

static void test_http__hanging_peer_times_out_within_the_deadline(void **state)
{
	it_responder *r = *state;
	char u[128];
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	struct timespec t0, t1;
	double s;

	url(u, sizeof(u), r, "/hang");
	req.url = u;
	req.timeout_ms = 500;
	req.what = "the hanging peer";
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(kpi__http_do(&resp, &req, &err), KPI_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(s < 3.0);
	assert_non_null(strstr(err.message, "the hanging peer: no complete answer within 500 ms"));
	kpi__http_resp_release(&resp);
}

static void test_http__closed_connection_and_refused_port(void **state)
{
	it_responder *r = *state;
	char u[128];
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;

	url(u, sizeof(u), r, "/close");
	req.url = u;
	req.what = "the closing peer";
	assert_int_equal(kpi__http_do(&resp, &req, &err), KPI_ESOURCE);
	/* Port 1 on loopback: nothing listens there. */
	req.url = "http://127.0.0.1:1/secret-token-in-path";
	req.what = "the Slack webhook";
	assert_int_equal(kpi__http_do(&resp, &req, &err), KPI_ESOURCE);
	assert_non_null(strstr(err.message, "the Slack webhook: "));
	assert_null(strstr(err.message, "secret-token"));
	kpi__http_resp_release(&resp);
}

static void test_http__body_over_the_limit_is_refused(void **state)
{
	it_responder *r = *state;
	char u[128];
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;

	url(u, sizeof(u), r, "/big");
	req.url = u;
	req.max_response = 16;
	req.what = "the big peer";
	/* its own code: a malformed answer, not worth asking again */
	assert_int_equal(kpi__http_do(&resp, &req, &err), KPI_EDATA);
	assert_string_equal(err.message, "the big peer: malformed answer: larger than 16 bytes");
	kpi__http_resp_release(&resp);
	/* without a Content-Length: stopped once it has read past the cap */
	url(u, sizeof(u), r, "/big-chunked");
	req.max_response = 4096;
	assert_int_equal(kpi__http_do(&resp, &req, &err), KPI_EDATA);
	assert_string_equal(err.message, "the big peer: malformed answer: larger than 4096 bytes");
	assert_true(resp.body.len <= 4096);
	kpi__http_resp_release(&resp);
	/* under the cap, the same stream is an answer */
	req.max_response = 8000;
	assert_int_equal(kpi__http_do(&resp, &req, &err), 0);
	assert_int_equal(resp.body.len, 8000);
	kpi__http_resp_release(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http__post_records_body_headers_and_reads_answer),
		cmocka_unit_test(test_http__status_is_returned_not_judged),
		cmocka_unit_test(test_http__truncated_body_is_a_source_error),
		cmocka_unit_test(test_http__hanging_peer_times_out_within_the_deadline),
		cmocka_unit_test(test_http__closed_connection_and_refused_port),
		cmocka_unit_test(test_http__body_over_the_limit_is_refused),
	};
	return cmocka_run_group_tests_name("http", tests, setup, teardown);
}
