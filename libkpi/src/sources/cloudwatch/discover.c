/*
 * The series of a CloudWatch query file with "labels" (the CloudWatch
 * agent's host KPIs), found with ListMetrics (cw.h).
 *
 * Why ListMetrics and not GetMetricData's SEARCH(): kpi's test peer, moto,
 * has no metric math (a SEARCH expression answers no values), and listing
 * first lets every series be read with the same MetricStat queries, checks
 * and batching as the configured ones (plan.c).
 *
 * What is kept: every series of the metric whose dimensions include each
 * label's dimension (InstanceId, path). A series without one of them is an
 * aggregate of the agent (aggregation_dimensions) and is left out. Two
 * series with the same label values (an instance resized gets a new
 * InstanceType dimension from append_dimensions) are one label set, read
 * together and combined by the maximum (source.c). ListMetrics lists the
 * series that received data in the last two weeks: a host gone for longer
 * has no rows, one gone in the window has no value in the weeks it did not
 * report, never 0.
 */
#include "sources/cloudwatch/cw.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pages of one discovery at most (500 series a page). */
#define MAX_PAGES 1000

static void dimset_release(kpi__cw_dimset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->names[i]);
		free(s->values[i]);
	}
	free(s->names);
	free(s->values);
	free(s->rest);
	memset(s, 0, sizeof(*s));
}

void kpi__cw_discovery_release(kpi__cw_discovery *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		for (size_t j = 0; d->found[i].labels && j < d->nlabels; j++)
			free(d->found[i].labels[j]);
		free(d->found[i].labels);
		for (size_t j = 0; j < d->found[i].nsets; j++)
			dimset_release(&d->found[i].sets[j]);
		free(d->found[i].sets);
	}
	free(d->found);
	memset(d, 0, sizeof(*d));
}

int kpi__cw_list_body(kpi_buf *out, const kpi__cw_spec *spec, const char *next_token, bool pretty, kpi_error *err)
{
	json_t *root = json_pack("{s:s, s:s}", "Namespace", spec->metrics[0].namespace_, "MetricName",
	                         spec->metrics[0].name);
	char *text = NULL;
	int rc = 0;
	if (root && next_token)
		json_object_set_new(root, "NextToken", json_string(next_token));
	if (!root || !(text = json_dumps(root, JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT))) ||
	    kpi_buf_puts(out, text))
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
	free(text);
	json_decref(root);
	return rc;
}

static int bad_list(kpi_error *err, const kpi__cw_spec *spec, const char *what)
{
	return kpi_error_set(err, KPI_EDATA, "KPI %s: malformed CloudWatch ListMetrics answer for %s (%s): %s",
	                     spec->def->id, spec->metrics[0].name, spec->metrics[0].namespace_, what);
}

static bool same_set(const kpi__cw_dimset *a, const kpi__cw_dimset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->names[i], b->names[i]) != 0 || strcmp(a->values[i], b->values[i]) != 0)
			return false;
	return true;
}

