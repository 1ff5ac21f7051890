/* GetMetricData for the CloudWatch source (cw.h): units (one metric series
 * over a range), the batching plan within the API's limits, request bodies,
 * responses applied to the units, and running a plan with retries and
 * NextToken to the end. */
#include "sources/cloudwatch/cw.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400

/* ---- units and plans ---- */

int kpi__cw_unit_init(kpi__cw_unit *u, const char *kpi, const kpi__cw_metric *m, const char *dimension,
                      const char *dim_value, int64_t t0, int64_t t1, int period, kpi_error *err)
{
	memset(u, 0, sizeof(*u));
	if (period <= 0 || t1 <= t0 || (t1 - t0) % period != 0)
		return kpi_error_set(err, KPI_EUSAGE, "KPI %s: range [%lld, %lld) is not a whole number of %d-s periods",
		                     kpi, (long long)t0, (long long)t1, period);
	u->kpi = kpi;
	u->metric = m;
	u->dimension = dimension;
	u->dim_value = dim_value;
	u->t0 = t0;
	u->t1 = t1;
	u->period = period;
	u->n = (size_t)((t1 - t0) / period);
	u->values = calloc(u->n, sizeof(*u->values));
	u->flags = calloc(u->n, sizeof(*u->flags));
	if (!u->values || !u->flags) {
		kpi__cw_unit_release(u);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

void kpi__cw_unit_release(kpi__cw_unit *u)
{
	if (!u)
		return;
	free(u->values);
	free(u->flags);
	u->values = NULL;
	u->flags = NULL;
}

int kpi__cw_granularity(int64_t start, int64_t now)
{
	int64_t age = now - start;
	if (age < 15 * DAY)
		return 60;
	if (age < 63 * DAY)
		return 300;
	return 3600;
}

void kpi__cw_plan_free(kpi__cw_call *calls, size_t n)
{
	for (size_t i = 0; calls && i < n; i++)
		free(calls[i].units);
	free(calls);
}

static int add_call(kpi__cw_call **calls, size_t *n, size_t *cap, int64_t t0, int64_t t1, const size_t *idx,
                    size_t k, kpi_error *err)
{
	kpi__cw_call *c;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		kpi__cw_call *p = realloc(*calls, nc * sizeof(*p));
		if (!p)
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		*calls = p;
		*cap = nc;
	}
	c = &(*calls)[*n];
	c->t0 = t0;
	c->t1 = t1;
	c->nunits = k;
	if (!(c->units = malloc(k * sizeof(*c->units))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	memcpy(c->units, idx, k * sizeof(*idx));
	(*n)++;
	return 0;
}

static int check_period(const kpi__cw_unit *u, int64_t t0, int64_t now, kpi_error *err)
{
	int g = kpi__cw_granularity(t0, now);
	char when[32];
	if (u->period % g != 0)
		return kpi_error_set(err, KPI_EUSAGE,
		                     "KPI %s: CloudWatch needs a period that is a multiple of %d s for data from %s "
		                     "(%lld days ago), not %d s",
		                     u->kpi, g, kpi_time_format(when, sizeof(when), t0), (long long)((now - t0) / DAY),
		                     u->period);
	if (t0 % g != 0)
		return kpi_error_set(err, KPI_EUSAGE,
		                     "KPI %s: a request starting %s would be rounded down by CloudWatch to a %d-s "
		                     "boundary (weeks of this time zone do not start on whole UTC hours?)",
		                     u->kpi, kpi_time_format(when, sizeof(when), t0), g);
	return 0;
}

int kpi__cw_plan(kpi__cw_call **out, size_t *ncalls, const kpi__cw_unit *units, size_t nunits, int64_t now,
                 kpi_error *err)
{
	kpi__cw_call *calls = NULL;
	size_t n = 0, cap = 0, *idx = NULL, *group = NULL;
	bool *done = NULL;
	int rc = 0;

	*out = NULL;
	*ncalls = 0;
	idx = calloc(nunits + 1, sizeof(*idx));
	group = calloc(nunits + 1, sizeof(*group));
	done = calloc(nunits + 1, sizeof(*done));
	if (!idx || !group || !done) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nunits; i++) {
		const kpi__cw_unit *u = &units[i];
		size_t k = 0, pts = u->n, per;
		if (done[i])
			continue;
		/* Units of the same range and period share calls. */
		for (size_t j = i; j < nunits; j++)
			if (!done[j] && units[j].t0 == u->t0 && units[j].t1 == u->t1 && units[j].period == u->period) {
				group[k++] = j;
				done[j] = true;
			}
		if (pts <= KPI__CW_MAX_DATAPOINTS) {
			/* The whole range in each call, as many queries as fit. */
			per = KPI__CW_MAX_DATAPOINTS / pts;
			if (per > KPI__CW_MAX_QUERIES)
				per = KPI__CW_MAX_QUERIES;
			if ((rc = check_period(u, u->t0, now, err)))
				goto done;
			for (size_t a = 0; a < k; a += per) {
				size_t m = k - a < per ? k - a : per;
				if ((rc = add_call(&calls, &n, &cap, u->t0, u->t1, group + a, m, err)))
					goto done;
			}
		} else {
			/* One query alone returns too much: split the range on period
			 * boundaries so each call stays within the datapoint limit. */
			size_t chunk;
			per = k < KPI__CW_MAX_QUERIES ? k : KPI__CW_MAX_QUERIES;
			chunk = KPI__CW_MAX_DATAPOINTS / per;
			for (size_t a = 0; a < k; a += per) {
				size_t m = k - a < per ? k - a : per;
				for (int64_t t = u->t0; t < u->t1; t += (int64_t)chunk * u->period) {
					int64_t e = t + (int64_t)chunk * u->period;
					if (e > u->t1)
						e = u->t1;
					if ((rc = check_period(u, t, now, err)) ||
					    (rc = add_call(&calls, &n, &cap, t, e, group + a, m, err)))
						goto done;
				}
			}
		}
	}
	*out = calls;
	*ncalls = n;
	calls = NULL;
done:
	kpi__cw_plan_free(calls, n);
	free(idx);
	free(group);
	free(done);
	return rc;
}

/* ---- requests and responses ---- */

int kpi__cw_request_body(kpi_buf *out, const kpi__cw_call *call, const kpi__cw_unit *units, const char *next_token,
                         bool pretty, kpi_error *err)
{
	json_t *root = json_object(), *qs = json_array();
	char *text = NULL;
	int rc = 0;

	if (!root || !qs) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < call->nunits; i++) {
		const kpi__cw_unit *u = &units[call->units[i]];
		char id[32];
		json_t *q;
		json_t *dims = json_array();
		snprintf(id, sizeof(id), "q%zu", i);
		/* a discovered series is asked with all the dimensions it was listed with */
		for (size_t d = 0; dims && d < (u->dims ? u->dims->n : 1); d++)
			json_array_append_new(dims, json_pack("{s:s, s:s}", "Name", u->dims ? u->dims->names[d] : u->dimension,
			                                      "Value", u->dims ? u->dims->values[d] : u->dim_value));
		q = json_pack("{s:s, s:{s:{s:s, s:s, s:o}, s:i, s:s}, s:b}", "Id", id, "MetricStat", "Metric", "Namespace",
		              u->metric->namespace_, "MetricName", u->metric->name, "Dimensions", dims, "Period", u->period,
		              "Stat", u->metric->stat, "ReturnData", 1);
		if (!q || json_array_append_new(qs, q)) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
	}
	json_object_set_new(root, "MetricDataQueries", qs);
	qs = NULL;
	json_object_set_new(root, "StartTime", json_integer(call->t0));
	json_object_set_new(root, "EndTime", json_integer(call->t1));
	json_object_set_new(root, "ScanBy", json_string("TimestampAscending"));
	json_object_set_new(root, "MaxDatapoints", json_integer(KPI__CW_MAX_DATAPOINTS));
	if (next_token)
		json_object_set_new(root, "NextToken", json_string(next_token));
	text = json_dumps(root, JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
	if (!text || kpi_buf_puts(out, text))
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
done:
	free(text);
	json_decref(qs);
	json_decref(root);
	return rc;
}

/* "KPI a" or "KPIs a, b, ..." of a call, for messages. */
static void call_kpis(char *buf, size_t size, const kpi__cw_call *call, const kpi__cw_unit *units)
{
	size_t off = 0, shown = 0;
	const char *seen[4] = { 0 };
	buf[0] = '\0';
	for (size_t i = 0; i < call->nunits && off < size; i++) {
		const char *k = units[call->units[i]].kpi;
		bool dup = false;
		for (size_t j = 0; j < shown; j++)
			dup = dup || strcmp(seen[j], k) == 0;
		if (dup)
			continue;
		if (shown == 3) {
			snprintf(buf + off, size - off, ", ...");
			break;
		}
		seen[shown++] = k;
		off += (size_t)snprintf(buf + off, size - off, "%s%s", shown > 1 ? ", " : "", k);
	}
}

static int bad_answer(kpi_error *err, const kpi__cw_call *call, const kpi__cw_unit *units, const char *what)
{
	char kpis[200];
	call_kpis(kpis, sizeof(kpis), call, units);
	return kpi_error_set(err, KPI_EDATA, "KPI %s: malformed CloudWatch GetMetricData answer: %s", kpis, what);
}

int kpi__cw_unit_bad(kpi_error *err, const kpi__cw_unit *u, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return kpi_error_set(err, KPI_EDATA, "KPI %s: malformed CloudWatch GetMetricData answer: %s (%s, %s, %s=%s): %s",
	                     u->kpi, u->metric->name, u->metric->namespace_, u->metric->stat, u->dimension, u->dim_value,
	                     what);
}

int kpi__cw_unit_bounds(kpi_error *err, const kpi__cw_unit *u, double t, double v)
{
	char when[40], why[96];
	if (!kpi__bounds_check(&u->metric->bounds, v, why, sizeof(why)))
		return 0;
	return kpi__cw_unit_bad(err, u, "the datapoint at %s is %.15g: %s", kpi__answer_time(when, sizeof(when), t), v,
	                        why);
}

/* Check one datapoint of unit u's result in an answer to `call`, then store
 * it. Times are checked as numbers before any conversion to seconds. */
static int apply_point(kpi__cw_unit *u, const kpi__cw_call *call, const json_t *t, const json_t *v, kpi_error *err)
{
	double tv = json_number_value(t), vv = json_number_value(v);
	char when[40], a[32], b[32];
	int64_t at;
	size_t slot;

	if (!json_is_number(t))
		return kpi__cw_unit_bad(err, u, "a timestamp that is not a number");
	kpi__answer_time(when, sizeof(when), tv);
	if (!json_is_number(v))
		return kpi__cw_unit_bad(err, u, "the datapoint at %s has a value that is not a number", when);
	if (!kpi__answer_seconds(&at, tv))
		return kpi__cw_unit_bad(err, u, "a datapoint at %s (value %.15g): not a whole second of a time kpi can represent", when, vv);
	if (at < call->t0 || at >= call->t1)
		return kpi__cw_unit_bad(err, u, "a datapoint at %s (value %.15g), outside the requested %s..%s", when, vv,
		                kpi_time_format(a, sizeof(a), call->t0), kpi_time_format(b, sizeof(b), call->t1));
	if ((at - u->t0) % u->period != 0)
		return kpi__cw_unit_bad(err, u, "a datapoint at %s (value %.15g), not at the start of a requested %d-s period", when,
		                vv, u->period);
	slot = (size_t)((at - u->t0) / u->period);
	if (u->flags[slot] & KPI__CW_PRESENT)
		return kpi__cw_unit_bad(err, u, "two datapoints at %s", when);
	if (kpi__cw_unit_bounds(err, u, tv, vv))
		return KPI_EDATA;
	u->values[slot] = vv;
	u->flags[slot] |= KPI__CW_PRESENT;
	return 0;
}

int kpi__cw_response_apply(kpi__cw_unit *units, const kpi__cw_call *call, const char *body, size_t len,
                           char **next_token, kpi_error *err)
{
	json_error_t je;
	json_t *doc = json_loadb(body, len, 0, &je), *results, *r, *tok;
	bool *seen = NULL;
	size_t i;
	int rc = 0;

	*next_token = NULL;
	if (!doc) {
		char what[256];
		snprintf(what, sizeof(what), "not JSON (%s at byte %d)", je.text, je.position);
		return bad_answer(err, call, units, what);
	}
	results = json_object_get(doc, "MetricDataResults");
	if (!json_is_object(doc) || !json_is_array(results)) {
		rc = bad_answer(err, call, units, "no MetricDataResults array");
		goto done;
	}
	if (!(seen = calloc(call->nunits + 1, sizeof(*seen)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	json_array_foreach(results, i, r) {
		const char *id = json_string_value(json_object_get(r, "Id"));
		const char *status = json_string_value(json_object_get(r, "StatusCode"));
		json_t *ts = json_object_get(r, "Timestamps"), *vs = json_object_get(r, "Values");
		char *end;
		unsigned long q;
		kpi__cw_unit *u;
		size_t k;
		json_t *t;

		if (!json_is_object(r) || !id || id[0] != 'q' || !isdigit((unsigned char)id[1])) {
			rc = bad_answer(err, call, units, "a result without a known Id");
			goto done;
		}
		q = strtoul(id + 1, &end, 10);
		if (*end || q >= call->nunits) {
			char what[96];
			snprintf(what, sizeof(what), "a result for query '%.24s', which was not asked", id);
			rc = bad_answer(err, call, units, what);
			goto done;
		}
		u = &units[call->units[q]];
		if (seen[q]) {
			rc = kpi__cw_unit_bad(err, u, "two results for its query %s in one answer", id);
			goto done;
		}
		seen[q] = true;
		u->results++;
		if (status && (strcmp(status, "InternalError") == 0 || strcmp(status, "Forbidden") == 0)) {
			json_t *msgs = json_object_get(r, "Messages");
			const char *m = json_string_value(json_object_get(json_array_get(msgs, 0), "Value"));
			rc = kpi_error_set(err, strcmp(status, "Forbidden") == 0 ? KPI_EAUTH : KPI_ESOURCE,
			                   "KPI %s: CloudWatch answered %s for %s/%s %s (%s=%s)%s%s", u->kpi, status,
			                   u->metric->namespace_, u->metric->name, u->metric->stat, u->dimension, u->dim_value,
			                   m ? ": " : "", m ? m : "");
			goto done;
		}
		if (!json_is_array(ts) || !json_is_array(vs) || json_array_size(ts) != json_array_size(vs)) {
			rc = kpi__cw_unit_bad(err, u, "its Timestamps and Values do not pair up");
			goto done;
		}
		json_array_foreach(ts, k, t) {
			if ((rc = apply_point(u, call, t, json_array_get(vs, k), err)))
				goto done;
		}
		if (status && strcmp(status, "PartialData") == 0) {
			/* Marked now; cleared below if a NextToken brings the rest. */
			for (int64_t p = call->t0; p < call->t1; p += u->period)
				u->flags[(p - u->t0) / u->period] |= KPI__CW_PARTIAL;
		} else if (status && strcmp(status, "Complete") != 0) {
			rc = kpi_error_set(err, KPI_EDATA, "KPI %s: CloudWatch StatusCode '%.32s' is not one kpi knows", u->kpi,
			                   status);
			goto done;
		}
	}
	tok = json_object_get(doc, "NextToken");
	if (tok && !json_is_null(tok)) {
		if (!json_is_string(tok) || !json_string_length(tok)) {
			rc = bad_answer(err, call, units, "NextToken is not a string");
			goto done;
		}
		if (!(*next_token = strdup(json_string_value(tok))))
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
done:
	free(seen);
	json_decref(doc);
	return rc;
}

/* PartialData on a page followed by a NextToken means "more to come": once
 * the token has been followed, the call's range is complete. */
static void clear_partial(kpi__cw_unit *units, const kpi__cw_call *call)
{
	for (size_t i = 0; i < call->nunits; i++) {
		kpi__cw_unit *u = &units[call->units[i]];
		for (int64_t t = call->t0; t < call->t1; t += u->period)
			u->flags[(t - u->t0) / u->period] &= (unsigned char)~KPI__CW_PARTIAL;
	}
}

int kpi__cw_run(kpi__cw_unit *units, size_t nunits, const kpi__aws *aws, const kpi__aws_retry *retry, int64_t now,
                kpi__cw_stats *stats, kpi_error *err)
{
	kpi__cw_call *calls = NULL;
	size_t ncalls = 0;
	int rc;

	if ((rc = kpi__cw_plan(&calls, &ncalls, units, nunits, now, err)))
		return rc;
	for (size_t c = 0; c < ncalls && rc == 0; c++) {
		char *token = NULL, *prev = NULL, what[256], kpis[200];
		int pages = 0;
		size_t *before = calloc(calls[c].nunits + 1, sizeof(*before));
		if (!before) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			break;
		}
		for (size_t i = 0; i < calls[c].nunits; i++)
			before[i] = units[calls[c].units[i]].results;
		call_kpis(kpis, sizeof(kpis), &calls[c], units);
		snprintf(what, sizeof(what), "CloudWatch GetMetricData (KPI %s)", kpis);
		do {
			kpi_buf body = KPI_BUF_INIT;
			kpi__http_resp resp = KPI__HTTP_RESP_INIT;
			if (pages > 0)
				clear_partial(units, &calls[c]);
			rc = kpi__cw_request_body(&body, &calls[c], units, token, false, err);
			if (!rc)
				rc = kpi__aws_call(&resp, aws, "application/x-amz-json-1.0", GMD_TARGET, body.data, body.len,
				                   what, retry, stats ? &stats->aws : NULL, err);
			if (rc == KPI_EDATA) {
				char big[160];
				snprintf(big, sizeof(big),
				         "larger than %zu bytes (the cap: cloudwatch.max_response_bytes or KPI_CW_MAX_RESPONSE_BYTES)",
				         retry && retry->max_response ? retry->max_response : KPI__HTTP_MAX_RESPONSE);
				rc = bad_answer(err, &calls[c], units, big);
			}
			free(prev);
			prev = token;
			token = NULL;
			if (!rc)
				rc = kpi__cw_response_apply(units, &calls[c], resp.body.data, resp.body.len, &token, err);
			if (stats && !rc) {
				stats->calls++;
				stats->queries += calls[c].nunits;
			}
			kpi_buf_release(&body);
			kpi__http_resp_release(&resp);
			pages++;
			if (!rc && token && prev && strcmp(token, prev) == 0)
				rc = kpi_error_set(err, KPI_EDATA, "%s: NextToken repeats itself", what);
			if (!rc && token && pages >= 10000)
				rc = kpi_error_set(err, KPI_EDATA, "%s: more than 10000 pages", what);
		} while (!rc && token);
		/* Every query asked must have had its result by the last page. */
		for (size_t i = 0; i < calls[c].nunits && !rc; i++) {
			const kpi__cw_unit *u = &units[calls[c].units[i]];
			char a[32], b[32];
			if (u->results == before[i])
				rc = kpi__cw_unit_bad(err, u, "no result for its query q%zu of the request for %s..%s", i,
				              kpi_time_format(a, sizeof(a), calls[c].t0), kpi_time_format(b, sizeof(b), calls[c].t1));
		}
		free(before);
		free(token);
		free(prev);
	}
	if (stats && !rc)
		for (size_t i = 0; i < nunits; i++)
			for (size_t k = 0; k < units[i].n; k++)
				stats->datapoints += units[i].flags[k] & KPI__CW_PRESENT;
	kpi__cw_plan_free(calls, ncalls);
	return rc;
}
