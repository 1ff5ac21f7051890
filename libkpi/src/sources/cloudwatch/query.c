/* The CloudWatch source's query files, queries/cloudwatch/<kpi>.json: what a
 * KPI reads (namespace, metric, statistic, dimension) and how its metrics
 * combine (cw.h). */
#include "sources/cloudwatch/cw.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- query files ---- */

void kpi__cw_spec_release(kpi__cw_spec *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->dimension);
	free(s->values_from);
	for (size_t i = 0; s->label_dims && s->def && i < s->def->nlabels; i++)
		free(s->label_dims[i]);
	free(s->label_dims);
	for (size_t i = 0; i < s->nmetrics; i++) {
		free(s->metrics[i].namespace_);
		free(s->metrics[i].name);
		free(s->metrics[i].stat);
	}
	memset(s, 0, sizeof(*s));
}

static bool is_percentile(const char *stat)
{
	const char *p = stat + 1;
	if (stat[0] != 'p' || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0' && atof(stat + 1) <= 100.0;
}

static int spec_string(const kpi__jsondoc *doc, const json_t *o, const char *key, char **out, kpi_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || !json_string_length(v))
		return kpi__jsondoc_error(doc, v ? v : o, err, KPI_ECONFIG, "'%s' must be a non-empty string", key);
	*out = strdup(json_string_value(v));
	return *out ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

static int parse_metric(const kpi__jsondoc *doc, const json_t *o, kpi__cw_metric *m, kpi_error *err)
{
	static const char *const keys[] = { "role", "namespace", "metric", "stat", "sparse", "bounds", NULL };
	static const char *const stats[] = { "Sum", "Maximum", "Minimum", "Average", "SampleCount", NULL };
	const char *role;
	json_t *sp;
	bool ok = false;
	int rc;

	if (!json_is_object(o))
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "a metric must be an object");
	if ((rc = kpi__json_check_keys(doc, o, keys, "metric", err)))
		return rc;
	role = json_string_value(json_object_get(o, "role"));
	if (!role || strcmp(role, "value") == 0)
		m->role = KPI__CW_VALUE;
	else if (strcmp(role, "numerator") == 0)
		m->role = KPI__CW_NUMERATOR;
	else if (strcmp(role, "denominator") == 0)
		m->role = KPI__CW_DENOMINATOR;
	else
		return kpi__jsondoc_error(doc, json_object_get(o, "role"), err, KPI_ECONFIG,
		                          "role must be \"value\", \"numerator\" or \"denominator\"");
	if ((rc = spec_string(doc, o, "namespace", &m->namespace_, err)) ||
	    (rc = spec_string(doc, o, "metric", &m->name, err)) || (rc = spec_string(doc, o, "stat", &m->stat, err)))
		return rc;
	for (const char *const *s = stats; *s; s++)
		ok = ok || strcmp(*s, m->stat) == 0;
	if (!ok && !is_percentile(m->stat))
		return kpi__jsondoc_error(doc, json_object_get(o, "stat"), err, KPI_ECONFIG,
		                          "stat must be Sum, Maximum, Minimum, Average, SampleCount or pNN");
	sp = json_object_get(o, "sparse");
	if (sp && !json_is_boolean(sp))
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "sparse must be true or false");
	m->sparse = json_is_true(sp);
	return kpi__bounds_parse(&m->bounds, doc, json_object_get(o, "bounds"), err);
}

/* "labels": {KPI label: dimension name} for every label of the KPI, in its
 * order: the series are found with ListMetrics (discover.c). */
