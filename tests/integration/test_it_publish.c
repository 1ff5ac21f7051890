/*
 * kpi publish with the full default catalogue (templates/catalog.json): the
 * demo dataset in the throwaway PostgreSQL, the CloudWatch KPIs from
 * moto_server (seeded with a week of ALB and SQS metrics), the ALB p95 from
 * a recorded answer (moto has no percentiles) put in front of moto by the
 * responder, which forwards everything else. The Prometheus textfile must
 * pass `promtool check metrics` without a single warning, with a sample for
 * every KPI of the catalogue, under Prometheus names (base units, ratios)
 * whose values are `kpi query`'s converted (days and ms to seconds, % to a
 * ratio).
 *
 * Week: 2026-W46 (2026-11-09 .. 11-16 UTC), published as "last" on
 * Wednesday 2026-11-18.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "it_util.h"
#include "it_cw.h"
#include "it_http.h"
#include "kpi/publish.h"
#include "core/internal.h"

#define W46 1794182400LL
#define W47 (W46 + 604800)
#define H 3600
#define LB "app/kpi-it-full/50dc6c495c0c9188"
#define QUEUE "kpi-it-full-exports"
#define NOW "KPI_NOW=2026-11-18T12:00:00Z"

/* The recorded answer of the weekly p95 query: 0.42 s, i.e. 420 ms. */
#define P95_ANSWER                                                                                           \
	"{\"MetricDataResults\": [{\"Id\": \"q0\", \"Label\": \"TargetResponseTime p95\", \"Timestamps\": "    \
	"[1794182400], \"Values\": [0.42], \"StatusCode\": \"Complete\"}], \"Messages\": []}"

static it_db *db;
static it_responder *front;

