#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "it_cw.h"
#include "it_util.h"
#include "sources/cloudwatch/cw.h"

/* kpi__aws_resolve with the process environment as it is now (the tests
 * set variables between calls; the library reads a config's copy). */
int aws_resolve_env(kpi__aws *a, const kpi__aws_service *svc, const char *fallback, kpi_error *err)
{
	extern char **environ;
	kpi_config *cfg = NULL;
	int rc = kpi_config_load_env(&cfg, NULL, (const char *const *)environ, err);
	if (rc == 0)
		rc = kpi__aws_resolve(a, cfg, svc, fallback, err);
	kpi_config_free(cfg);
	return rc;
}

static const char *const cleared[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
	"AWS_DEFAULT_REGION", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_CLOUDWATCH", "KPI_CW_LOAD_BALANCER", "KPI_CW_QUEUES", "KPI_CW_HOSTS", "KPI_CW_DEADLINE_SECONDS",
	"KPI_CW_RETRY_BASE_SECONDS", "KPI_CW_RETRY_MAX_SECONDS", "KPI_CW_REQUEST_TIMEOUT_SECONDS",
	"KPI_PUBLISH_NAMESPACE", "KPI_CONFIG", "KPI_CATALOG", "KPI_NOW", "KPI_TIMEZONE",
	/* the rest of the credential chain (a CI runner on EC2/EKS may set them) */
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ENDPOINT_URL_STS", NULL,
};

void it_cw_clean_env(void)
{
	for (const char *const *e = cleared; *e; e++)
		unsetenv(*e);
	if (!getenv("KPI_DATADIR"))
		setenv("KPI_DATADIR", KPI_SOURCE_DIR, 1);
	atexit(it_tmp_cleanup);
}

bool it_moto_wanted(const char *suite)
{
	const char *v = getenv("KPI_TEST_MOTO_URL");
	it_cw_clean_env();
	if (v && *v)
		return true;
	fprintf(stderr, "%s: skipped: KPI_TEST_MOTO_URL is not set (scripts/test starts moto_server and sets it)\n",
	        suite);
	return false;
}

static char home[64];

static void remove_home(void)
{
	if (home[0])
		rmdir(home);
}

void it_aws_env(const char *url)
{
	if (!home[0]) {
		snprintf(home, sizeof(home), "/tmp/kpi-it-home.XXXXXX");
		assert_non_null(mkdtemp(home));
		atexit(remove_home);
	}
	setenv("HOME", home, 1);
	setenv("AWS_ACCESS_KEY_ID", IT_AWS_KEY, 1);
	setenv("AWS_SECRET_ACCESS_KEY", IT_AWS_SECRET, 1);
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("AWS_ENDPOINT_URL", url, 1);
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
}

static void resolve(kpi__aws *aws)
{
	kpi_error err = KPI_ERROR_INIT;
	if (aws_resolve_env(aws, &kpi__aws_cloudwatch, NULL, &err))
		fail_msg("AWS set-up: %s", err.message);
}

void it_cw_put(const char *ns, const char *metric, const char *dim, const char *value, const int64_t *ts,
               const double *v, size_t n)
{
	const char *dims[] = { dim, value, NULL };
	it_cw_put_dims(ns, metric, dims, ts, v, n);
}

void it_cw_put_dims(const char *ns, const char *metric, const char *const *dims, const int64_t *ts, const double *v,
                    size_t n)
{
	kpi__aws aws;
	resolve(&aws);
	for (size_t a = 0; a < n; a += 500) {
		json_t *data = json_array(), *body;
		char *text;
		kpi__http_resp resp = KPI__HTTP_RESP_INIT;
		kpi_error err = KPI_ERROR_INIT;
		for (size_t i = a; i < n && i < a + 500; i++) {
			json_t *d = json_array();
			for (size_t k = 0; dims[k]; k += 2)
				json_array_append_new(d, json_pack("{s:s, s:s}", "Name", dims[k], "Value", dims[k + 1]));
			json_array_append_new(data, json_pack("{s:s, s:o, s:I, s:f}", "MetricName", metric, "Dimensions", d,
			                                      "Timestamp", (json_int_t)ts[i], "Value", v[i]));
		}
		body = json_pack("{s:s, s:o}", "Namespace", ns, "MetricData", data);
		text = json_dumps(body, JSON_COMPACT);
		if (kpi__aws_call(&resp, &aws, "application/x-amz-json-1.0",
		                  "GraniteServiceVersion20100801.PutMetricData", text, strlen(text), "test PutMetricData",
		                  NULL, NULL, &err))
			fail_msg("seeding %s/%s: %s", ns, metric, err.message);
		free(text);
		json_decref(body);
		kpi__http_resp_release(&resp);
	}
	kpi__aws_release(&aws);
}

