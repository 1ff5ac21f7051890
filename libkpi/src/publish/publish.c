/* Publishing KPIs: CloudWatch PutMetricData and the Prometheus textfile
 * (kpi/publish.h). */
#include "sources/cloudwatch/cw.h"
#include "publish/publish_internal.h"
#include "kpi/eval.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PMD_TARGET "GraniteServiceVersion20100801.PutMetricData"
#define PMD_MAX_METRICS 1000
#define PMD_MAX_BYTES 1000000 /* below the documented 1 MB, with room for the envelope */

/* Index of the first row of the last week of a series. */
static size_t last_week_first(const kpi_series *s, int64_t last_start)
{
	size_t i = 0;
	while (i < s->nrows && s->rows[i].period_start != last_start)
		i++;
	return i;
}

/* A row with a value to publish (no_data and not_applicable rows have none). */
static bool publishable(const kpi_row *r)
{
	return r->has_value && isfinite(r->value) && r->status != KPI_STATUS_NO_DATA &&
	       r->status != KPI_STATUS_NOT_APPLICABLE;
}

static const char *cw_unit(const char *unit)
{
	if (strcmp(unit, "%") == 0)
		return "Percent";
	if (strcmp(unit, "count") == 0)
		return "Count";
	if (strcmp(unit, "s") == 0)
		return "Seconds";
	if (strcmp(unit, "ms") == 0)
		return "Milliseconds";
	return "None";
}

int kpi__publish_namespace(const char **out, const kpi_config *cfg, const kpi_publish_opts *o, kpi_error *err)
{
	const kpi__jsondoc *doc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	const json_t *p = doc ? json_object_get(doc->root, "publish") : NULL;
	const char *ns = o && o->namespace_ ? o->namespace_ : NULL;
	if (!ns && kpi_config_env(cfg, "KPI_PUBLISH_NAMESPACE") && *kpi_config_env(cfg, "KPI_PUBLISH_NAMESPACE"))
		ns = kpi_config_env(cfg, "KPI_PUBLISH_NAMESPACE");
	if (!ns && p)
		ns = json_string_value(json_object_get(p, "namespace"));
	if (!ns)
		ns = "KPI";
	if (!*ns || strlen(ns) > 255 || strncmp(ns, "AWS/", 4) == 0)
		return kpi_error_set(err, KPI_ECONFIG,
		                     "CloudWatch namespace '%s': 1..255 characters, not starting with \"AWS/\"", ns);
	*out = ns;
	return 0;
}

static json_t *datum(const kpi_series *s, const kpi_row *r, const char *name, double v, const char *unit, int64_t ts)
{
	json_t *dims = json_array(), *d;
	for (size_t l = 0; l < s->nlabels; l++)
		json_array_append_new(dims, json_pack("{s:s, s:s}", "Name", s->label_names[l], "Value",
		                                      r->labels[l] && *r->labels[l] ? r->labels[l] : "-"));
	d = json_pack("{s:s, s:o, s:I, s:f, s:s}", "MetricName", name, "Dimensions", dims, "Timestamp", (json_int_t)ts,
	              "Value", v, "Unit", unit);
	return d;
}

static int flush(const kpi__aws *aws, const char *ns, json_t **batch, kpi__aws_retry *retry,
                 kpi_publish_stats *st, kpi_error *err)
{
	json_t *body;
	char *text;
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	int rc;

	if (!json_array_size(*batch))
		return 0;
	body = json_pack("{s:s, s:O}", "Namespace", ns, "MetricData", *batch);
	text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(body);
	if (!text)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	rc = kpi__aws_call(&resp, aws, "application/x-amz-json-1.0", PMD_TARGET, text, strlen(text),
	                   "CloudWatch PutMetricData", retry, NULL, err);
	if (!rc && st) {
		st->calls++;
		st->metrics += json_array_size(*batch);
	}
	free(text);
	kpi__http_resp_release(&resp);
	json_array_clear(*batch);
	return rc;
}

