/*
 * The CloudWatch source (kpi/cloudwatch.h): GetMetricData over AWS JSON 1.0,
 * signed by libcurl (aws.c), batched and paginated (cw.h).
 *
 * Weekly rows. Sums and maxima are read as hourly datapoints over the whole
 * window, in as few calls as the limits allow, and combined per ISO week in
 * the configured zone: a week of 167 h or 169 h (DST) is just fewer or more
 * hourly datapoints, so any zone whose weeks start on a whole UTC hour works.
 * A percentile cannot be combined from hourly percentiles, so a weekly p95 is
 * asked for directly with Period = the week's length: consecutive weeks of the
 * same length (604800 s, or 601200 / 608400 s around a DST change) share one
 * query whose buckets are exactly those weeks (every such length is a multiple
 * of 3600 s, as CloudWatch requires for data older than 63 days).
 *
 * Honesty rules: a source that cannot be read fails the run (never no_data);
 * an answer with StatusCode PartialData, or with gaps (hours of a week with
 * no datapoint of a metric that is reported every period, or errors counted
 * in an hour without requests), marks the week's row `incomplete`, which
 * evaluation never reports as healthy.
 */
#include "sources/cloudwatch/cw.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GMD_TARGET "GraniteServiceVersion20100801.GetMetricData"
#define DAY 86400

/* ---- settings ---- */

static const kpi__jsondoc *cfg_doc(const kpi_config *cfg)
{
	return cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
}

void kpi__cw_settings_release(kpi__cw_settings *s)
{
	if (!s)
		return;
	free(s->load_balancer);
	for (size_t i = 0; i < s->nqueues; i++)
		free(s->queues[i]);
	free(s->queues);
	free(s->region);
	memset(s, 0, sizeof(*s));
}