void it_cw_get(const char *ns, const char *metric, const char *dim, const char *value, const char *stat,
               int64_t t0, int64_t t1, int period, double **values, bool **present)
{
	kpi__cw_metric m = { KPI__CW_VALUE, (char *)ns, (char *)metric, (char *)stat, false, KPI__BOUNDS_INIT };
	kpi__cw_unit u;
	kpi__aws aws;
	kpi_error err = KPI_ERROR_INIT;
	resolve(&aws);
	if (kpi__cw_unit_init(&u, "read-back", &m, dim, value, t0, t1, period, &err) ||
	    kpi__cw_run(&u, 1, &aws, NULL, (int64_t)time(NULL), NULL, &err))
		fail_msg("GetMetricData %s/%s: %s", ns, metric, err.message);
	*values = calloc(u.n + 1, sizeof(double));
	*present = calloc(u.n + 1, sizeof(bool));
	for (size_t i = 0; i < u.n; i++) {
		(*values)[i] = u.values[i];
		(*present)[i] = (u.flags[i] & KPI__CW_PRESENT) != 0;
	}
	kpi__cw_unit_release(&u);
	kpi__aws_release(&aws);
}

char *it_cw_catalog(const char *const *without)
{
	return it_source_catalog("cloudwatch", without);
}

char *it_source_catalog(const char *source, const char *const *without)
{
	char path[512], name[96];
	json_t *doc, *kpis, *keep = json_array(), *k;
	size_t i;
	char *text, *out;
	snprintf(path, sizeof(path), "%s/templates/catalog.json", KPI_SOURCE_DIR);
	doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);
	kpis = json_object_get(doc, "kpis");
	json_array_foreach(kpis, i, k) {
		const char *src = json_string_value(json_object_get(k, "source"));
		const char *id = json_string_value(json_object_get(k, "id"));
		bool skip = false;
		for (const char *const *w = without; w && *w; w++)
			skip = skip || strcmp(*w, id) == 0;
		if (src && strcmp(src, source) == 0 && !skip)
			json_array_append(keep, k);
	}
	json_object_set_new(doc, "kpis", keep);
	text = json_dumps(doc, JSON_INDENT(1));
	snprintf(name, sizeof(name), "catalog_%s.json", source);
	out = it_write_tmp(name, text);
	free(text);
	json_decref(doc);
	return out;
}

void it_moto_api(const char *url, const char *path, const char *body)
{
	const char *hdrs[] = { "Content-Type: text/plain", NULL };
	char u[256];
	kpi__http_req req = { 0 };
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	snprintf(u, sizeof(u), "%s%s", url, path);
	req.url = u;
	req.headers = hdrs;
	req.body = body;
	req.body_len = strlen(body);
	req.what = "moto-api";
	if (kpi__http_do(&resp, &req, &err) || resp.status >= 300)
		fail_msg("moto-api %s: %s (HTTP %ld)", path, err.message, resp.status);
	kpi__http_resp_release(&resp);
}

void it_xml_field(char *dst, size_t n, const char *xml, const char *tag)
{
	char open[64], close[64];
	const char *b, *e;
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	b = strstr(xml, open);
	assert_non_null(b);
	b += strlen(open);
	e = strstr(b, close);
	assert_non_null(e);
	snprintf(dst, n, "%.*s", (int)(e - b), b);
}

/* An IAM user allowed everything, and its access key (moto's IAM, query protocol). */
void it_moto_iam_key(char *id, size_t idn, char *secret, size_t sn)
{
	static const kpi__aws_service iam = { "iam", "IAM", "iam", "IAM" };
	const char *bodies[] = {
		"Action=CreateUser&Version=2010-05-08&UserName=kpi-it",
		"Action=PutUserPolicy&Version=2010-05-08&UserName=kpi-it&PolicyName=all&PolicyDocument="
		"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
		"%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D",
		"Action=CreateAccessKey&Version=2010-05-08&UserName=kpi-it",
	};
	kpi__aws aws;
	kpi_error err = KPI_ERROR_INIT;
	assert_int_equal(aws_resolve_env(&aws, &iam, NULL, &err), 0);
	for (int i = 0; i < 3; i++) {
		kpi__http_resp resp = KPI__HTTP_RESP_INIT;
		if (kpi__aws_call(&resp, &aws, "application/x-www-form-urlencoded", NULL, bodies[i], strlen(bodies[i]),
		                  "IAM", NULL, NULL, &err))
			fail_msg("IAM set-up: %s", err.message);
		if (i == 2) {
			it_xml_field(id, idn, resp.body.data, "AccessKeyId");
			it_xml_field(secret, sn, resp.body.data, "SecretAccessKey");
		}
		kpi__http_resp_release(&resp);
	}
	kpi__aws_release(&aws);
}

void it_cw_put_alb_minutes(const char *lb, int64_t t, int m0, int m1, double req, double err5xx)
{
	int64_t ts[16];
	double rv[16], ev[16];
	size_t n = 0;
	for (int m = m0; m < m1 && n < 16; m++, n++) {
		ts[n] = t + (int64_t)m * 60;
		rv[n] = req;
		ev[n] = err5xx;
	}
	it_cw_put("AWS/ApplicationELB", "RequestCount", "LoadBalancer", lb, ts, rv, n);
	if (err5xx > 0)
		it_cw_put("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", lb, ts, ev, n);
}