int kpi_publish_cloudwatch(const kpi_config *cfg, const kpi_result *res, const kpi_publish_opts *opts,
                           kpi_publish_stats *stats, kpi_error *err)
{
	kpi__cw_settings set;
	kpi__aws aws;
	kpi_publish_stats local = { 0, 0, 0 };
	kpi_publish_stats *st = stats ? stats : &local;
	const kpi_window *w = &res->window;
	int64_t last = w->starts[w->nweeks - 1], ts = w->as_of, now = opts ? opts->now : 0;
	const char *ns = NULL;
	json_t *batch = NULL;
	size_t bytes = 0;
	int rc;

	memset(&aws, 0, sizeof(aws));
	memset(&set, 0, sizeof(set));
	if ((rc = kpi__publish_namespace(&ns, cfg, opts, err)))
		return rc;
	if (now && (ts < now - 14 * 86400 + 300 || ts > now + 7200)) {
		char b[32];
		return kpi_error_set(err, KPI_EUSAGE,
		                     "the week's as-of time %s is outside what CloudWatch accepts (two weeks old to "
		                     "two hours ahead): publish the current or the last week",
		                     kpi_time_format(b, sizeof(b), ts));
	}
	if ((rc = kpi__cw_settings_load(&set, cfg, err)) ||
	    (rc = kpi__aws_resolve(&aws, cfg, &kpi__aws_cloudwatch, set.region, err)))
		goto done;
	if (!(batch = json_array())) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < res->nseries && !rc; i++) {
		const kpi_series *s = &res->series[i];
		char status_name[160];
		snprintf(status_name, sizeof(status_name), "%s_status", s->def->id);
		for (size_t j = last_week_first(s, last); j < s->nrows && !rc; j++) {
			const kpi_row *r = &s->rows[j];
			json_t *d[2];
			char lb[512];
			if (!publishable(r)) {
				st->skipped++;
				kpi_log_msg(KPI_LOG_INFO, "publish.skip", "KPI %s (%s): %s, nothing published for this row",
				            s->def->id, kpi_row_labels_format(lb, sizeof(lb), s, r), kpi_status_name(r->status));
				continue;
			}
			d[0] = datum(s, r, s->def->id, r->value, cw_unit(s->def->unit), ts);
			d[1] = datum(s, r, status_name, r->status == KPI_STATUS_BREACH ? 1.0 : 0.0, "None", ts);
			for (int k = 0; k < 2 && !rc; k++) {
				char *one = d[k] ? json_dumps(d[k], JSON_COMPACT) : NULL;
				size_t len = one ? strlen(one) + 1 : 0;
				free(one);
				if (!len) {
					rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
					break;
				}
				if (json_array_size(batch) >= PMD_MAX_METRICS || bytes + len > PMD_MAX_BYTES) {
					rc = flush(&aws, ns, &batch, &set.retry, st, err);
					bytes = 0;
				}
				if (!rc) {
					json_array_append(batch, d[k]);
					bytes += len;
				}
			}
			json_decref(d[0]);
			json_decref(d[1]);
		}
	}
	if (!rc)
		rc = flush(&aws, ns, &batch, &set.retry, st, err);
	if (!rc)
		kpi_log_fields(KPI_LOG_INFO, "publish.cloudwatch",
		               json_pack("{s:s, s:i, s:I, s:I}", "namespace", ns, "calls", st->calls, "metrics",
		                         (json_int_t)st->metrics, "skipped", (json_int_t)st->skipped),
		               "published to CloudWatch");
done:
	json_decref(batch);
	kpi__aws_release(&aws);
	kpi__cw_settings_release(&set);
	return rc;
}

/* ---- Prometheus ---- */

static bool strip_suffix(char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	if (n > k && strcmp(name + n - k, suffix) == 0) {
		name[n - k] = '\0';
		return true;
	}
	return false;
}

/* Units that become seconds: the KPI unit, what it is multiplied or divided
 * by, and the name suffixes that spell it. */
static const struct {
	const char *unit;
	double mul, div;
	const char *suffix[3];
} to_seconds[] = {
	{ "s", 1, 1, { "_seconds", "_sec", "_s" } },
	{ "ms", 1, 1000, { "_milliseconds", "_ms", NULL } },
	{ "min", 60, 1, { "_minutes", "_min", NULL } },
	{ "h", 3600, 1, { "_hours", "_h", NULL } },
	{ "d", 86400, 1, { "_days", "_d", NULL } },
};