static int spec_labels(kpi__cw_spec *out, const kpi__jsondoc *doc, const json_t *o, const kpi_def *def,
                       kpi_error *err)
{
	json_t *l = json_object_get(o, "labels");
	if (json_object_get(o, "dimension") || json_object_get(o, "values_from"))
		return kpi__jsondoc_error(doc, l, err, KPI_ECONFIG,
		                          "\"labels\" (series found with ListMetrics) replaces \"dimension\" and "
		                          "\"values_from\"");
	if (!json_is_object(l) || json_object_size(l) != def->nlabels || def->nlabels == 0)
		return kpi__jsondoc_error(doc, l, err, KPI_ECONFIG,
		                          "labels must map each of KPI %s's %zu label(s) to a dimension name", def->id,
		                          def->nlabels);
	if (!(out->values_from = strdup("discover")) || !(out->label_dims = calloc(def->nlabels, sizeof(char *))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < def->nlabels; i++) {
		json_t *d = json_object_get(l, def->labels[i].name);
		if (!json_is_string(d) || !json_string_length(d))
			return kpi__jsondoc_error(doc, d ? d : l, err, KPI_ECONFIG,
			                          "labels.%s must be the name of a dimension (KPI %s has label '%s')",
			                          def->labels[i].name, def->id, def->labels[i].name);
		if (!(out->label_dims[i] = strdup(json_string_value(d))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return 0;
}

int kpi__cw_spec_load(kpi__cw_spec *out, const kpi_config *cfg, const kpi_def *def, kpi_error *err)
{
	static const char *const keys[] = { "description", "dimension", "values_from", "labels", "value", "scale",
		                            "metrics", NULL };
	kpi__jsondoc *doc = NULL;
	json_t *o, *ms, *m, *v;
	const char *comb;
	size_t i;
	int rc;
	bool num = false, den = false, val = false;

	memset(out, 0, sizeof(*out));
	out->def = def;
	if (!def->query)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s has no query file", def->id);
	if (!(out->path = kpi__path_join(cfg->query_dir, def->query)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__jsondoc_load_hashed(&doc, out->sha256, out->path, err))) {
		if (rc != KPI_ECONFIG)
			kpi_error_wrap(err, "KPI %s", def->id);
		goto fail;
	}
	o = doc->root;
	if (!json_is_object(o)) {
		rc = kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "a CloudWatch query file is a JSON object");
		goto fail;
	}
	if ((rc = kpi__json_check_keys(doc, o, keys, "CloudWatch query file", err)))
		goto fail;
	if (json_object_get(o, "labels")) {
		if ((rc = spec_labels(out, doc, o, def, err)))
			goto fail;
	} else if ((rc = spec_string(doc, o, "dimension", &out->dimension, err)) ||
	           (rc = spec_string(doc, o, "values_from", &out->values_from, err))) {
		goto fail;
	} else if (strcmp(out->values_from, "load_balancer") != 0 && strcmp(out->values_from, "queues") != 0) {
		rc = kpi__jsondoc_error(doc, json_object_get(o, "values_from"), err, KPI_ECONFIG,
		                        "values_from must be \"load_balancer\" or \"queues\"");
		goto fail;
	}
	comb = json_string_value(json_object_get(o, "value"));
	if (comb && strcmp(comb, "ratio_pct") == 0)
		out->combine = KPI__CW_RATIO_PCT;
	else if (comb && strcmp(comb, "max") == 0)
		out->combine = KPI__CW_MAX;
	else if (comb && strcmp(comb, "sum") == 0)
		out->combine = KPI__CW_SUM;
	else if (comb && strcmp(comb, "percentile") == 0)
		out->combine = KPI__CW_PERCENTILE;
	else {
		rc = kpi__jsondoc_error(doc, json_object_get(o, "value") ? json_object_get(o, "value") : o, err,
		                        KPI_ECONFIG, "value must be \"ratio_pct\", \"max\", \"sum\" or \"percentile\"");
		goto fail;
	}
	out->scale = 1.0;
	if ((v = json_object_get(o, "scale"))) {
		if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) == 0) {
			rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "scale must be a non-zero number");
			goto fail;
		}
		out->scale = json_number_value(v);
	}
	ms = json_object_get(o, "metrics");
	if (!json_is_array(ms) || json_array_size(ms) < 1 || json_array_size(ms) > 3) {
		rc = kpi__jsondoc_error(doc, ms ? ms : o, err, KPI_ECONFIG, "metrics must be an array of 1 to 3 metrics");
		goto fail;
	}
	json_array_foreach(ms, i, m) {
		kpi__cw_metric *x = &out->metrics[out->nmetrics++];
		if ((rc = parse_metric(doc, m, x, err)))
			goto fail;
		num = num || x->role == KPI__CW_NUMERATOR;
		den = den || x->role == KPI__CW_DENOMINATOR;
		val = val || x->role == KPI__CW_VALUE;
		if ((out->combine == KPI__CW_PERCENTILE) != is_percentile(x->stat)) {
			rc = kpi__jsondoc_error(doc, m, err, KPI_ECONFIG,
			                        out->combine == KPI__CW_PERCENTILE
			                                ? "a percentile KPI needs a pNN statistic"
			                                : "a pNN statistic needs \"value\": \"percentile\" (percentiles "
			                                  "cannot be combined across periods)");
			goto fail;
		}
	}
	if (out->combine == KPI__CW_RATIO_PCT ? !(num && den && !val && out->nmetrics == 2)
	                                      : !(val && out->nmetrics == 1)) {
		rc = kpi__jsondoc_error(doc, ms, err, KPI_ECONFIG,
		                        out->combine == KPI__CW_RATIO_PCT
		                                ? "a ratio needs one numerator and one denominator metric"
		                                : "this KPI needs exactly one metric with role \"value\"");
		goto fail;
	}
	if (out->label_dims && (out->combine != KPI__CW_MAX || out->nmetrics != 1)) {
		rc = kpi__jsondoc_error(doc, json_object_get(o, "labels"), err, KPI_ECONFIG,
		                        "series found by \"labels\" take \"value\": \"max\" of one metric");
		goto fail;
	}
	if (!out->label_dims && def->nlabels != 1) {
		rc = kpi_error_set(err, KPI_ECONFIG, "KPI %s: a CloudWatch KPI has exactly one label (the dimension's value)",
		                   def->id);
		goto fail;
	}
	kpi__jsondoc_free(doc);
	return 0;
fail:
	kpi__jsondoc_free(doc);
	kpi__cw_spec_release(out);
	return rc;
}

const char *const *kpi__cw_values(const kpi__cw_settings *s, const kpi__cw_spec *spec, size_t *n)
{
	if (spec->label_dims) {
		/* found at run time; "configured" is kpi__cw_settings.hosts */
		*n = 0;
		return NULL;
	}
	if (strcmp(spec->values_from, "load_balancer") == 0) {
		*n = s->load_balancer ? 1 : 0;
		return s->load_balancer ? (const char *const *)&s->load_balancer : NULL;
	}
	*n = s->nqueues;
	return s->nqueues ? (const char *const *)s->queues : NULL;
}