static void seed_cloudwatch(void)
{
	int64_t ts[168];
	double v[168];
	/* ALB: 100 requests every hour, 42 5xx in two hours: 0.25 % */
	for (int h = 0; h < 168; h++) {
		ts[h] = W46 + h * H + 60;
		v[h] = 100;
	}
	/* the last hour's requests in its last 5 minutes: the SLO burn-rate
	 * alerts' short windows (5 and 30 minutes before the week's end) have
	 * requests, so every KPI has a sample */
	ts[167] = W47 - 120;
	it_cw_put("AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, ts, v, 168);
	v[0] = 40;
	v[1] = 2;
	ts[1] = W46 + 100 * H + 60;
	it_cw_put("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", LB, ts, v, 2);
	/* SQS, every hour (no gap): depth h % 7 (max 6), oldest age 30 * (h % 5) (max 120 s) */
	for (int h = 0; h < 168; h++) {
		ts[h] = W46 + h * H + 120;
		v[h] = h % 7;
	}
	it_cw_put("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", QUEUE, ts, v, 168);
	for (int h = 0; h < 168; h++)
		v[h] = 30 * (h % 5);
	it_cw_put("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", QUEUE, ts, v, 168);
	/* the CloudWatch agent of one host (KPI_CW_HOSTS=discover): memory 61 %, / at 70 % */
	{
		static const char *const mem[] = { "InstanceId", "i-0kpiitfull", NULL };
		static const char *const disk[] = { "InstanceId", "i-0kpiitfull", "path", "/", "device", "nvme0n1p1",
			                            "fstype", "ext4", NULL };
		int64_t t = W46 + 30 * H;
		double mv = 61, dv = 70;
		it_cw_put_dims("CWAgent", "mem_used_percent", mem, &t, &mv, 1);
		it_cw_put_dims("CWAgent", "disk_used_percent", disk, &t, &dv, 1);
	}
}

static int setup(void **state)
{
	kpi_error err = KPI_ERROR_INIT;
	const char *moto = getenv("KPI_TEST_MOTO_URL");
	char script[1024];
	(void)state;
	it_moto_api(moto, "/moto-api/reset-auth", "1000000000");
	it_moto_api(moto, "/moto-api/reset", "");
	it_aws_env(moto);
	seed_cloudwatch();
	db = it_db_create("publish_full");
	if (kpi_seed(db->cfg, "demo", 1, true, &err))
		fail_msg("kpi_seed demo: %s", err.message);
	{
		json_t *sc = json_pack("{s:[{s:{s:s}, s:[{s:s}]}], s:{s:s}}", "rules", "match", "body", "\"Stat\":\"p95\"",
		                       "responses", "body", P95_ANSWER, "default", "proxy", moto);
		char *t = json_dumps(sc, JSON_COMPACT);
		snprintf(script, sizeof(script), "%s", t);
		free(t);
		json_decref(sc);
	}
	front = it_responder_start(script);
	it_aws_env(front->url);
	setenv("KPI_CW_LOAD_BALANCER", LB, 1);
	setenv("KPI_CW_QUEUES", QUEUE, 1);
	setenv("KPI_CW_HOSTS", "discover", 1);
	setenv("KPI_CW_DEADLINE_SECONDS", "20", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	it_responder_stop(front);
	it_db_drop(db);
	return 0;
}

/* promtool's verdict on a textfile: its exit status, what it printed. */
static int promtool(const char *path, char *out, size_t n)
{
	char cmd[600];
	FILE *p;
	size_t len = 0;
	int st;
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' 2>&1", path);
	assert_non_null(p = popen(cmd, "r"));
	while (len + 1 < n && fgets(out + len, (int)(n - len), p))
		len += strlen(out + len);
	out[len] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* One sample line of the textfile: its family name, its labels sorted as
 * "k=v,k=v", its value. */
typedef struct sample {
	char name[192];
	char labels[512];
	double value;
} sample;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "a=x,b=y" from parts (sorted in place). */
static void join_sorted(char *dst, size_t n, char **parts, size_t k)
{
	size_t off = 0;
	qsort(parts, k, sizeof(*parts), cmp_str);
	dst[0] = '\0';
	for (size_t i = 0; i < k && off < n; i++)
		off += (size_t)snprintf(dst + off, n - off, "%s%s", i ? "," : "", parts[i]);
}

static size_t parse_samples(const char *text, sample **out)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n'), *sp, *brace;
		char line[1024], *parts[16];
		size_t k = 0, len = eol ? (size_t)(eol - p) : strlen(p);
		sample *s;
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p = eol ? eol + 1 : NULL;
		if (!line[0] || line[0] == '#')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = realloc(*out, cap * sizeof(**out));
		}
		s = &(*out)[n++];
		sp = strrchr(line, ' ');
		assert_non_null(sp);
		s->value = strtod(sp + 1, NULL);
		line[sp - line] = '\0';
		brace = strchr(line, '{');
		s->labels[0] = '\0';
		if (brace) {
			char *b = line + (brace - line), *tok, *save = NULL;
			*b = '\0';
			b[strlen(b + 1)] = '\0'; /* the closing brace */
			for (tok = strtok_r(b + 1, ",", &save); tok && k < 16; tok = strtok_r(NULL, ",", &save)) {
				char *q = strchr(tok, '=');
				assert_non_null(q);
				/* k="v" -> k=v */
				memmove(q + 1, q + 2, strlen(q + 2) + 1);
				tok[strlen(tok) - 1] = '\0';
				parts[k++] = tok;
			}
			join_sorted(s->labels, sizeof(s->labels), parts, k);
		}
		snprintf(s->name, sizeof(s->name), "%s", line);
	}
	return n;
}

static const sample *find_sample(const sample *s, size_t n, const char *name, const char *labels)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0 && strcmp(s[i].labels, labels) == 0)
			return &s[i];
	return NULL;
}

/* The sorted labels of a row's sample: its labels and, of a summary `m`,
 * a percentile `stat` as `quantile` and the metric's quantile, and `extra`
 * ("kpi=x", "status=y"; NULL-terminated). */
