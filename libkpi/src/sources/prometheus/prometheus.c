/*
 * The Prometheus source: PromQL over the HTTP API (prom.h; the query files
 * of queries/prometheus/ say what to evaluate, docs/configuration.md).
 *
 * Weekly rows. Week i of a window is [starts[i], starts[i+1]); it is
 * evaluated with one instant query (/api/v1/query) per expression at
 * T = min(week end, as of) with `$__range` = T - starts[i] seconds, so a
 * 167- or 169-hour week of a DST change gets its own length, and the current
 * week the part of it that is over. The label sets of the rows are those the
 * answers hold anywhere in the window (plus the catalogue's known values):
 * every week has a row for each, and a week whose answer has no series for
 * one gets no value there (null, no_data), never 0.
 *
 * Alarm datapoints. One range query (/api/v1/query_range) per expression
 * with step = the rule's period, evaluated at the end of each period with
 * `$__range` = the period, so datapoint k covers [from + k·p, from + (k+1)·p).
 *
 * Honesty rules, as for CloudWatch: a server that cannot be read fails the
 * run (429, 5xx and transport faults are retried with the backoff of docs/requirements.md until
 * the deadline); a query Prometheus rejects names the KPI and the query
 * file; a malformed answer (another resultType, NaN or infinite values,
 * negative counts) is KPI_EDATA; an answer with "warnings" (partial data)
 * marks the rows it feeds `incomplete`, which evaluation never reports as
 * healthy. Secrets (the bearer token, the basic-auth password) travel in
 * one header and appear in no message, log line, explain output or
 * snapshot.
 */
#include "sources/prometheus/prom.h"
#include "core/redact.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Prometheus returns at most 11,000 points per series of a range query. */
#define MAX_STEPS 10000

/* ---- the session ---- */

typedef struct prom_stats {
	int requests;
	int retries;
	double seconds;
} prom_stats;

typedef struct prom_session {
	const kpi_config *cfg;
	kpi__prom_settings s;
	char *auth;              /* "Authorization: ..." or NULL (secret) */
	prom_stats stats;
} prom_session;

static const char *const not_configured_hint = "set prometheus.url in the config file or KPI_PROM_URL";

static void session_close(void *session)
{
	prom_session *ss = session;
	if (!ss)
		return;
	kpi__prom_wipe_free(ss->auth);
	kpi__prom_settings_release(&ss->s);
	free(ss);
}

static int session_open(prom_session **out, const kpi_config *cfg, kpi_error *err)
{
	prom_session *ss = calloc(1, sizeof(*ss));
	int rc;
	*out = NULL;
	if (!ss)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	ss->cfg = cfg;
	if ((rc = kpi__prom_settings_load(&ss->s, cfg, err)) || (rc = kpi__prom_auth_header(&ss->auth, &ss->s, err))) {
		session_close(ss);
		return rc;
	}
	*out = ss;
	return 0;
}

/* A failure's message, redacted of the run's secrets (core/redact.h: the
 * bearer token, the password and the basic credentials are among them): a
 * proxy's error page might echo a header back. */
static int redacted(const prom_session *ss, kpi_error *err, int rc)
{
	if (rc)
		kpi__redact_error(kpi__config_redact(ss->cfg), err);
	return rc;
}

/* ---- one request, with retries ---- */

/*
 * POST `form` to `path` of the server; on success `resp` holds a 2xx answer.
 * `what` names the request in messages ("KPI x: the numerator of FILE at T").
 * @return 0; KPI_EAUTH (401, 403: at once); KPI_ESOURCE (another 4xx: at
 *   once, with Prometheus' errorType and error; the server not reached,
 *   refused or not found, until the deadline); KPI_EDATA (an answer above
 *   max_response: at once); KPI_ETIMEOUT (the deadline passed while
 *   retrying anything else); KPI_ENOMEM.
 */
