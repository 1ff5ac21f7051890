/* The Prometheus source's text work: the range placeholders of the query
 * files, form encoding, and the parser of the HTTP API's answers
 * (https://prometheus.io/docs/prometheus/latest/querying/api/):
 *
 *   {"status": "success", "data": {"resultType": "vector",
 *    "result": [{"metric": {"service": "a"}, "value": [1794182400, "12.5"]}]},
 *    "warnings": ["..."]}
 *
 * query_range answers "matrix" with "values": [[t, "v"], ...] per series.
 * Sample values are strings ("NaN", "+Inf" included); kpi accepts finite
 * numbers only. */
#include "sources/prometheus/prom.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kpi__prom_expand(kpi_buf *out, const char *expr, int64_t range_s, kpi_error *err)
{
	const char *p = expr, *d;

	while ((d = strstr(p, "$__"))) {
		const char *name = d + 3, *e = name;
		size_t n;
		while (isalnum((unsigned char)*e) || *e == '_')
			e++;
		n = (size_t)(e - name);
		if (out && kpi_buf_append(out, p, (size_t)(d - p)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		if (n == 5 && strncmp(name, "range", 5) == 0) {
			if (out && kpi_buf_printf(out, "%llds", (long long)range_s))
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		} else if (n == 7 && strncmp(name, "range_s", 7) == 0) {
			if (out && kpi_buf_printf(out, "%lld", (long long)range_s))
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		} else {
			return kpi_error_set(err, KPI_ECONFIG,
			                     "unknown placeholder '$__%.*s' (the placeholders are $__range and $__range_s)",
			                     (int)(n > 40 ? 40 : n), name);
		}
		p = e;
	}
	if (out && kpi_buf_puts(out, p))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

int kpi__prom_form_escape(kpi_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
		int rc = isalnum(*p) || strchr("-_.~", *p) ? kpi_buf_append(out, (const char *)p, 1)
		                                          : kpi_buf_append(out, enc, 3);
		if (rc)
			return rc;
	}
	return 0;
}

char *kpi__prom_error_text(char *buf, size_t size, const char *body, size_t len)
{
	json_t *doc = body ? json_loadb(body, len, 0, NULL) : NULL;
	const char *type = json_string_value(json_object_get(doc, "errorType"));
	const char *msg = json_string_value(json_object_get(doc, "error"));
	buf[0] = '\0';
	if (type || msg)
		snprintf(buf, size, "%s%s%s", type ? type : "", type && msg ? ": " : "", msg ? msg : "");
	json_decref(doc);
	return buf;
}

void kpi__prom_answer_release(kpi__prom_answer *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nseries; i++) {
		for (size_t j = 0; a->series[i].labels && j < a->nlabels; j++)
			free(a->series[i].labels[j]);
		free(a->series[i].labels);
		free(a->series[i].t);
		free(a->series[i].v);
	}
	free(a->series);
	free(a->warning);
	memset(a, 0, sizeof(*a));
}

long kpi__prom_answer_find(const kpi__prom_answer *a, char *const *labels)
{
	for (size_t i = 0; i < a->nseries; i++) {
		size_t j = 0;
		while (j < a->nlabels && strcmp(a->series[i].labels[j], labels[j]) == 0)
			j++;
		if (j == a->nlabels)
			return (long)i;
	}
	return -1;
}

/* {service="a", code="500"} of a series' metric object, for messages. */
static void metric_text(char *buf, size_t size, const json_t *metric)
{
	const char *k;
	json_t *v;
	size_t off = 0;
	buf[0] = '\0';
	off += (size_t)snprintf(buf, size, "{");
	json_object_foreach((json_t *)metric, k, v) {
		if (off >= size)
			break;
		off += (size_t)snprintf(buf + off, size - off, "%s%s=\"%s\"", off > 1 ? ", " : "", k,
		                        json_is_string(v) ? json_string_value(v) : "?");
	}
	if (off < size)
		snprintf(buf + off, size - off, "}");
}

/* One [time, "value"] pair. */
static int sample(double *t, double *v, const json_t *pair, const json_t *metric, kpi_error *err)
{
	const json_t *jt = json_array_get(pair, 0), *jv = json_array_get(pair, 1);
	const char *s = json_string_value(jv);
	char m[256], *end;

	if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_number(jt) || !s) {
		metric_text(m, sizeof(m), metric);
		return kpi_error_set(err, KPI_EDATA, "malformed answer: a sample of %s is not [time, \"value\"]", m);
	}
	*t = json_number_value(jt);
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end || !isfinite(*v) || !isfinite(*t)) {
		metric_text(m, sizeof(m), metric);
		return kpi_error_set(err, KPI_EDATA, "malformed answer: the value '%.32s' of %s is not a finite number", s, m);
	}
	return 0;
}