bool kpi_prom_quantile(char *buf, size_t size, const char *stat)
{
	size_t n = stat ? strlen(stat) : 0, k;
	if (n < 2 || n > 5 || stat[0] != 'p')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isdigit((unsigned char)stat[i]))
			return false;
	if (stat[1] == '0' || (n == 4 && strcmp(stat, "p100") == 0))
		return false;
	/* p95 -> 0.95, p50 -> 0.5, p999 -> 0.999, p9 -> 0.9 */
	snprintf(buf, size, "0.%s", stat + 1);
	for (k = strlen(buf); k > 3 && buf[k - 1] == '0'; k--)
		buf[k - 1] = '\0';
	return true;
}

/* "api_latency_p95_ms" -> "api_latency_ms" and quantile "0.95": a
 * percentile is a label, not a part of the name. */
static void quantile_of_id(char *id, char *q, size_t qsize)
{
	for (char *p = strstr(id, "_p"); p; p = strstr(p + 1, "_p")) {
		size_t n = 2;
		char stat[8];
		while (isdigit((unsigned char)p[n]))
			n++;
		if ((p[n] != '_' && p[n] != '\0') || n - 1 >= sizeof(stat))
			continue;
		snprintf(stat, sizeof(stat), "%.*s", (int)(n - 1), p + 1);
		if (!kpi_prom_quantile(q, qsize, stat))
			continue;
		memmove(p, p + n, strlen(p + n) + 1);
		return;
	}
}

void kpi_prom_metric_of(kpi_prom_metric *out, const kpi_def *def)
{
	char base[160];
	const char *unit = def->unit ? def->unit : "";

	snprintf(base, sizeof(base), "%s", def->id);
	out->base_unit = "";
	out->mul = out->div = 1;
	out->quantile[0] = '\0';
	quantile_of_id(base, out->quantile, sizeof(out->quantile));
	out->summary = out->quantile[0] != '\0';
	for (size_t l = 0; l < def->nlabels && !out->summary; l++) {
		char q[16];
		bool all = def->labels[l].nvalues > 0 && strcmp(def->labels[l].name, "stat") == 0;
		for (size_t k = 0; all && k < def->labels[l].nvalues; k++)
			all = kpi_prom_quantile(q, sizeof(q), def->labels[l].values[k]);
		out->summary = all;
	}
	if (strcmp(unit, "%") == 0) {
		/* Prometheus has no percent: a ratio 0..1, "_ratio" as the suffix. */
		if (!strip_suffix(base, "_pct") && !strip_suffix(base, "_percent"))
			strip_suffix(base, "_ratio");
		strip_suffix(base, "_rate");
		snprintf(out->name, sizeof(out->name), "kpi_%s_ratio", base);
		out->base_unit = "ratio";
		out->div = 100;
		return;
	}
	for (size_t i = 0; i < sizeof(to_seconds) / sizeof(to_seconds[0]); i++) {
		if (strcmp(unit, to_seconds[i].unit) != 0)
			continue;
		for (int k = 0; k < 3 && to_seconds[i].suffix[k]; k++)
			if (strip_suffix(base, to_seconds[i].suffix[k]))
				break;
		snprintf(out->name, sizeof(out->name), "kpi_%s_seconds", base);
		out->base_unit = "seconds";
		out->mul = to_seconds[i].mul;
		out->div = to_seconds[i].div;
		return;
	}
	snprintf(out->name, sizeof(out->name), "kpi_%s", base);
}

/* The metric names the textfile has besides the KPIs' (and their _threshold). */
static const char *const fixed_names[] = {
	"kpi_rows", "kpi_status", "kpi_verdict", "kpi_week_start_timestamp_seconds", "kpi_run_duration_seconds",
	"kpi_last_run_success", "kpi_last_success_timestamp_seconds", "kpi_source_errors_total", NULL,
};

/* The labels kpi publish adds itself. */
static const char *const own_labels[] = { "kpi", "status", NULL };