static int prom_call(kpi__http_resp *resp, prom_session *ss, const char *path, const char *form, const char *what,
                     kpi_error *err)
{
	const kpi__prom_settings *s = &ss->s;
	const char *headers[3];
	char *url = NULL;
	double start = kpi__mono_now(), deadline = start + s->deadline_s;
	int nh = 0, attempt = 0, rc = 0;
	kpi_error last = KPI_ERROR_INIT;
	size_t ulen = strlen(s->url) + strlen(path) + 1;

	if (!(url = malloc(ulen)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	snprintf(url, ulen, "%s%s", s->url, path);
	headers[nh++] = "Content-Type: application/x-www-form-urlencoded";
	if (ss->auth)
		headers[nh++] = ss->auth;
	headers[nh] = NULL;
	for (;;) {
		kpi__http_req req = { 0 };
		double now = kpi__mono_now(), left = deadline - now, wait;
		long tmo = s->timeout_ms;
		char text[600];

		if ((double)tmo / 1000.0 > left)
			tmo = (long)(left * 1000.0) > 100 ? (long)(left * 1000.0) : 100;
		req.method = "POST";
		req.url = url;
		req.headers = headers;
		req.body = form;
		req.body_len = strlen(form);
		req.timeout_ms = tmo;
		req.what = what;
		req.max_response = s->max_response;
		kpi_error_clear(&last);
		ss->stats.requests++;
		if (attempt > 0)
			ss->stats.retries++;
		rc = kpi__http_do(resp, &req, &last);
		if (rc == KPI_ENOMEM) {
			*err = last;
			goto done;
		}
		if (rc == KPI_EDATA) {
			/* an answer over the size cap would only be that again */
			rc = kpi_error_set(err, KPI_EDATA,
			                   "%s: Prometheus (%s): malformed answer: larger than %zu bytes (the cap: "
			                   "prometheus.max_response_bytes or KPI_PROM_MAX_RESPONSE_BYTES)",
			                   what, s->url, s->max_response);
			goto done;
		}
		if (rc) {
			/* refused, reset, cut short, the attempt timed out: again */
		} else if (resp->status >= 200 && resp->status <= 299) {
			goto done;
		} else {
			/* redacted whole before a line of it is quoted */
			if (kpi__redact_buf(kpi__config_redact(ss->cfg), &resp->body))
				kpi__buf_truncate(&resp->body, 0);
			kpi__prom_error_text(text, sizeof(text), resp->body.data, resp->body.len);
			if (!text[0] && resp->body.data) /* not Prometheus' JSON: a proxy's page */
				snprintf(text, sizeof(text), "%.200s", resp->body.data);
			for (char *p = text; *p; p++)
				if (*p == '\n' || *p == '\r' || *p == '\t')
					*p = ' ';
			if (resp->status == 401 || resp->status == 403) {
				rc = kpi_error_set(err, KPI_EAUTH, "%s: Prometheus (%s): authentication failed: HTTP %ld%s%s (auth: %s)",
				                   what, s->url, resp->status, text[0] ? ": " : "", text, kpi__prom_auth_name(s));
				goto done;
			}
			rc = kpi_error_set(&last, KPI_ESOURCE, "%s: Prometheus (%s) answered HTTP %ld%s%s", what, s->url,
			                   resp->status, text[0] ? ": " : "", text);
			if (!kpi__http_retryable(resp->status)) {
				*err = last;
				goto done;
			}
		}
		wait = kpi_backoff_delay(s->base_s, s->max_s, attempt, kpi_random_unit());
		now = kpi__mono_now();
		if (now + wait >= deadline) {
			char server[600];
			snprintf(server, sizeof(server), "Prometheus (%s)", s->url);
			rc = kpi__http_gave_up(err, &last, resp, what, server, attempt + 1, now - start, s->deadline_s);
			goto done;
		}
		kpi_log_msg(KPI_LOG_WARN, "prometheus.retry", "%s; retry %d in %.2f s", last.message, attempt + 1, wait);
		kpi__sleep(wait);
		attempt++;
	}
done:
	ss->stats.seconds += kpi__mono_now() - start;
	free(url);
	return redacted(ss, err, rc);
}

/* ---- evaluating one expression ---- */

/* What one request is for, in messages: "KPI x: the numerator query of
 * FILE at 2026-11-09T00:00:00Z (range 604800s)". */
static void describe(char *buf, size_t size, const kpi__prom_spec *sp, size_t e, const char *when)
{
	snprintf(buf, size, "KPI %s: the %s query of %s %s", sp->def->id, kpi__prom_expr_name(sp, e), sp->path, when);
}

/* "service=a,kind=x": a series' KPI labels, for messages. */
static void labels_text(char *buf, size_t size, const kpi_def *def, char *const *labels)
{
	buf[0] = '\0';
	for (size_t l = 0; l < def->nlabels; l++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s=%s", l ? "," : "", def->labels[l].name, labels[l]);
	if (!def->nlabels)
		snprintf(buf, size, "the KPI");
}

/* Samples checked before use (prom.h). */
int kpi__prom_series_check(const kpi__prom_series *se, const kpi__prom_spec *sp, int64_t t, int64_t t_end, int step,
                           const char *what, const char *url, kpi_error *err)
{
	char lab[256], when[40], why[96];
	labels_text(lab, sizeof(lab), sp->def, se->labels);
	for (size_t k = 0; k < se->n; k++) {
		double x = step > 0 ? (se->t[k] - (double)t) / step : 0, last = step > 0 ? (double)(t_end - t) / step : 0;
		kpi__answer_time(when, sizeof(when), se->t[k]);
		if (step == 0 && fabs(se->t[k] - (double)t) > 0.0005)
			return kpi_error_set(err, KPI_EDATA,
			                     "%s: Prometheus (%s): malformed answer: the sample of %s at %s (value %.15g), not "
			                     "at the time asked",
			                     what, url, lab, when, se->v[k]);
		if (step > 0 && (!(x > -1e-6 && x < last + 1e-6) || fabs(x - nearbyint(x)) > 1e-6))
			return kpi_error_set(err, KPI_EDATA,
			                     "%s: Prometheus (%s): malformed answer: the sample of %s at %s (value %.15g), not "
			                     "at the end of a requested %d-s period",
			                     what, url, lab, when, se->v[k], step);
		if (step > 0 && k > 0 && !(se->t[k] > se->t[k - 1] + step / 2.0))
			return kpi_error_set(err, KPI_EDATA,
			                     "%s: Prometheus (%s): malformed answer: the samples of %s repeat or go back in "
			                     "time at %s",
			                     what, url, lab, when);
		if (kpi__bounds_check(&sp->bounds, se->v[k], why, sizeof(why)))
			return kpi_error_set(err, KPI_EDATA,
			                     "%s: Prometheus (%s): malformed answer: the sample of %s at %s is %.15g: %s", what,
			                     url, lab, when, se->v[k], why);
	}
	return 0;
}

/* Evaluate expression `e` of `sp`: at `t` (instant query), or over
 * [t, t_end] every `step` s (range query, step > 0). */
static int eval_expr(kpi__prom_answer *out, prom_session *ss, const kpi__prom_spec *sp, size_t e, int64_t range_s,
                     int64_t t, int64_t t_end, int step, kpi_error *err)
{
	kpi_buf q = KPI_BUF_INIT, form = KPI_BUF_INIT;
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	char when[160], a[32], b[32], what[1200];
	int rc;

	memset(out, 0, sizeof(*out));
	if (step > 0)
		snprintf(when, sizeof(when), "over %s..%s step %ds", kpi_time_format(a, sizeof(a), t),
		         kpi_time_format(b, sizeof(b), t_end), step);
	else
		snprintf(when, sizeof(when), "at %s (range %llds)", kpi_time_format(a, sizeof(a), t), (long long)range_s);
	describe(what, sizeof(what), sp, e, when);
	if ((rc = kpi__prom_expand(&q, sp->expr[e], range_s, err))) {
		kpi_error_wrap(err, "%s", what);
		goto done;
	}
	if (kpi_buf_puts(&form, "query=") || kpi__prom_form_escape(&form, q.data) ||
	    (step > 0 ? kpi_buf_printf(&form, "&start=%lld&end=%lld&step=%d", (long long)t, (long long)t_end, step)
	              : kpi_buf_printf(&form, "&time=%lld", (long long)t))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = prom_call(&resp, ss, step > 0 ? "/api/v1/query_range" : "/api/v1/query", form.data, what, err)))
		goto done;
	if ((rc = kpi__prom_answer_parse(out, resp.body.data, resp.body.len, step > 0,
	                                 (const char *const *)sp->result_labels, sp->def->nlabels, err))) {
		kpi_error_wrap(err, "%s: Prometheus (%s)", what, ss->s.url);
		goto done;
	}
	for (size_t i = 0; i < out->nseries && !rc; i++)
		rc = kpi__prom_series_check(&out->series[i], sp, t, t_end, step, what, ss->s.url, err);
	if (!rc && out->nwarnings)
		kpi_log_msg(KPI_LOG_WARN, "prometheus.warnings", "%s: Prometheus warns (%zu): %.300s; its rows are incomplete",
		            what, out->nwarnings, out->warning);
done:
	if (rc)
		kpi__prom_answer_release(out);
	kpi_buf_release(&q);
	kpi_buf_release(&form);
	kpi__http_resp_release(&resp);
	return redacted(ss, err, rc);
}

/* ---- label sets ---- */

typedef struct label_sets {
	const kpi_def *def;
	char ***sets;      /* each def->nlabels values (owned) */
	size_t n, cap;
} label_sets;

static void sets_release(label_sets *ls)
{
	for (size_t i = 0; i < ls->n; i++) {
		for (size_t l = 0; l < ls->def->nlabels; l++)
			free(ls->sets[i][l]);
		free(ls->sets[i]);
	}
	free(ls->sets);
	memset(ls, 0, sizeof(*ls));
}

static long sets_find(const label_sets *ls, char *const *v)
{
	for (size_t i = 0; i < ls->n; i++) {
		size_t l = 0;
		while (l < ls->def->nlabels && strcmp(ls->sets[i][l], v[l]) == 0)
			l++;
		if (l == ls->def->nlabels)
			return (long)i;
	}
	return -1;
}

static int sets_add(label_sets *ls, char *const *v, kpi_error *err)
{
	char **copy;
	if (sets_find(ls, v) >= 0)
		return 0;
	if (ls->n == ls->cap) {
		size_t nc = ls->cap ? ls->cap * 2 : 8;
		char ***p = realloc(ls->sets, nc * sizeof(*p));
		if (!p)
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		ls->sets = p;
		ls->cap = nc;
	}
	if (!(copy = calloc(ls->def->nlabels + 1, sizeof(char *))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t l = 0; l < ls->def->nlabels; l++)
		if (!(copy[l] = strdup(v[l]))) {
			while (l-- > 0)
				free(copy[l]);
			free(copy);
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		}
	ls->sets[ls->n++] = copy;
	return 0;
}

/* The catalogue's known values: every combination, when every label has them. */
static int sets_known(label_sets *ls, kpi_error *err)
{
	const kpi_def *d = ls->def;
	size_t idx[16] = { 0 };
	char *v[16];
	int rc;

	if (d->nlabels == 0 || d->nlabels > 16)
		return 0;
	for (size_t l = 0; l < d->nlabels; l++)
		if (!d->labels[l].nvalues)
			return 0;
	for (;;) {
		size_t l = d->nlabels;
		for (size_t k = 0; k < d->nlabels; k++)
			v[k] = d->labels[k].values[idx[k]];
		if ((rc = sets_add(ls, v, err)))
			return rc;
		while (l-- > 0) {
			if (++idx[l] < d->labels[l].nvalues)
				break;
			idx[l] = 0;
		}
		if (l == (size_t)-1)
			return 0;
	}
}

/* Catalogue order: known values in their order, then the others sorted. */
static int value_cmp(const kpi_label_def *l, const char *a, const char *b)
{
	size_t ia = l->nvalues, ib = l->nvalues;
	for (size_t i = 0; i < l->nvalues; i++) {
		if (strcmp(l->values[i], a) == 0)
			ia = i;
		if (strcmp(l->values[i], b) == 0)
			ib = i;
	}
	if (ia != ib)
		return ia < ib ? -1 : 1;
	return strcmp(a, b);
}

static void sets_sort(label_sets *ls)
{
	/* insertion sort: a handful of label sets, a comparator with context */
	for (size_t i = 1; i < ls->n; i++) {
		char **x = ls->sets[i];
		size_t j = i;
		while (j > 0) {
			int c = 0;
			for (size_t l = 0; l < ls->def->nlabels && !c; l++)
				c = value_cmp(&ls->def->labels[l], ls->sets[j - 1][l], x[l]);
			if (c <= 0)
				break;
			ls->sets[j] = ls->sets[j - 1];
			j--;
		}
		ls->sets[j] = x;
	}
}

/* A KPI without labels has one label set, the empty one. */
static int sets_from(label_sets *ls, const kpi_def *def, const kpi__prom_answer *answers, size_t nanswers,
                     kpi_error *err)
{
	int rc;
	memset(ls, 0, sizeof(*ls));
	ls->def = def;
	if (def->nlabels == 0) {
		char *none[1] = { NULL };
		return sets_add(ls, none, err);
	}
	if ((rc = sets_known(ls, err)))
		return rc;
	for (size_t a = 0; a < nanswers; a++)
		for (size_t i = 0; i < answers[a].nseries; i++)
			if ((rc = sets_add(ls, answers[a].series[i].labels, err)))
				return rc;
	sets_sort(ls);
	return 0;
}

/* ---- one label set's value from the answers of one period ---- */

typedef struct period_value {
	bool has_value, has_num, has_den, incomplete;
	double value, num, den;
} period_value;

/* `v[e]` / `has[e]`: expression e's sample for the label set, if any. */
static period_value combine(const kpi__prom_spec *sp, const double *v, const bool *has, bool warned)
{
	period_value p = { false, false, false, warned, 0, 0, 0 };
	if (sp->kind == KPI__PROM_PLAIN) {
		if (has[KPI__PROM_VALUE]) {
			p.has_value = true;
			p.value = v[KPI__PROM_VALUE] * sp->scale;
		}
		return p;
	}
	p.has_den = has[KPI__PROM_DENOMINATOR];
	p.den = p.has_den ? v[KPI__PROM_DENOMINATOR] : 0;
	p.has_num = has[KPI__PROM_NUMERATOR] || (p.has_den && sp->zero_numerator);
	p.num = has[KPI__PROM_NUMERATOR] ? v[KPI__PROM_NUMERATOR] : 0;
	/* errors counted without requests: the answers disagree */
	if (p.has_num && p.num > 0 && !(p.has_den && p.den > 0))
		p.incomplete = true;
	if (p.has_num && p.has_den && p.den > 0) {
		p.has_value = true;
		p.value = p.num / p.den * 100.0 * sp->scale;
	}
	return p;
}

/* A combined value that cannot be: a numerator above its denominator (both
 * increases of the same counters), or a value that is not finite (a scale
 * too large). `where` names the period and label set. KPI_EDATA. */
static int check_value(const period_value *p, const kpi__prom_spec *sp, const char *where, kpi_error *err)
{
	if (p->has_num && p->has_den && kpi__answer_ratio_exceeds(p->num, p->den))
		return kpi_error_set(err, KPI_EDATA,
		                     "KPI %s: %s: malformed Prometheus answer: the numerator query of %s gives %.15g, more "
		                     "than the %.15g of the denominator query",
		                     sp->def->id, where, sp->path, p->num, p->den);
	if (p->has_value && !isfinite(p->value))
		return kpi_error_set(err, KPI_EDATA,
		                     "KPI %s: %s: malformed Prometheus answer: the value of %s is not a finite number (scale %g)",
		                     sp->def->id, where, sp->path, sp->scale);
	return 0;
}

/* ---- weekly rows ---- */

static int64_t week_time(const kpi_window *w, int i)
{
	return w->as_of < w->starts[i + 1] ? w->as_of : w->starts[i + 1];
}

/* A KPI with labels whose queries answered no series in any week (or, for
 * an alarm rule's datapoints, any period) of [from, to) (and whose
 * catalogue lists no label values): it has no rows. Say so, naming what was
 * asked and where, as the CloudWatch source's cloudwatch.discover.none
 * does. */
static void warn_no_series(const kpi__prom_spec *sp, const prom_session *ss, int64_t from, int64_t to,
                           const char *unit)
{
	const kpi_def *def = sp->def;
	json_t *labels = json_array(), *queries = json_array();
	kpi_buf lab = KPI_BUF_INIT, qs = KPI_BUF_INIT;
	char msg[1400], a[32], b[32];

	for (size_t l = 0; l < def->nlabels; l++) {
		json_array_append_new(labels, json_string(sp->result_labels[l]));
		kpi_buf_printf(&lab, "%s%s", l ? ", " : "", sp->result_labels[l]);
	}
	for (size_t e = 0; e < sp->nexpr; e++) {
		json_array_append_new(queries, json_string(kpi__prom_expr_name(sp, e)));
		kpi_buf_printf(&qs, "%s%s", e ? " and " : "", kpi__prom_expr_name(sp, e));
	}
	kpi_time_format(a, sizeof(a), from);
	kpi_time_format(b, sizeof(b), to);
	snprintf(msg, sizeof(msg),
	         "KPI %s: no series: the %s query of %s answered no series with the labels %s in any %s "
	         "%s..%s from Prometheus (%s); it has no rows",
	         def->id, qs.data ? qs.data : "", sp->path, lab.data ? lab.data : "", unit, a, b, ss->s.url);
	kpi_log_fields(KPI_LOG_WARN, "prometheus.series.none",
	               json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:s}", "kpi", def->id, "query_file", sp->path,
	                         "queries", queries, "labels", labels, "from", a, "to", b, "url", ss->s.url),
	               msg);
	kpi_buf_release(&lab);
	kpi_buf_release(&qs);
}

/* The answers of one KPI over its window: answers[i * nexpr + e]. */
static int fetch_one(kpi_series *s, prom_session *ss, const kpi_def *def, const kpi_window *w, kpi_error *err)
{
	kpi__prom_spec sp;
	kpi__prom_answer *ans = NULL;
	label_sets ls;
	size_t nans;
	int rc;

	memset(&ls, 0, sizeof(ls));
	if ((rc = kpi__prom_spec_load(&sp, ss->cfg, def, err)))
		return rc;
	nans = (size_t)w->nweeks * sp.nexpr;
	if (!(ans = calloc(nans + 1, sizeof(*ans)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < w->nweeks; i++) {
		int64_t t = week_time(w, i), range = t - w->starts[i];
		if (range < 1) /* a week that has not begun: nothing to ask */
			continue;
		for (size_t e = 0; e < sp.nexpr; e++)
			if ((rc = eval_expr(&ans[(size_t)i * sp.nexpr + e], ss, &sp, e, range, t, 0, 0, err)))
				goto done;
	}
	if ((rc = sets_from(&ls, def, ans, nans, err)) || (rc = kpi__series_init(s, def, err)))
		goto done;
	if (ls.n == 0)
		warn_no_series(&sp, ss, w->starts[0], w->starts[w->nweeks], "week");
	memcpy(s->query_sha256, sp.sha256, sizeof(s->query_sha256));
	if (!(s->rows = calloc((size_t)w->nweeks * ls.n + 1, sizeof(*s->rows)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < w->nweeks; i++) {
		const kpi__prom_answer *wa = &ans[(size_t)i * sp.nexpr];
		bool warned = false;
		for (size_t e = 0; e < sp.nexpr; e++)
			warned = warned || wa[e].nwarnings > 0;
		for (size_t k = 0; k < ls.n; k++) {
			kpi_row *row = &s->rows[s->nrows];
			double v[2] = { 0, 0 };
			bool has[2] = { false, false };
			period_value p;

			if ((rc = kpi__row_week_init(row, w, i, def->nlabels, err)))
				goto done;
			s->nrows++;
			for (size_t l = 0; l < def->nlabels; l++)
				if (!(row->labels[l] = strdup(ls.sets[k][l]))) {
					rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
					goto done;
				}
			for (size_t e = 0; e < sp.nexpr; e++) {
				long at = def->nlabels ? kpi__prom_answer_find(&wa[e], ls.sets[k]) : (wa[e].nseries ? 0 : -1);
				if (at >= 0) {
					has[e] = true;
					v[e] = wa[e].series[at].v[0];
				}
			}
			p = combine(&sp, v, has, warned);
			if (p.has_value || p.has_num) {
				char where[400], a[32], b[32], lab[256];
				labels_text(lab, sizeof(lab), def, ls.sets[k]);
				snprintf(where, sizeof(where), "the week %s..%s, %s", kpi_time_format(a, sizeof(a), w->starts[i]),
				         kpi_time_format(b, sizeof(b), w->starts[i + 1]), lab);
				if ((rc = check_value(&p, &sp, where, err)))
					goto done;
			}
			row->has_value = p.has_value;
			row->value = p.value;
			row->has_numerator = p.has_num;
			row->numerator = p.num;
			row->has_denominator = p.has_den;
			row->denominator = p.den;
			row->incomplete = p.incomplete;
		}
	}
done:
	for (size_t i = 0; ans && i < nans; i++)
		kpi__prom_answer_release(&ans[i]);
	free(ans);
	sets_release(&ls);
	kpi__prom_spec_release(&sp);
	return rc;
}

/* ---- the operations (sources/source.h) ---- */

static int prom_check(const kpi_config *cfg, kpi_error *err)
{
	kpi__prom_settings s;
	int rc = kpi__prom_settings_load(&s, cfg, err);
	kpi__prom_settings_release(&s);
	return rc;
}

static bool prom_configured(const kpi_config *cfg, const kpi_def *def, const char **hint)
{
	kpi__prom_settings s;
	bool ok;
	(void)def;
	if (hint)
		*hint = not_configured_hint;
	if (kpi__prom_settings_load(&s, cfg, NULL))
		return true; /* an invalid setting: count the KPI in so the run reports it */
	ok = s.url != NULL;
	kpi__prom_settings_release(&s);
	return ok;
}

static int prom_open(void **out, const kpi_config *cfg, const kpi_catalog *cat, size_t nkpis, kpi_error *err)
{
	prom_session *ss;
	int rc;
	(void)cat;
	(void)nkpis;
	*out = NULL;
	if ((rc = session_open(&ss, cfg, err)))
		return rc;
	if (!ss->s.url) {
		session_close(ss);
		return kpi_error_set(err, KPI_ECONFIG, "Prometheus is not configured: %s", not_configured_hint);
	}
	*out = ss;
	return 0;
}

static void log_stats(const prom_session *ss, const char *event)
{
	kpi_log_fields(KPI_LOG_DEBUG, event,
	               json_pack("{s:i, s:i, s:f}", "requests", ss->stats.requests, "retries", ss->stats.retries, "seconds",
	                         ss->stats.seconds),
	               "Prometheus read");
}

static int prom_fetch(void *session, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	prom_session *ss = session;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		memset(reqs[i].out, 0, sizeof(*reqs[i].out));
	for (size_t i = 0; i < n && !rc; i++)
		rc = fetch_one(reqs[i].out, ss, reqs[i].def, reqs[i].w, err);
	if (rc)
		for (size_t i = 0; i < n; i++)
			kpi__series_release(reqs[i].out);
	else
		log_stats(ss, "prometheus.fetch");
	return rc;
}

/* ---- datapoints for alarm rules ---- */

static int prom_datapoints(void *session, const kpi_def *def, int64_t from, int64_t to, int period,
                           kpi_datapoint_set **out, kpi_error *err)
{
	prom_session *ss = session;
	kpi__prom_spec sp;
	kpi__prom_answer *ans = NULL;
	kpi_datapoint_set *set = NULL;
	label_sets ls;
	size_t nsteps = (size_t)((to - from) / period), nchunks = (nsteps + MAX_STEPS - 1) / MAX_STEPS, nans;
	int rc;

	*out = NULL;
	memset(&ls, 0, sizeof(ls));
	if ((rc = kpi__prom_spec_load(&sp, ss->cfg, def, err)))
		return rc;
	nans = nchunks * sp.nexpr;
	if (!(ans = calloc(nans + 1, sizeof(*ans)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* datapoint k covers [from + k·p, from + (k+1)·p): evaluated at its end */
	for (size_t c = 0; c < nchunks; c++) {
		size_t k0 = c * MAX_STEPS, k1 = k0 + MAX_STEPS < nsteps ? k0 + MAX_STEPS : nsteps;
		for (size_t e = 0; e < sp.nexpr; e++)
			if ((rc = eval_expr(&ans[c * sp.nexpr + e], ss, &sp, e, period, from + (int64_t)(k0 + 1) * period,
			                    from + (int64_t)k1 * period, period, err)))
				goto done;
	}
	if ((rc = sets_from(&ls, def, ans, nans, err)))
		goto done;
	if (ls.n == 0)
		warn_no_series(&sp, ss, from, to, "period");
	if (!(set = calloc(1, sizeof(*set))) || !(set->sets = calloc(ls.n + 1, sizeof(*set->sets)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	set->def = def;
	set->nlabels = def->nlabels;
	for (size_t k = 0; k < ls.n; k++) {
		kpi_datapoints *d = &set->sets[set->nsets++];
		double *v[2] = { NULL, NULL };
		bool *has[2] = { NULL, NULL };

		d->start = from;
		d->period = period;
		d->n = nsteps;
		d->labels = calloc(def->nlabels + 1, sizeof(char *));
		d->values = calloc(nsteps + 1, sizeof(double));
		d->present = calloc(nsteps + 1, sizeof(bool));
		for (size_t e = 0; e < sp.nexpr; e++) {
			v[e] = calloc(nsteps + 1, sizeof(double));
			has[e] = calloc(nsteps + 1, sizeof(bool));
		}
		if (sp.kind != KPI__PROM_PLAIN && (!(d->numerator = calloc(nsteps + 1, sizeof(double))) ||
		                                   !(d->denominator = calloc(nsteps + 1, sizeof(double))))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto next;
		}
		if (!d->labels || !d->values || !d->present || !v[0] || !has[0] || (sp.nexpr > 1 && (!v[1] || !has[1]))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto next;
		}
		for (size_t l = 0; l < def->nlabels; l++)
			if (!(d->labels[l] = strdup(ls.sets[k][l]))) {
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
				goto next;
			}
		for (size_t a = 0; a < nans && !rc; a++) {
			const kpi__prom_answer *an = &ans[a];
			size_t e = a % sp.nexpr;
			long at = def->nlabels ? kpi__prom_answer_find(an, ls.sets[k]) : (an->nseries ? 0 : -1);
			d->incomplete = d->incomplete || an->nwarnings > 0;
			for (size_t j = 0; at >= 0 && j < an->series[at].n; j++) {
				double x = (an->series[at].t[j] - (double)from) / period - 1;
				size_t slot;
				/* tested as a double first: only a slot number is converted */
				if (!(x > -1e-6 && x < (double)nsteps - 1 + 1e-6) || fabs(x - nearbyint(x)) > 1e-6) {
					rc = kpi_error_set(err, KPI_EDATA,
					                   "KPI %s: malformed Prometheus query_range answer: a sample at %.3f, not "
					                   "at the end of a requested %d-s period",
					                   def->id, an->series[at].t[j], period);
					break;
				}
				slot = (size_t)nearbyint(x);
				v[e][slot] = an->series[at].v[j];
				has[e][slot] = true;
			}
		}
		for (size_t i = 0; i < nsteps && !rc; i++) {
			double pv[2] = { v[0][i], sp.nexpr > 1 ? v[1][i] : 0 };
			bool ph[2] = { has[0][i], sp.nexpr > 1 ? has[1][i] : false };
			period_value p = combine(&sp, pv, ph, false);
			if (p.has_value || p.has_num) {
				char where[400], a[32], lab[256];
				labels_text(lab, sizeof(lab), def, ls.sets[k]);
				snprintf(where, sizeof(where), "the period at %s, %s",
				         kpi_time_format(a, sizeof(a), from + (int64_t)i * period), lab);
				if ((rc = check_value(&p, &sp, where, err)))
					break;
			}
			d->present[i] = p.has_value;
			d->values[i] = p.value;
			if (d->numerator && p.has_value) {
				d->numerator[i] = p.num;
				d->denominator[i] = p.den;
			}
			d->incomplete = d->incomplete || p.incomplete;
		}
	next:
		for (size_t e = 0; e < 2; e++) {
			free(v[e]);
			free(has[e]);
		}
		if (rc)
			goto done;
	}
	log_stats(ss, "prometheus.datapoints");
	*out = set;
	set = NULL;
done:
	kpi_datapoint_set_free(set);
	for (size_t i = 0; ans && i < nans; i++)
		kpi__prom_answer_release(&ans[i]);
	free(ans);
	sets_release(&ls);
	kpi__prom_spec_release(&sp);
	return rc;
}

/* ---- explain and provenance ---- */

static int prom_where(void *session, char **out, kpi_error *err)
{
	prom_session *ss = session;
	*out = strdup(ss->s.url);
	return *out ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

/* The query file, its hash, the endpoint and every request the weekly rows
 * need, with the range filled in; sends nothing, never a secret. */
static int prom_explain(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                        const kpi_window *w, kpi_error *err)
{
	kpi__prom_settings s;
	kpi__prom_spec sp;
	int rc;
	size_t nreq = 0;
	(void)cat;

	if ((rc = kpi__prom_settings_load(&s, cfg, err)))
		return rc;
	if ((rc = kpi__prom_spec_load(&sp, cfg, def, err))) {
		kpi__prom_settings_release(&s);
		return rc;
	}
	for (int i = 0; i < w->nweeks; i++)
		if (week_time(w, i) > w->starts[i])
			nreq += sp.nexpr;
	kpi_buf_printf(out, "-- query file: %s\n-- sha256: %s\n", sp.path, sp.sha256);
	if (s.url)
		kpi_buf_printf(out, "-- endpoint: POST %s/api/v1/query (form: query, time), auth: %s\n", s.url,
		               kpi__prom_auth_name(&s));
	else
		kpi_buf_printf(out, "-- endpoint: not configured: %s\n", not_configured_hint);
	kpi_buf_printf(out, "-- time zone: %s (weeks); time = the week's end, or the as-of time of the current week; "
	                    "$__range = time - week start\n",
	               w->tz);
	if (sp.kind == KPI__PROM_RATIO)
		kpi_buf_printf(out, "-- value = numerator / denominator x 100%s (no value when the denominator is 0)%s\n",
		               sp.scale != 1 ? " x scale" : "",
		               sp.zero_numerator ? "; no numerator sample with a denominator counts 0" : "");
	else if (sp.scale != 1)
		kpi_buf_printf(out, "-- value = value x %g\n", sp.scale);
	for (size_t l = 0; l < def->nlabels; l++)
		kpi_buf_printf(out, "-- label %s = the result's label '%s'\n", def->labels[l].name, sp.result_labels[l]);
	kpi_buf_printf(out, "-- %zu request%s (retried on 429, 5xx and transport faults within %g s each)\n", nreq,
	               nreq == 1 ? "" : "s", s.deadline_s);
	for (int i = 0; i < w->nweeks && !rc; i++) {
		int64_t t = week_time(w, i), range = t - w->starts[i];
		char a[32], b[32], tt[32];
		if (range < 1)
			continue;
		kpi_buf_printf(out, "\n-- week %s .. %s: time=%lld (%s), $__range=%llds\n",
		               kpi_time_format(a, sizeof(a), w->starts[i]), kpi_time_format(b, sizeof(b), w->starts[i + 1]),
		               (long long)t, kpi_time_format(tt, sizeof(tt), t), (long long)range);
		for (size_t e = 0; e < sp.nexpr && !rc; e++) {
			kpi_buf_printf(out, "-- %s:\n", kpi__prom_expr_name(&sp, e));
			if (!(rc = kpi__prom_expand(out, sp.expr[e], range, err)))
				kpi_buf_puts(out, "\n");
		}
	}
	kpi__prom_spec_release(&sp);
	kpi__prom_settings_release(&s);
	return rc;
}

const kpi__source kpi__source_prometheus = {
	.name = "prometheus",
	.title = "Prometheus",
	/* any window can be read: alerts may use a trailing window or an alarm rule */
	.alarm_only = false,
	.check = prom_check,
	.configured = prom_configured,
	.open = prom_open,
	.fetch = prom_fetch,
	.datapoints = prom_datapoints,
	.explain = prom_explain,
	.where = prom_where,
	.close = session_close,
};