/* The label set `labels` (nlabels values), added when new; *out its index. */
static int found_for(kpi__cw_discovery *d, char **labels, size_t *out, kpi_error *err)
{
	kpi__cw_found *p;
	for (size_t i = 0; i < d->n; i++) {
		size_t j = 0;
		while (j < d->nlabels && strcmp(d->found[i].labels[j], labels[j]) == 0)
			j++;
		if (j == d->nlabels) {
			*out = i;
			return 0;
		}
	}
	if (!(p = realloc(d->found, (d->n + 1) * sizeof(*p))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	d->found = p;
	memset(&p[d->n], 0, sizeof(*p));
	/* NULL-terminated, for the sort */
	if (!(p[d->n].labels = calloc(d->nlabels + 1, sizeof(char *))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	d->n++;
	for (size_t j = 0; j < d->nlabels; j++)
		if (!(p[d->n - 1].labels[j] = strdup(labels[j])))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	*out = d->n - 1;
	return 0;
}

/* One listed series: its dimensions into a set, kept when it has every
 * label's dimension. */
static int add_metric(kpi__cw_discovery *d, const kpi__cw_spec *spec, const json_t *m, kpi_error *err)
{
	const json_t *dims = json_object_get(m, "Dimensions"), *x;
	const char *ns = json_string_value(json_object_get(m, "Namespace"));
	const char *name = json_string_value(json_object_get(m, "MetricName"));
	kpi__cw_dimset set = { 0 };
	char *labels[8] = { 0 };
	kpi_buf rest = KPI_BUF_INIT;
	size_t i, at = 0;
	int rc = 0;

	if (!json_is_object(m) || !ns || !name || !json_is_array(dims))
		return bad_list(err, spec, "a metric without Namespace, MetricName and Dimensions");
	if (strcmp(ns, spec->metrics[0].namespace_) != 0 || strcmp(name, spec->metrics[0].name) != 0) {
		char what[160];
		snprintf(what, sizeof(what), "it lists %.40s (%.40s), which was not asked", name, ns);
		return bad_list(err, spec, what);
	}
	if (d->nlabels > 8)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: more than 8 labels", spec->def->id);
	if (json_array_size(dims) > 30)
		return bad_list(err, spec, "a metric with more than 30 dimensions");
	if (json_array_size(dims) == 0) {
		d->skipped++; /* the agent's aggregate over everything */
		return 0;
	}
	set.names = calloc(json_array_size(dims), sizeof(char *));
	set.values = calloc(json_array_size(dims), sizeof(char *));
	if (!set.names || !set.values) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	json_array_foreach(dims, i, x) {
		const char *dn = json_string_value(json_object_get(x, "Name"));
		const char *dv = json_string_value(json_object_get(x, "Value"));
		if (!dn || !dv || !*dn || !*dv) {
			rc = bad_list(err, spec, "a dimension without a Name and a Value");
			goto done;
		}
		if (!(set.names[set.n] = strdup(dn)) || !(set.values[set.n] = strdup(dv))) {
			free(set.names[set.n]);
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		set.n++;
		for (size_t l = 0; l < d->nlabels; l++)
			if (strcmp(spec->label_dims[l], dn) == 0)
				labels[l] = set.values[set.n - 1];
	}
	for (size_t l = 0; l < d->nlabels; l++)
		if (!labels[l]) {
			d->skipped++; /* an aggregate: not one host's series */
			goto done;
		}
	/* For messages: "i-0abc, path=/, device=xvda1" after "InstanceId=". */
	kpi_buf_puts(&rest, set.values[0]);
	for (size_t k = 1; k < set.n; k++)
		kpi_buf_printf(&rest, ", %s=%s", set.names[k], set.values[k]);
	if (!rest.data || !(set.rest = strdup(rest.data))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = found_for(d, labels, &at, err)))
		goto done;
	for (size_t k = 0; k < d->found[at].nsets; k++)
		if (same_set(&d->found[at].sets[k], &set))
			goto done; /* listed twice */
	{
		kpi__cw_dimset *p = realloc(d->found[at].sets, (d->found[at].nsets + 1) * sizeof(*p));
		if (!p) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		d->found[at].sets = p;
		p[d->found[at].nsets++] = set;
		memset(&set, 0, sizeof(set));
	}
done:
	kpi_buf_release(&rest);
	dimset_release(&set);
	return rc;
}

int kpi__cw_list_apply(kpi__cw_discovery *d, const kpi__cw_spec *spec, const char *body, size_t len,
                       char **next_token, kpi_error *err)
{
	json_error_t je;
	json_t *doc = json_loadb(body, len, 0, &je), *ms, *m, *tok;
	size_t i;
	int rc = 0;

	*next_token = NULL;
	d->nlabels = spec->def->nlabels;
	d->pages++;
	if (!doc) {
		char what[256];
		snprintf(what, sizeof(what), "not JSON (%s at byte %d)", je.text, je.position);
		return bad_list(err, spec, what);
	}
	ms = json_object_get(doc, "Metrics");
	if (!json_is_object(doc) || (ms && !json_is_array(ms))) {
		rc = bad_list(err, spec, "Metrics is not an array");
		goto done;
	}
	json_array_foreach(ms, i, m) {
		if ((rc = add_metric(d, spec, m, err)))
			goto done;
	}
	tok = json_object_get(doc, "NextToken");
	if (tok && !json_is_null(tok)) {
		if (!json_is_string(tok) || !json_string_length(tok)) {
			rc = bad_list(err, spec, "NextToken is not a string");
			goto done;
		}
		if (!(*next_token = strdup(json_string_value(tok))))
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
done:
	json_decref(doc);
	return rc;
}

static int cmp_found(const void *a, const void *b)
{
	const kpi__cw_found *x = a, *y = b;
	for (size_t i = 0; x->labels[i] && y->labels[i]; i++) {
		int c = strcmp(x->labels[i], y->labels[i]);
		if (c)
			return c;
	}
	return 0;
}

static int cmp_set(const void *a, const void *b)
{
	const kpi__cw_dimset *x = a, *y = b;
	return strcmp(x->rest, y->rest);
}

void kpi__cw_discovery_finish(kpi__cw_discovery *d)
{
	/* qsort() of a NULL array is undefined even for 0 elements: an answer
	 * that lists no host leaves d->found NULL */
	if (!d->n)
		return;
	for (size_t i = 0; i < d->n; i++)
		qsort(d->found[i].sets, d->found[i].nsets, sizeof(*d->found[i].sets), cmp_set);
	qsort(d->found, d->n, sizeof(*d->found), cmp_found);
}

/* No series at all: a wrong region, account or namespace looks like "no
 * hosts" otherwise (the KPI has no rows, and the run succeeds). */
static void warn_none_found(const kpi__cw_discovery *d, const kpi__cw_spec *spec, const kpi__aws *aws)
{
	const kpi__cw_metric *m = &spec->metrics[0];
	json_t *dims = json_array();
	kpi_buf list = KPI_BUF_INIT;
	char msg[1024];

	for (size_t i = 0; i < spec->def->nlabels; i++) {
		json_array_append_new(dims, json_string(spec->label_dims[i]));
		kpi_buf_printf(&list, "%s%s", i ? ", " : "", spec->label_dims[i]);
	}
	snprintf(msg, sizeof(msg),
	         "KPI %s: no host found: ListMetrics of %s/%s in region %s (%s) listed no series with the dimensions "
	         "%s (%zu without them); it has no rows",
	         spec->def->id, m->namespace_, m->name, aws->region ? aws->region : "?",
	         aws->endpoint ? aws->endpoint : "?", list.data ? list.data : "", d->skipped);
	kpi_log_fields(KPI_LOG_WARN, "cloudwatch.discover.none",
	               json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:o, s:I}", "kpi", spec->def->id, "namespace",
	                         m->namespace_, "metric", m->name, "region", aws->region, "endpoint", aws->endpoint,
	                         "dimensions", dims, "skipped", (json_int_t)d->skipped),
	               msg);
	kpi_buf_release(&list);
}

int kpi__cw_discover(kpi__cw_discovery *out, const kpi__cw_spec *spec, const kpi__aws *aws,
                     const kpi__aws_retry *retry, kpi__aws_stats *stats, kpi_error *err)
{
	char *token = NULL, *prev = NULL, what[200];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->nlabels = spec->def->nlabels;
	snprintf(what, sizeof(what), "CloudWatch ListMetrics (KPI %s, %s)", spec->def->id, spec->metrics[0].name);
	do {
		kpi_buf body = KPI_BUF_INIT;
		kpi__http_resp resp = KPI__HTTP_RESP_INIT;
		rc = kpi__cw_list_body(&body, spec, token, false, err);
		if (!rc)
			rc = kpi__aws_call(&resp, aws, "application/x-amz-json-1.0", LM_TARGET, body.data, body.len, what,
			                   retry, stats, err);
		free(prev);
		prev = token;
		token = NULL;
		if (!rc)
			rc = kpi__cw_list_apply(out, spec, resp.body.data, resp.body.len, &token, err);
		kpi_buf_release(&body);
		kpi__http_resp_release(&resp);
		if (!rc && token && prev && strcmp(token, prev) == 0)
			rc = kpi_error_set(err, KPI_EDATA, "%s: NextToken repeats itself", what);
		if (!rc && token && out->pages >= MAX_PAGES)
			rc = kpi_error_set(err, KPI_EDATA, "%s: more than %d pages", what, MAX_PAGES);
	} while (!rc && token);
	free(token);
	free(prev);
	if (rc) {
		kpi__cw_discovery_release(out);
		return rc;
	}
	kpi__cw_discovery_finish(out);
	if (!out->n)
		warn_none_found(out, spec, aws);
	return 0;
}