/* Two KPIs under one name would make one family of two (node_exporter
 * refuses the file): say which. A KPI label named like one kpi adds would
 * make a sample with two labels of one name. */
static int check_names(const kpi_result *res, const kpi_prom_metric *m, kpi_error *err)
{
	for (size_t i = 0; i < res->nseries; i++) {
		const kpi_series *s = &res->series[i];
		char th[sizeof(m[i].name) + 16];
		snprintf(th, sizeof(th), "%s_threshold", m[i].name);
		for (size_t l = 0; l < s->nlabels; l++)
			for (const char *const *o = own_labels; *o; o++)
				if (strcmp(s->label_names[l], *o) == 0)
					return kpi_error_set(err, KPI_ECONFIG,
					                     "KPI %s: its label '%s' is one kpi publish adds in kpi_status: "
					                     "rename the label",
					                     s->def->id, *o);
		for (const char *const *f = fixed_names; *f; f++)
			if (strcmp(m[i].name, *f) == 0 || strcmp(th, *f) == 0)
				return kpi_error_set(err, KPI_ECONFIG,
				                     "KPI %s: its Prometheus metric %s is one kpi publish writes itself: "
				                     "rename the KPI",
				                     s->def->id, *f);
		for (size_t j = 0; j < i; j++) {
			char other[sizeof(th)];
			snprintf(other, sizeof(other), "%s_threshold", m[j].name);
			if (strcmp(m[i].name, m[j].name) == 0 || strcmp(th, m[j].name) == 0 ||
			    strcmp(m[i].name, other) == 0)
				return kpi_error_set(err, KPI_ECONFIG,
				                     "KPIs %s and %s map to the same Prometheus metric %s: rename one",
				                     res->series[j].def->id, s->def->id, m[i].name);
		}
	}
	return 0;
}

/* Escape for a label value (quotes too) or a HELP text (exposition format). */
static void prom_escape(kpi_buf *b, const char *v, bool quotes)
{
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\')
			kpi_buf_puts(b, "\\\\");
		else if (*p == '"' && quotes)
			kpi_buf_puts(b, "\\\"");
		else if (*p == '\n')
			kpi_buf_puts(b, "\\n");
		else
			kpi_buf_append(b, p, 1);
	}
}

/* One label, its value escaped. */
static void label(kpi_buf *b, bool *first, const char *name, const char *value)
{
	kpi_buf_printf(b, "%s%s=\"", *first ? "{" : ",", name);
	prom_escape(b, value, true);
	kpi_buf_puts(b, "\"");
	*first = false;
}

/* The labels of a sample: `kpi` when given, the row's, and `status` when
 * given. Of a summary (`m`), a `stat` label of a percentile such as "p95"
 * becomes `quantile="0.95"`, and the metric's own quantile is added. */
static void labels(kpi_buf *b, const kpi_series *s, const kpi_row *r, const char *kpi, const kpi_prom_metric *m,
                   const char *status)
{
	const char *quantile = m && m->summary ? m->quantile : NULL;
	bool first = true;
	if (kpi)
		label(b, &first, "kpi", kpi);
	for (size_t l = 0; r && l < s->nlabels; l++) {
		char q[16];
		if (quantile && strcmp(s->label_names[l], "stat") == 0 && kpi_prom_quantile(q, sizeof(q), r->labels[l]))
			label(b, &first, "quantile", q);
		else
			label(b, &first, s->label_names[l], r->labels[l]);
	}
	if (quantile && *quantile)
		label(b, &first, "quantile", quantile);
	if (status)
		label(b, &first, "status", status);
	if (!first)
		kpi_buf_puts(b, "}");
}

/* The value of an unlabelled sample `name` in a previous textfile. */
static bool previous_value(const char *text, const char *name, double *out)
{
	size_t n = strlen(name);
	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n');
		if (strncmp(p, name, n) == 0 && p[n] == ' ') {
			char *end;
			double v = strtod(p + n + 1, &end);
			if (end != p + n + 1 && isfinite(v)) {
				*out = v;
				return true;
			}
		}
		p = eol ? eol + 1 : NULL;
	}
	return false;
}