int kpi__prom_answer_parse(kpi__prom_answer *out, const char *body, size_t len, bool matrix,
                           const char *const *labels, size_t nlabels, kpi_error *err)
{
	const char *want = matrix ? "matrix" : "vector";
	json_error_t je;
	json_t *doc, *data, *result, *warnings, *s;
	const char *status, *type;
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->nlabels = nlabels;
	if (!(doc = json_loadb(body ? body : "", len, 0, &je)))
		return kpi_error_set(err, KPI_EDATA, "malformed answer: not JSON (%s at byte %d)", je.text, je.position);
	status = json_string_value(json_object_get(doc, "status"));
	if (status && strcmp(status, "error") == 0) {
		char text[512];
		rc = kpi_error_set(err, KPI_ESOURCE, "Prometheus answered status \"error\": %s",
		                   kpi__prom_error_text(text, sizeof(text), body, len)[0] ? text : "(no error text)");
		goto done;
	}
	if (!status || strcmp(status, "success") != 0) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed answer: no \"status\": \"success\"");
		goto done;
	}
	warnings = json_object_get(doc, "warnings");
	if (warnings && !json_is_null(warnings)) {
		if (!json_is_array(warnings)) {
			rc = kpi_error_set(err, KPI_EDATA, "malformed answer: \"warnings\" is not an array");
			goto done;
		}
		out->nwarnings = json_array_size(warnings);
		if (out->nwarnings) {
			const char *w = json_string_value(json_array_get(warnings, 0));
			if (!(out->warning = strdup(w ? w : "(not a string)"))) {
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
				goto done;
			}
		}
	}
	data = json_object_get(doc, "data");
	type = json_string_value(json_object_get(data, "resultType"));
	result = json_object_get(data, "result");
	if (!json_is_object(data) || !type) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed answer: no data.resultType");
		goto done;
	}
	if (strcmp(type, want) != 0) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed answer: resultType \"%.32s\", expected \"%s\"%s", type, want,
		                   strcmp(type, "scalar") == 0 ? " (the expression must return an instant vector)" : "");
		goto done;
	}
	if (!json_is_array(result)) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed answer: data.result is not an array");
		goto done;
	}
	if (!(out->series = calloc(json_array_size(result) + 1, sizeof(*out->series)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	json_array_foreach(result, i, s) {
		kpi__prom_series *se = &out->series[out->nseries];
		json_t *metric = json_object_get(s, "metric"), *vals = matrix ? json_object_get(s, "values") : NULL;
		size_t n = matrix ? json_array_size(vals) : 1;
		char m[256];

		if (!json_is_object(s) || !json_is_object(metric)) {
			rc = kpi_error_set(err, KPI_EDATA, "malformed answer: a result without \"metric\"");
			goto done;
		}
		if (json_object_get(s, matrix ? "histograms" : "histogram")) {
			metric_text(m, sizeof(m), metric);
			rc = kpi_error_set(err, KPI_EDATA,
			                   "malformed answer: %s is a native histogram, not a number (use histogram_quantile())",
			                   m);
			goto done;
		}
		if (matrix ? !json_is_array(vals) : !json_object_get(s, "value")) {
			metric_text(m, sizeof(m), metric);
			rc = kpi_error_set(err, KPI_EDATA, "malformed answer: %s has no \"%s\"", m, matrix ? "values" : "value");
			goto done;
		}
		out->nseries++;
		se->labels = calloc(nlabels + 1, sizeof(char *));
		se->t = calloc(n + 1, sizeof(double));
		se->v = calloc(n + 1, sizeof(double));
		if (!se->labels || !se->t || !se->v) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t l = 0; l < nlabels; l++) {
			const char *lv = json_string_value(json_object_get(metric, labels[l]));
			if (!lv || !*lv) {
				metric_text(m, sizeof(m), metric);
				rc = kpi_error_set(err, KPI_ECONTRACT,
				                   "the result %s has no label '%s' (the query file's labels say every "
				                   "series has one: aggregate by it, or filter %s!=\"\")",
				                   m, labels[l], labels[l]);
				goto done;
			}
			if (!(se->labels[l] = strdup(lv))) {
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
				goto done;
			}
		}
		if (kpi__prom_answer_find(out, se->labels) != (long)out->nseries - 1) {
			metric_text(m, sizeof(m), metric);
			rc = kpi_error_set(err, KPI_ECONTRACT,
			                   "two series of the result have the same label values as %s: the query must "
			                   "return one series per label set (aggregate: sum by (...))",
			                   m);
			goto done;
		}
		for (size_t k = 0; k < n; k++) {
			if ((rc = sample(&se->t[k], &se->v[k], matrix ? json_array_get(vals, k) : json_object_get(s, "value"),
			                 metric, err)))
				goto done;
			se->n++;
		}
	}
done:
	json_decref(doc);
	if (rc)
		kpi__prom_answer_release(out);
	return rc;
}