static int add_queue(kpi__cw_settings *s, const char *b, size_t len, const char *where, kpi_error *err)
{
	char **n;
	while (len && isspace((unsigned char)*b)) {
		b++;
		len--;
	}
	while (len && isspace((unsigned char)b[len - 1]))
		len--;
	if (!len)
		return 0;
	for (size_t i = 0; i < s->nqueues; i++)
		if (strlen(s->queues[i]) == len && strncmp(s->queues[i], b, len) == 0)
			return kpi_error_set(err, KPI_ECONFIG, "%s: queue '%.*s' is listed twice", where, (int)len, b);
	if (!(n = realloc(s->queues, (s->nqueues + 1) * sizeof(*n))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	s->queues = n;
	if (!(s->queues[s->nqueues] = strndup(b, len)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	s->nqueues++;
	return 0;
}

static int env_seconds(const kpi_config *cfg, const char *name, double lo, double hi, double *out,
                       kpi_error *err)
{
	const char *v = kpi_config_env(cfg, name);
	char *end;
	double d;
	if (!v || !*v)
		return 0;
	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || !(d >= lo && d <= hi))
		return kpi_error_set(err, KPI_ECONFIG, "environment %s='%s': expected seconds, %g..%g", name, v, lo, hi);
	*out = d;
	return 0;
}

static int file_seconds(const kpi__jsondoc *doc, const json_t *o, const char *key, double lo, double hi,
                        double *out, kpi_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_number(v) || !(json_number_value(v) >= lo && json_number_value(v) <= hi))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "cloudwatch.%s must be a number of seconds, %g..%g",
		                          key, lo, hi);
	*out = json_number_value(v);
	return 0;
}

int kpi__cw_settings_load(kpi__cw_settings *out, const kpi_config *cfg, kpi_error *err)
{
	static const char *const keys[] = { "load_balancer", "queues", "region", "deadline_seconds",
		                            "retry_base_seconds", "retry_max_seconds", "request_timeout_seconds",
		                            NULL };
	kpi__aws_retry dflt = KPI__AWS_RETRY_INIT;
	const kpi__jsondoc *doc = cfg_doc(cfg);
	const json_t *o = doc ? json_object_get(doc->root, "cloudwatch") : NULL;
	double timeout = (double)dflt.timeout_ms / 1000.0;
	const char *v;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->retry = dflt;
	if (o) {
		json_t *lb, *q, *r;
		if (!json_is_object(o))
			return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "cloudwatch must be an object");
		if ((rc = kpi__json_check_keys(doc, o, keys, "cloudwatch", err)))
			return rc;
		if ((lb = json_object_get(o, "load_balancer")) && !json_is_null(lb)) {
			if (!json_is_string(lb) || !json_string_length(lb))
				return kpi__jsondoc_error(doc, lb, err, KPI_ECONFIG,
				                          "cloudwatch.load_balancer must be a non-empty string "
				                          "(the LoadBalancer dimension, e.g. \"app/web/50dc6c495c0c9188\")");
			out->load_balancer = strdup(json_string_value(lb));
		}
		if ((q = json_object_get(o, "queues"))) {
			size_t i;
			json_t *e;
			if (!json_is_array(q)) {
				rc = kpi__jsondoc_error(doc, q, err, KPI_ECONFIG,
				                        "cloudwatch.queues must be an array of queue names");
				goto fail;
			}
			json_array_foreach(q, i, e) {
				if (!json_is_string(e) || !json_string_length(e)) {
					rc = kpi__jsondoc_error(doc, e, err, KPI_ECONFIG, "a queue name must be a non-empty string");
					goto fail;
				}
				if ((rc = add_queue(out, json_string_value(e), json_string_length(e), "cloudwatch.queues", err)))
					goto fail;
			}
		}
		if ((r = json_object_get(o, "region"))) {
			if (!json_is_string(r) || !json_string_length(r)) {
				rc = kpi__jsondoc_error(doc, r, err, KPI_ECONFIG, "cloudwatch.region must be a region name");
				goto fail;
			}
			out->region = strdup(json_string_value(r));
		}
		if ((rc = file_seconds(doc, o, "deadline_seconds", 0.1, 3600, &out->retry.deadline_s, err)) ||
		    (rc = file_seconds(doc, o, "retry_base_seconds", 0.001, 600, &out->retry.base_s, err)) ||
		    (rc = file_seconds(doc, o, "retry_max_seconds", 0.001, 3600, &out->retry.max_s, err)) ||
		    (rc = file_seconds(doc, o, "request_timeout_seconds", 0.1, 600, &timeout, err)))
			goto fail;
	}
	/* The environment wins over the file. */
	if ((v = kpi_config_env(cfg, "KPI_CW_LOAD_BALANCER")) && *v) {
		free(out->load_balancer);
		out->load_balancer = strdup(v);
	}
	if ((v = kpi_config_env(cfg, "KPI_CW_QUEUES")) && *v) {
		for (size_t i = 0; i < out->nqueues; i++)
			free(out->queues[i]);
		out->nqueues = 0;
		for (const char *p = v;;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			if ((rc = add_queue(out, p, len, "environment KPI_CW_QUEUES", err)))
				goto fail;
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	if ((rc = env_seconds(cfg, "KPI_CW_DEADLINE_SECONDS", 0.1, 3600, &out->retry.deadline_s, err)) ||
	    (rc = env_seconds(cfg, "KPI_CW_RETRY_BASE_SECONDS", 0.001, 600, &out->retry.base_s, err)) ||
	    (rc = env_seconds(cfg, "KPI_CW_RETRY_MAX_SECONDS", 0.001, 3600, &out->retry.max_s, err)) ||
	    (rc = env_seconds(cfg, "KPI_CW_REQUEST_TIMEOUT_SECONDS", 0.1, 600, &timeout, err)))
		goto fail;
	out->retry.timeout_ms = (long)(timeout * 1000.0);
	return 0;
fail:
	kpi__cw_settings_release(out);
	return rc;
}

/* ---- query files ---- */

void kpi__cw_spec_release(kpi__cw_spec *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->dimension);
	free(s->values_from);
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
	static const char *const keys[] = { "role", "namespace", "metric", "stat", "sparse", NULL };
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
	return 0;
}

int kpi__cw_spec_load(kpi__cw_spec *out, const kpi_config *cfg, const kpi_def *def, kpi_error *err)
{
	static const char *const keys[] = { "description", "dimension", "values_from", "value", "scale", "metrics",
		                            NULL };
	kpi__jsondoc *doc = NULL;
	json_t *o, *ms, *m, *v;
	const char *comb;
	char *text = NULL;
	size_t i, len = 0;
	int rc;
	bool num = false, den = false, val = false;

	memset(out, 0, sizeof(*out));
	out->def = def;
	if (!def->query)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s has no query file", def->id);
	if (!(out->path = kpi__path_join(cfg->query_dir, def->query)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__read_file(&text, &len, out->path, err))) {
		kpi_error_wrap(err, "KPI %s", def->id);
		goto fail;
	}
	kpi_sha256_hex(out->sha256, text, len);
	if ((rc = kpi__jsondoc_parse(&doc, out->path, text, len, err)))
		goto fail;
	o = doc->root;
	if (!json_is_object(o)) {
		rc = kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "a CloudWatch query file is a JSON object");
		goto fail;
	}
	if ((rc = kpi__json_check_keys(doc, o, keys, "CloudWatch query file", err)) ||
	    (rc = spec_string(doc, o, "dimension", &out->dimension, err)) ||
	    (rc = spec_string(doc, o, "values_from", &out->values_from, err)))
		goto fail;
	if (strcmp(out->values_from, "load_balancer") != 0 && strcmp(out->values_from, "queues") != 0) {
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
	if (def->nlabels != 1) {
		rc = kpi_error_set(err, KPI_ECONFIG, "KPI %s: a CloudWatch KPI has exactly one label (the dimension's value)",
		                   def->id);
		goto fail;
	}
	free(text);
	kpi__jsondoc_free(doc);
	return 0;
fail:
	free(text);
	kpi__jsondoc_free(doc);
	kpi__cw_spec_release(out);
	return rc;
}

const char *const *kpi__cw_values(const kpi__cw_settings *s, const kpi__cw_spec *spec, size_t *n)
{
	if (strcmp(spec->values_from, "load_balancer") == 0) {
		*n = s->load_balancer ? 1 : 0;
		return s->load_balancer ? (const char *const *)&s->load_balancer : NULL;
	}
	*n = s->nqueues;
	return s->nqueues ? (const char *const *)s->queues : NULL;
}

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
		snprintf(id, sizeof(id), "q%zu", i);
		q = json_pack("{s:s, s:{s:{s:s, s:s, s:[{s:s, s:s}]}, s:i, s:s}, s:b}", "Id", id, "MetricStat", "Metric",
		              "Namespace", u->metric->namespace_, "MetricName", u->metric->name, "Dimensions", "Name",
		              u->dimension, "Value", u->dim_value, "Period", u->period, "Stat", u->metric->stat,
		              "ReturnData", 1);
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

int kpi__cw_response_apply(kpi__cw_unit *units, const kpi__cw_call *call, const char *body, size_t len,
                           char **next_token, kpi_error *err)
{
	json_error_t je;
	json_t *doc = json_loadb(body, len, 0, &je), *results, *r, *tok;
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
			rc = bad_answer(err, call, units, "a result for a query that was not asked");
			goto done;
		}
		u = &units[call->units[q]];
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
			rc = kpi_error_set(err, KPI_EDATA,
			                   "KPI %s: malformed CloudWatch GetMetricData answer: Timestamps and Values of %s/%s "
			                   "do not pair up",
			                   u->kpi, u->metric->namespace_, u->metric->name);
			goto done;
		}
		json_array_foreach(ts, k, t) {
			json_t *v = json_array_get(vs, k);
			double tv = json_number_value(t), vv = json_number_value(v);
			int64_t at = (int64_t)llround(tv);
			size_t slot;
			if (!json_is_number(t) || !json_is_number(v) || !isfinite(vv) || !isfinite(tv)) {
				rc = kpi_error_set(err, KPI_EDATA,
				                   "KPI %s: malformed CloudWatch GetMetricData answer: a non-numeric "
				                   "timestamp or value of %s/%s",
				                   u->kpi, u->metric->namespace_, u->metric->name);
				goto done;
			}
			if (at < call->t0 || at >= call->t1 || (at - u->t0) % u->period != 0) {
				char when[32];
				rc = kpi_error_set(err, KPI_EDATA,
				                   "KPI %s: CloudWatch returned a %s/%s datapoint at %s, not at the start "
				                   "of a requested %d-s period",
				                   u->kpi, u->metric->namespace_, u->metric->name,
				                   kpi_time_format(when, sizeof(when), at), u->period);
				goto done;
			}
			slot = (size_t)((at - u->t0) / u->period);
			u->values[slot] = vv;
			u->flags[slot] |= KPI__CW_PRESENT;
		}
		if (status && strcmp(status, "PartialData") == 0) {
			/* Marked now; cleared below if a NextToken brings the rest. */
			for (int64_t p = call->t0; p < call->t1; p += u->period)
				u->flags[(p - u->t0) / u->period] |= KPI__CW_PARTIAL;
		} else if (status && strcmp(status, "Complete") != 0) {
			rc = kpi_error_set(err, KPI_EDATA, "KPI %s: CloudWatch StatusCode '%s' is not one kpi knows", u->kpi,
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

/* ---- the source's session ---- */

/* A run's session: the settings, and the credentials once resolved. */
typedef struct cw_session {
	const kpi_config *cfg;
	kpi__cw_settings settings;
	kpi__aws aws;
	bool resolved;
} cw_session;

static int session_aws(cw_session *ss, kpi_error *err)
{
	int rc;
	if (ss->resolved)
		return 0;
	if ((rc = kpi__aws_resolve(&ss->aws, ss->cfg, &kpi__aws_cloudwatch, ss->settings.region, err)))
		return rc;
	ss->resolved = true;
	return 0;
}

/* ---- weekly rows ---- */

/* Everything one run needs for one KPI. */
typedef struct kpi_work {
	kpi__cw_spec spec;
	const kpi_window *w;
	const char *const *values;
	size_t nvalues;
	size_t first_unit;      /* units of this KPI: [first_unit, first_unit + nunits) */
	size_t nunits;
} kpi_work;

typedef struct cw_run {
	const cw_session *ss;
	kpi_work *work;
	size_t nwork;
	kpi__cw_unit *units;
	size_t nunits, cap;
} cw_run;

static void run_release(cw_run *r)
{
	for (size_t i = 0; i < r->nwork; i++)
		kpi__cw_spec_release(&r->work[i].spec);
	free(r->work);
	for (size_t i = 0; i < r->nunits; i++)
		kpi__cw_unit_release(&r->units[i]);
	free(r->units);
	memset(r, 0, sizeof(*r));
}

static int push_unit(cw_run *r, const kpi_def *def, const kpi__cw_metric *m, const char *dim, const char *val,
                     int64_t t0, int64_t t1, int period, kpi_error *err)
{
	if (r->nunits == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		kpi__cw_unit *p = realloc(r->units, nc * sizeof(*p));
		if (!p)
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		r->units = p;
		r->cap = nc;
	}
	if (kpi__cw_unit_init(&r->units[r->nunits], def->id, m, dim, val, t0, t1, period, err))
		return err ? err->code : KPI_ERROR;
	r->nunits++;
	return 0;
}

static const char *not_configured(const kpi__cw_spec *spec)
{
	return strcmp(spec->values_from, "load_balancer") == 0
	               ? "set cloudwatch.load_balancer in the config file or KPI_CW_LOAD_BALANCER"
	               : "set cloudwatch.queues in the config file or KPI_CW_QUEUES";
}

/* The hourly period for weekly sums and maxima: 3600 s, provided every week
 * of the window starts on a whole hour from the first one. */
static int hourly(const kpi_window *w, const char *kpi, kpi_error *err)
{
	for (int i = 0; i <= w->nweeks; i++)
		if ((w->starts[i] - w->from) % 3600 != 0)
			return kpi_error_set(err, KPI_ECONFIG,
			                     "KPI %s: the weeks of time zone %s do not all start on the same minute of "
			                     "the hour, so CloudWatch's hourly datapoints cannot be split into them",
			                     kpi, w->tz);
	return 3600;
}

/* Units for the weekly rows of one KPI over its window. */
static int weekly_units(cw_run *r, kpi_work *k, kpi_error *err)
{
	const kpi_def *def = k->spec.def;
	const kpi_window *w = k->w;
	int rc;

	k->first_unit = r->nunits;
	for (size_t v = 0; v < k->nvalues; v++) {
		for (size_t m = 0; m < k->spec.nmetrics; m++) {
			const kpi__cw_metric *mt = &k->spec.metrics[m];
			if (k->spec.combine == KPI__CW_PERCENTILE) {
				/* One query per run of equal-length weeks, Period = that length. */
				for (int a = 0; a < w->nweeks;) {
					int64_t len = w->starts[a + 1] - w->starts[a];
					int b = a + 1;
					while (b < w->nweeks && w->starts[b + 1] - w->starts[b] == len)
						b++;
					if (len > INT32_MAX)
						return kpi_error_set(err, KPI_ECONFIG, "KPI %s: week too long", def->id);
					if ((rc = push_unit(r, def, mt, k->spec.dimension, k->values[v], w->starts[a], w->starts[b],
					                    (int)len, err)))
						return rc;
					a = b;
				}
			} else {
				int p = hourly(w, def->id, err);
				int64_t end = w->to;
				if (p < 0)
					return p;
				/* Nothing after the as-of time can exist: stop at its hour. */
				if (w->as_of < w->to)
					end = w->from + ((w->as_of - w->from + p - 1) / p) * p;
				if (end <= w->from)
					end = w->from + p;
				if ((rc = push_unit(r, def, mt, k->spec.dimension, k->values[v], w->from, end, p, err)))
					return rc;
			}
		}
	}
	k->nunits = r->nunits - k->first_unit;
	return 0;
}

/* Open the run: each KPI's query file and label values. */
static int run_open(cw_run *r, const cw_session *ss, const kpi_def *const *defs, size_t n, bool require,
                    kpi_error *err)
{
	int rc;
	memset(r, 0, sizeof(*r));
	r->ss = ss;
	if (!(r->work = calloc(n + 1, sizeof(*r->work))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		kpi_work *k = &r->work[r->nwork];
		if ((rc = kpi__cw_spec_load(&k->spec, ss->cfg, defs[i], err)))
			return rc;
		r->nwork++;
		k->values = kpi__cw_values(&ss->settings, &k->spec, &k->nvalues);
		if (!k->nvalues && require)
			return kpi_error_set(err, KPI_ECONFIG, "KPI %s: CloudWatch is not configured: %s", defs[i]->id,
			                     not_configured(&k->spec));
	}
	return 0;
}

typedef struct week_acc {
	bool any;
	double v;         /* sum or max */
	double num, den;
	size_t present, expected;
	bool incomplete;
} week_acc;

/* Fold the slots of `u` that fall in [s, e) into `a` (slots ending after
 * `as_of` are not expected to exist yet). */
static void fold(week_acc *a, const kpi__cw_unit *u, int64_t s, int64_t e, int64_t as_of, kpi__cw_combine c)
{
	for (int64_t t = s; t < e; t += u->period) {
		size_t k;
		if (t < u->t0 || t >= u->t1)
			continue;
		k = (size_t)((t - u->t0) / u->period);
		if (u->flags[k] & KPI__CW_PARTIAL)
			a->incomplete = true;
		if (t + u->period <= as_of)
			a->expected++;
		if (!(u->flags[k] & KPI__CW_PRESENT))
			continue;
		a->present++;
		if (c == KPI__CW_MAX)
			a->v = a->any ? fmax(a->v, u->values[k]) : u->values[k];
		else
			a->v += u->values[k];
		a->any = true;
	}
}
static int fill_week_row(kpi_row *row, const kpi_work *k, const cw_run *r, size_t v, int64_t s, int64_t e,
                         int64_t as_of)
{
	const kpi__cw_spec *sp = &k->spec;
	const kpi__cw_unit *units = r->units + k->first_unit + v * sp->nmetrics;

	row->has_value = false;
	row->value = 0;
	if (sp->combine == KPI__CW_RATIO_PCT) {
		week_acc num = { 0 }, den = { 0 };
		const kpi__cw_unit *un = sp->metrics[0].role == KPI__CW_NUMERATOR ? &units[0] : &units[1];
		const kpi__cw_unit *ud = un == &units[0] ? &units[1] : &units[0];
		fold(&num, un, s, e, as_of, KPI__CW_SUM);
		fold(&den, ud, s, e, as_of, KPI__CW_SUM);
		row->incomplete = num.incomplete || den.incomplete;
		/* Errors counted in an hour with no requests: a gap in the requests. */
		for (int64_t t = s; t < e && !row->incomplete; t += un->period) {
			size_t kk = (size_t)((t - un->t0) / un->period);
			if (t >= un->t0 && t < un->t1 && (un->flags[kk] & KPI__CW_PRESENT) && un->values[kk] > 0 &&
			    !((ud->flags[kk] & KPI__CW_PRESENT) && ud->values[kk] > 0))
				row->incomplete = true;
		}
		row->has_numerator = row->has_denominator = true;
		row->numerator = num.v;
		row->denominator = den.v;
		if (den.v > 0) {
			row->has_value = true;
			row->value = num.v / den.v * 100.0 * sp->scale;
		}
	} else if (sp->combine == KPI__CW_PERCENTILE) {
		const kpi__cw_unit *u = NULL;
		for (size_t i = 0; i < k->nunits / k->nvalues; i++) {
			const kpi__cw_unit *c = &units[i];
			if (s >= c->t0 && s < c->t1)
				u = c;
		}
		/* units of a label value: one per run of weeks */
		if (u) {
			size_t kk = (size_t)((s - u->t0) / u->period);
			row->incomplete = (u->flags[kk] & KPI__CW_PARTIAL) != 0;
			if (u->flags[kk] & KPI__CW_PRESENT) {
				row->has_value = true;
				row->value = u->values[kk] * sp->scale;
			}
		}
	} else {
		week_acc a = { 0 };
		fold(&a, &units[0], s, e, as_of, sp->combine);
		row->incomplete = a.incomplete;
		if (!sp->metrics[0].sparse && a.present > 0 && a.present < a.expected)
			row->incomplete = true;
		if (a.any) {
			row->has_value = true;
			row->value = a.v * sp->scale;
		}
	}
	return 0;
}

static int build_rows(kpi_series *s, const kpi_work *k, const cw_run *r, kpi_error *err)
{
	const kpi_window *w = k->w;
	int rc;
	if ((rc = kpi__series_init(s, k->spec.def, err)))
		return rc;
	memcpy(s->query_sha256, k->spec.sha256, sizeof(s->query_sha256));
	s->rows = calloc((size_t)w->nweeks * k->nvalues + 1, sizeof(*s->rows));
	if (!s->rows)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (int wi = 0; wi < w->nweeks; wi++) {
		for (size_t v = 0; v < k->nvalues; v++) {
			kpi_row *row = &s->rows[s->nrows];
			row->period_start = w->starts[wi];
			row->period_end = w->starts[wi + 1];
			row->partial = w->partial && wi == w->nweeks - 1;
			row->applicable = true;
			if (!(row->labels = calloc(2, sizeof(char *))) || !(row->labels[0] = strdup(k->values[v]))) {
				free(row->labels);
				row->labels = NULL;
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
			}
			s->nrows++;
			/* The units of label value v of a percentile KPI are the runs
			 * of weeks; fill_week_row finds the one holding this week. */
			if (k->spec.combine == KPI__CW_PERCENTILE) {
				kpi_work one = *k;
				size_t per = k->nunits / k->nvalues;
				one.first_unit = k->first_unit + v * per;
				one.nvalues = 1;
				one.nunits = per;
				fill_week_row(row, &one, r, 0, w->starts[wi], w->starts[wi + 1], w->as_of);
			} else {
				fill_week_row(row, k, r, v, w->starts[wi], w->starts[wi + 1], w->as_of);
			}
		}
	}
	return 0;
}

static void log_stats(const char *event, const kpi__cw_stats *st, size_t nunits)
{
	kpi_log_fields(KPI_LOG_DEBUG, event,
	               json_pack("{s:i, s:i, s:i, s:I, s:I, s:f}", "calls", st->calls, "requests", st->aws.requests,
	                         "retries", st->aws.retries, "queries", (json_int_t)st->queries, "datapoints",
	                         (json_int_t)st->datapoints, "seconds", st->aws.seconds),
	               nunits ? "CloudWatch read" : NULL);
}

/* ---- the operations (sources/source.h) ---- */

static int cw_check(const kpi_config *cfg, kpi_error *err)
{
	kpi__cw_settings s;
	int rc = kpi__cw_settings_load(&s, cfg, err);
	kpi__cw_settings_release(&s);
	return rc;
}

static int cw_open(void **out, const kpi_config *cfg, const kpi_catalog *cat, size_t nkpis, kpi_error *err)
{
	cw_session *ss = calloc(1, sizeof(*ss));
	int rc;
	(void)cat;
	(void)nkpis;
	*out = NULL;
	if (!ss)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	ss->cfg = cfg;
	if ((rc = kpi__cw_settings_load(&ss->settings, cfg, err))) {
		free(ss);
		return rc;
	}
	*out = ss;
	return 0;
}

static void cw_close(void *session)
{
	cw_session *ss = session;
	if (!ss)
		return;
	kpi__aws_release(&ss->aws);
	kpi__cw_settings_release(&ss->settings);
	free(ss);
}

/* All the weekly rows of all the KPIs in one batch of GetMetricData calls. */
static int cw_fetch(void *session, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	cw_session *ss = session;
	const kpi_def **defs = calloc(n + 1, sizeof(*defs));
	kpi__cw_stats st = { { 0, 0, 0 }, 0, 0, 0 };
	cw_run r;
	int rc;

	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < n; i++)
		memset(reqs[i].out, 0, sizeof(*reqs[i].out));
	if (!defs) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		defs[i] = reqs[i].def;
	if ((rc = run_open(&r, ss, defs, n, true, err)))
		goto done;
	for (size_t i = 0; i < r.nwork; i++) {
		r.work[i].w = reqs[i].w;
		if ((rc = weekly_units(&r, &r.work[i], err)))
			goto done;
	}
	if ((rc = session_aws(ss, err)))
		goto done;
	if ((rc = kpi__cw_run(r.units, r.nunits, &ss->aws, &ss->settings.retry, (int64_t)time(NULL), &st, err)))
		goto done;
	log_stats("cloudwatch.fetch", &st, r.nunits);
	for (size_t i = 0; i < r.nwork; i++)
		if ((rc = build_rows(reqs[i].out, &r.work[i], &r, err)))
			goto done;
done:
	if (rc)
		for (size_t i = 0; i < n; i++)
			kpi__series_release(reqs[i].out);
	run_release(&r);
	free(defs);
	return rc;
}

static bool cw_configured(const kpi_config *cfg, const kpi_def *def, const char **hint)
{
	kpi__cw_settings s;
	kpi__cw_spec spec;
	size_t n = 0;

	if (hint)
		*hint = "set cloudwatch.load_balancer or cloudwatch.queues in the config file";
	if (kpi__cw_settings_load(&s, cfg, NULL))
		return false;
	if (kpi__cw_spec_load(&spec, cfg, def, NULL) == 0) {
		kpi__cw_values(&s, &spec, &n);
		if (hint)
			*hint = not_configured(&spec);
		kpi__cw_spec_release(&spec);
	} else {
		/* An unreadable query file: count the KPI in so the run reports it. */
		n = 1;
	}
	kpi__cw_settings_release(&s);
	return n > 0;
}

/* ---- datapoints for alarms ---- */

static int cw_datapoints(void *session, const kpi_def *def, int64_t from, int64_t to, int period,
                         kpi_datapoint_set **out, kpi_error *err)
{
	cw_session *ss = session;
	cw_run r;
	kpi__cw_stats st = { { 0, 0, 0 }, 0, 0, 0 };
	kpi_datapoint_set *set = NULL;
	const kpi_def *defs[1] = { def };
	kpi_work *k;
	int rc;

	*out = NULL;
	if ((rc = run_open(&r, ss, defs, 1, true, err)))
		goto done;
	k = &r.work[0];
	k->first_unit = 0;
	for (size_t v = 0; v < k->nvalues; v++)
		for (size_t m = 0; m < k->spec.nmetrics; m++)
			if ((rc = push_unit(&r, def, &k->spec.metrics[m], k->spec.dimension, k->values[v], from, to, period,
			                    err)))
				goto done;
	k->nunits = r.nunits;
	if ((rc = session_aws(ss, err)) ||
	    (rc = kpi__cw_run(r.units, r.nunits, &ss->aws, &ss->settings.retry, (int64_t)time(NULL), &st, err)))
		goto done;
	log_stats("cloudwatch.datapoints", &st, r.nunits);
	if (!(set = calloc(1, sizeof(*set))) || !(set->sets = calloc(k->nvalues + 1, sizeof(*set->sets)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	set->def = def;
	set->nlabels = 1;
	for (size_t v = 0; v < k->nvalues; v++) {
		kpi_datapoints *d = &set->sets[set->nsets++];
		const kpi__cw_unit *u = &r.units[v * k->spec.nmetrics];
		d->start = from;
		d->period = period;
		d->n = u->n;
		d->labels = calloc(2, sizeof(char *));
		d->values = calloc(d->n + 1, sizeof(double));
		d->present = calloc(d->n + 1, sizeof(bool));
		if (!d->labels || !d->values || !d->present || !(d->labels[0] = strdup(k->values[v]))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < d->n; i++) {
			if (k->spec.combine == KPI__CW_RATIO_PCT) {
				const kpi__cw_unit *un = k->spec.metrics[0].role == KPI__CW_NUMERATOR ? &u[0] : &u[1];
				const kpi__cw_unit *ud = un == &u[0] ? &u[1] : &u[0];
				double num = (un->flags[i] & KPI__CW_PRESENT) ? un->values[i] : 0;
				d->incomplete = d->incomplete || ((un->flags[i] | ud->flags[i]) & KPI__CW_PARTIAL);
				if ((ud->flags[i] & KPI__CW_PRESENT) && ud->values[i] > 0) {
					d->present[i] = true;
					d->values[i] = num / ud->values[i] * 100.0 * k->spec.scale;
				}
			} else {
				d->incomplete = d->incomplete || (u->flags[i] & KPI__CW_PARTIAL);
				if (u->flags[i] & KPI__CW_PRESENT) {
					d->present[i] = true;
					d->values[i] = u->values[i] * k->spec.scale;
				}
			}
		}
	}
	*out = set;
	set = NULL;
done:
	kpi_datapoint_set_free(set);
	run_release(&r);
	return rc;
}

/* ---- explain and provenance ---- */

static int cw_where(void *session, char **out, kpi_error *err)
{
	cw_session *ss = session;
	int rc;
	*out = NULL;
	if ((rc = session_aws(ss, err)))
		return rc;
	*out = strdup(ss->aws.where);
	return *out ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

static int cw_explain(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                      const kpi_window *w, kpi_error *err)
{
	cw_session *ss = NULL;
	cw_run r;
	kpi__cw_call *calls = NULL;
	size_t ncalls = 0;
	const kpi_def *defs[1] = { def };
	kpi_error aerr = KPI_ERROR_INIT;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = cw_open((void **)&ss, cfg, cat, 1, err)) || (rc = run_open(&r, ss, defs, 1, false, err)))
		goto done;
	kpi_buf_printf(out, "-- query file: %s\n-- sha256: %s\n", r.work[0].spec.path, r.work[0].spec.sha256);
	if (session_aws(ss, &aerr) == 0)
		kpi_buf_printf(out,
		               "-- POST %s/ (AWS JSON 1.0), region %s\n"
		               "-- Content-Type: application/x-amz-json-1.0\n-- X-Amz-Target: %s\n"
		               "-- signed by libcurl with SigV4 \"%s\", credentials from %s%s\n",
		               ss->aws.endpoint, ss->aws.region, GMD_TARGET, ss->aws.sigv4, ss->aws.source,
		               ss->aws.session_token ? " (with a session token)" : "");
	else
		kpi_buf_printf(out, "-- X-Amz-Target: %s, SigV4 service monitoring\n-- credentials: %s\n", GMD_TARGET,
		               aerr.message);
	if (!r.work[0].nvalues) {
		kpi_buf_printf(out, "-- not configured: %s\n", not_configured(&r.work[0].spec));
		goto done;
	}
	r.work[0].w = w;
	if ((rc = weekly_units(&r, &r.work[0], err)) ||
	    (rc = kpi__cw_plan(&calls, &ncalls, r.units, r.nunits, (int64_t)time(NULL), err)))
		goto done;
	kpi_buf_printf(out, "-- %zu GetMetricData request%s (NextToken followed to the end)\n", ncalls,
	               ncalls == 1 ? "" : "s");
	for (size_t i = 0; i < ncalls && !rc; i++) {
		char a[32], b[32];
		kpi_buf_printf(out, "\n-- request %zu: %s .. %s\n", i + 1, kpi_time_format(a, sizeof(a), calls[i].t0),
		               kpi_time_format(b, sizeof(b), calls[i].t1));
		rc = kpi__cw_request_body(out, &calls[i], r.units, NULL, true, err);
		kpi_buf_puts(out, "\n");
	}
done:
	kpi__cw_plan_free(calls, ncalls);
	run_release(&r);
	cw_close(ss);
	return rc;
}

const kpi__source kpi__source_cloudwatch = {
	.name = "cloudwatch",
	.title = "CloudWatch",
	/* weekly rows come from whole hours: alerts use an alarm rule's periods */
	.alarm_only = true,
	.check = cw_check,
	.configured = cw_configured,
	.open = cw_open,
	.fetch = cw_fetch,
	.datapoints = cw_datapoints,
	.explain = cw_explain,
	.where = cw_where,
	.close = cw_close,
};