static void gauge(kpi_buf *b, const char *name, const char *type, const char *help, double v)
{
	char num[64];
	kpi_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, type, name,
	               kpi_format_number(num, sizeof(num), true, v));
}

/* kpi_query_seconds{kpi=...}: what each KPI's query cost in this run, as
 * its source measured it (a result read back without timings has none). */
static void query_seconds(kpi_buf *out, const kpi_result *res)
{
	char num[64];
	bool any = false;
	for (size_t i = 0; i < res->nseries; i++) {
		const kpi_series *s = &res->series[i];
		if (!(s->query_seconds > 0))
			continue;
		if (!any)
			kpi_buf_puts(out, "# HELP kpi_query_seconds Wall time of each KPI's query in the last run, as its "
			                  "source measured it\n# TYPE kpi_query_seconds gauge\n");
		any = true;
		kpi_buf_printf(out, "kpi_query_seconds{kpi=\"%s\"} %s\n", s->def->id,
		               kpi_format_number(num, sizeof(num), true, s->query_seconds));
	}
}

int kpi_prom_render(kpi_buf *out, const kpi_prom_run *run, kpi_error *err)
{
	const kpi_result *res = run->result;
	double errors = 0, last_ok = 0;
	char num[64];

	previous_value(run->previous, "kpi_source_errors_total", &errors);
	previous_value(run->previous, "kpi_last_success_timestamp_seconds", &last_ok);
	if (res) {
		const kpi_window *w = &res->window;
		int64_t last = w->starts[w->nweeks - 1];
		kpi_prom_metric *m = calloc(res->nseries ? res->nseries : 1, sizeof(*m));
		kpi_verdict *v = NULL;
		char wk[16];
		int rc;
		if (!m)
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		for (size_t i = 0; i < res->nseries; i++)
			kpi_prom_metric_of(&m[i], res->series[i].def);
		if ((rc = check_names(res, m, err))) {
			free(m);
			return rc;
		}
		kpi_week_format(wk, sizeof(wk), w->last);
		for (size_t i = 0; i < res->nseries; i++) {
			const kpi_series *s = &res->series[i];
			const kpi_threshold *th = &s->def->threshold;
			const char *name = m[i].name;
			size_t first = last_week_first(s, last), nval = 0;
			for (size_t j = first; j < s->nrows; j++)
				nval += publishable(&s->rows[j]);
			kpi_buf_printf(out, "# HELP %s ", name);
			prom_escape(out, s->def->title, false);
			kpi_buf_printf(out, " (KPI %s", s->def->id);
			if (*m[i].base_unit && (m[i].mul != 1 || m[i].div != 1))
				kpi_buf_printf(out, ", in %s: its %s value %s %g", m[i].base_unit, s->def->unit,
				               m[i].div != 1 ? "/" : "x", m[i].div != 1 ? m[i].div : m[i].mul);
			else if (*m[i].base_unit)
				kpi_buf_printf(out, ", in %s", m[i].base_unit);
			else if (s->def->unit && *s->def->unit)
				kpi_buf_printf(out, ", unit %s", s->def->unit);
			kpi_buf_printf(out, "), week %s%s; rows without a value are left out\n# TYPE %s %s\n", wk,
			               w->partial ? " so far" : "", name, m[i].summary ? "summary" : "gauge");
			for (size_t j = first; j < s->nrows && nval; j++) {
				const kpi_row *r = &s->rows[j];
				if (!publishable(r))
					continue;
				kpi_buf_puts(out, name);
				labels(out, s, r, NULL, &m[i], NULL);
				kpi_buf_printf(out, " %s\n",
				               kpi_format_number(num, sizeof(num), true, r->value * m[i].mul / m[i].div));
			}
			if (th->op == KPI_OP_NONE)
				continue;
			kpi_buf_printf(out,
			               "# HELP %s_threshold The threshold of KPI %s in the unit of %s: healthy when the "
			               "value is %s it\n# TYPE %s_threshold gauge\n%s_threshold",
			               name, s->def->id, name, kpi_op_name(th->op), name, name);
			kpi_buf_printf(out, " %s\n", kpi_format_number(num, sizeof(num), true, th->target * m[i].mul / m[i].div));
		}
		free(m);
		kpi_buf_puts(out, "# HELP kpi_status The status of each row of the published week as a state set: 1 for "
		                  "its status (ok, warn, breach, no_data, not_applicable), 0 for the others\n"
		                  "# TYPE kpi_status gauge\n");
		for (size_t i = 0; i < res->nseries; i++) {
			const kpi_series *s = &res->series[i];
			for (size_t j = last_week_first(s, last); j < s->nrows; j++)
				for (int k = 0; k < 5; k++) {
					kpi_buf_puts(out, "kpi_status");
					labels(out, s, &s->rows[j], s->def->id, NULL, kpi_status_name((kpi_status)k));
					kpi_buf_printf(out, " %d\n", (int)s->rows[j].status == k);
				}
		}
		kpi_buf_puts(out, "# HELP kpi_rows Rows of the published week by KPI and status\n# TYPE kpi_rows gauge\n");
		for (size_t i = 0; i < res->nseries; i++) {
			const kpi_series *s = &res->series[i];
			size_t count[5] = { 0 };
			for (size_t j = last_week_first(s, last); j < s->nrows; j++)
				if ((unsigned)s->rows[j].status < 5)
					count[s->rows[j].status]++;
			for (int k = 0; k < 5; k++)
				kpi_buf_printf(out, "kpi_rows{kpi=\"%s\",status=\"%s\"} %zu\n", s->def->id,
				               kpi_status_name((kpi_status)k), count[k]);
		}
		if (!run->verdicts && (rc = kpi_eval_verdicts(&v, res, err)))
			return rc;
		kpi_buf_printf(out,
		               "# HELP kpi_verdict The verdict of the published week (%s%s) as a state set: 1 for "
		               "it, 0 for the others\n# TYPE kpi_verdict gauge\n",
		               wk, w->partial ? " so far" : "");
		for (int k = KPI_VERDICT_GO; k <= KPI_VERDICT_NOGO; k++)
			kpi_buf_printf(out, "kpi_verdict{verdict=\"%s\"} %d\n", kpi_verdict_name((kpi_verdict_kind)k),
			               (int)(run->verdicts ? run->verdicts : v)[w->nweeks - 1].verdict == k);
		kpi_verdicts_free(v, v ? w->nweeks : 0);
		query_seconds(out, res);
		gauge(out, "kpi_week_start_timestamp_seconds", "gauge", "Start of the published ISO week (UTC seconds)",
		      (double)last);
		last_ok = (double)run->now;
	} else {
		errors += 1;
	}
	gauge(out, "kpi_run_duration_seconds", "gauge", "Wall time of the last kpi publish run", run->duration_s);
	gauge(out, "kpi_last_run_success", "gauge", "1 when the last run read every source, else 0", res ? 1 : 0);
	if (last_ok > 0)
		gauge(out, "kpi_last_success_timestamp_seconds", "gauge",
		      "When a run last read every source (UTC seconds); alert when it grows old", last_ok);
	gauge(out, "kpi_source_errors_total", "counter", "Runs that failed because a source could not be read", errors);
	return out->data ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

int kpi_prom_check(const char *path, kpi_error *err)
{
	return kpi__check_creatable(path, false, "cannot write the textfile", err);
}

int kpi_prom_write(const char *path, const kpi_result *result, const kpi_verdict *verdicts, double duration_s,
                   int64_t now, kpi_error *err)
{
	kpi_prom_run run = { result, duration_s, now, NULL, verdicts };
	kpi_buf b = KPI_BUF_INIT;
	char *prev = NULL;
	int rc;

	if (kpi__read_file(&prev, NULL, path, NULL) == 0)
		run.previous = prev;
	rc = kpi_prom_render(&b, &run, err);
	if (!rc)
		/* 0644 whatever the umask (the units' UMask=0027): node_exporter
		 * reads it as its own user (docs/deploy.md) */
		rc = kpi__write_file_atomic_mode(path, b.data, b.len, 0644, err);
	free(prev);
	kpi_buf_release(&b);
	return rc;
}