static void row_labels(char *dst, size_t n, const json_t *labels, const kpi_prom_metric *m, const char *const *extra)
{
	const char *k;
	json_t *v;
	char buf[20][128], *parts[20], q[16];
	size_t i = 0;
	json_object_foreach((json_t *)labels, k, v) {
		if (i == 16)
			break;
		if (m && m->summary && strcmp(k, "stat") == 0 && kpi_prom_quantile(q, sizeof(q), json_string_value(v)))
			snprintf(buf[i], sizeof(buf[i]), "quantile=%s", q);
		else
			snprintf(buf[i], sizeof(buf[i]), "%s=%s", k, json_string_value(v));
		parts[i] = buf[i];
		i++;
	}
	if (m && m->quantile[0]) {
		snprintf(buf[i], sizeof(buf[i]), "quantile=%s", m->quantile);
		parts[i] = buf[i];
		i++;
	}
	for (; extra && *extra; extra++) {
		snprintf(buf[i], sizeof(buf[i]), "%s", *extra);
		parts[i] = buf[i];
		i++;
	}
	join_sorted(dst, n, parts, i);
}

static void test_publish__full_catalogue_textfile_passes_promtool(void **state)
{
	char *prom = it_write_tmp("full.prom", ""), *text = NULL, lint[4096];
	const char *argv[] = { "kpi", "publish", "--week", "last", "--cloudwatch", "--namespace", "KPI-IT-FULL",
		               "--prom-textfile", prom, "--db", db->conninfo, NULL };
	const char *qargv[] = { "kpi", "query", "all", "--week", "2026-W46", "--format", "json", "--db",
		                db->conninfo, NULL };
	const char *env[] = { NOW, "KPI_CATALOG", "KPI_CONFIG", NULL };
	it_run_result run, q;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	sample *samples;
	size_t ns, compared = 0;
	json_t *doc, *kpis, *k;
	size_t i;
	double *v;
	bool *p;
	(void)state;

	unlink(prom);
	it_run(&run, argv, env, 120);
	if (run.status != 0)
		fail_msg("kpi publish exited %d: %s", run.status, run.err);
	it_run_free(&run);
	if (promtool(prom, lint, sizeof(lint)) != 0 || lint[0])
		fail_msg("promtool check metrics is not content with the full catalogue's textfile:\n%s", lint);

	assert_int_equal(kpi__read_file(&text, NULL, prom, NULL), 0);
	ns = parse_samples(text, &samples);
	/* no unit in a name that Prometheus' conventions reject (the HELP texts
	 * still name the KPI ids) */
	for (size_t s = 0; s < ns; s++) {
		static const char *const bad[] = { "_days", "_ms", "_pct", "_percent", "_milliseconds", NULL };
		for (const char *const *b = bad; *b; b++)
			if (strstr(samples[s].name, *b))
				fail_msg("metric %s: %s is not a Prometheus base unit", samples[s].name, *b + 1);
	}
	assert_contains(text, "kpi_api_latency_seconds{load_balancer=\"" LB "\",quantile=\"0.95\"} 0.42\n");
	assert_contains(text, "# TYPE kpi_api_latency_seconds summary\n");
	assert_contains(text, "# TYPE kpi_job_latency_seconds summary\n");
	assert_contains(text, "kpi_job_latency_seconds{kind=\"preview\",path=\"legacy\",quantile=\"0.95\"} ");
	assert_contains(text, "kpi_api_latency_seconds_threshold 0.5\n");
	assert_contains(text, "kpi_api_error_ratio_threshold 0.01\n");
	assert_contains(text, "kpi_api_error_ratio{load_balancer=\"" LB "\"} 0.0025\n");
	assert_contains(text, "kpi_sqs_queue_depth{queue=\"" QUEUE "\"} 6\n");
	assert_contains(text, "kpi_sqs_oldest_message_age_seconds{queue=\"" QUEUE "\"} 120\n");

	/* every KPI of the shipped catalogue has a sample (so promtool saw every name) */
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/templates/catalog.json", KPI_SOURCE_DIR);
		if (kpi_catalog_load(&cat, path, &err))
			fail_msg("%s", err.message);
	}
	for (size_t d = 0; d < cat->nkpis; d++) {
		kpi_prom_metric m;
		bool seen = false;
		kpi_prom_metric_of(&m, &cat->kpis[d]);
		for (size_t s = 0; s < ns; s++)
			seen = seen || strcmp(samples[s].name, m.name) == 0;
		if (!seen)
			fail_msg("KPI %s: no sample of %s in the textfile:\n%s", cat->kpis[d].id, m.name, text);
	}

	/* one verdict of three is 1 */
	{
		double sum = 0;
		int n = 0;
		for (size_t s = 0; s < ns; s++)
			if (strcmp(samples[s].name, "kpi_verdict") == 0) {
				sum += samples[s].value;
				n++;
			}
		assert_int_equal(n, 3);
		assert_true(sum == 1);
	}
	/* the values are kpi query's, converted; every row has its status */
	it_run(&q, qargv, env, 120);
	if (q.status != 0)
		fail_msg("kpi query all exited %d: %s", q.status, q.err);
	assert_non_null(doc = json_loads(q.out, 0, NULL));
	kpis = json_object_get(doc, "kpis");
	assert_int_equal(json_array_size(kpis), cat->nkpis);
	json_array_foreach(kpis, i, k) {
		const kpi_def *def = kpi_catalog_find(cat, json_string_value(json_object_get(k, "kpi")));
		kpi_prom_metric m;
		size_t r;
		json_t *row;
		assert_non_null(def);
		kpi_prom_metric_of(&m, def);
		json_array_foreach(json_object_get(k, "rows"), r, row) {
			const char *st = json_string_value(json_object_get(row, "status"));
			const json_t *val = json_object_get(row, "value");
			char lb[512], slb[640], kl[160], sl[64];
			const char *extra[] = { kl, sl, NULL };
			const sample *s, *sst;
			row_labels(lb, sizeof(lb), json_object_get(row, "labels"), &m, NULL);
			snprintf(kl, sizeof(kl), "kpi=%s", def->id);
			snprintf(sl, sizeof(sl), "status=%s", st);
			row_labels(slb, sizeof(slb), json_object_get(row, "labels"), NULL, extra);
			s = find_sample(samples, ns, m.name, lb);
			/* every row has its status, 1 */
			sst = find_sample(samples, ns, "kpi_status", slb);
			if (!sst || sst->value != 1)
				fail_msg("kpi_status{%s} is not 1 in the textfile", slb);
			if (json_is_null(val) || strcmp(st, "no_data") == 0 || strcmp(st, "not_applicable") == 0) {
				assert_null(s);
				continue;
			}
			if (!s)
				fail_msg("%s{%s} missing from the textfile", m.name, lb);
			{
				double want = json_number_value(val) * m.mul / m.div;
				if (fabs(s->value - want) > 1e-12 * fmax(1, fabs(want)))
					fail_msg("%s{%s} = %.17g, expected %.17g (%s %s)", m.name, lb, s->value, want,
					         def->id, def->unit);
			}
			compared++;
		}
	}
	assert_true(compared >= 30);
	json_decref(doc);
	it_run_free(&q);

	/* CloudWatch keeps the KPI ids and units: the days value, as computed */
	{
		it_aws_env(getenv("KPI_TEST_MOTO_URL"));
		it_cw_get("KPI-IT-FULL", "api_latency_p95_ms", "load_balancer", LB, "Maximum", W47 - H, W47 + H, H, &v,
		          &p);
		assert_true(p[1]);
		assert_true(fabs(v[1] - 420) < 1e-9);
		free(v);
		free(p);
		it_aws_env(front->url);
	}
	free(samples);
	free(text);
	kpi_catalog_free(cat);
	unlink(prom);
	free(prom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish__full_catalogue_textfile_passes_promtool),
	};
	if (!it_pg_wanted("integration_publish"))
		return IT_SKIP;
	if (!it_moto_wanted("integration_publish"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("publish", tests, setup, teardown);
}
