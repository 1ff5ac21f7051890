/* Publishing KPIs: CloudWatch PutMetricData and the Prometheus textfile
 * (kpi/publish.h). */
#include "cw.h"
#include "kpi/publish.h"
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

static int namespace_of(const char **out, const kpi_config *cfg, const kpi_publish_opts *o, kpi_error *err)
{
	const kpi__jsondoc *doc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	const json_t *p = doc ? json_object_get(doc->root, "publish") : NULL;
	const char *ns = o && o->namespace_ ? o->namespace_ : NULL;
	if (!ns && getenv("KPI_PUBLISH_NAMESPACE") && *getenv("KPI_PUBLISH_NAMESPACE"))
		ns = getenv("KPI_PUBLISH_NAMESPACE");
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
	if ((rc = namespace_of(&ns, cfg, opts, err)))
		return rc;
	if (now && (ts < now - 14 * 86400 + 300 || ts > now + 7200)) {
		char b[32];
		return kpi_error_set(err, KPI_EUSAGE,
		                     "the week's as-of time %s is outside what CloudWatch accepts (two weeks old to "
		                     "two hours ahead): publish the current or the last week",
		                     kpi_time_format(b, sizeof(b), ts));
	}
	if ((rc = kpi__cw_settings_load(&set, cfg, err)) ||
	    (rc = kpi__aws_resolve(&aws, &kpi__aws_cloudwatch, set.region, err)))
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

static void labels(kpi_buf *b, const kpi_series *s, const kpi_row *r)
{
	if (!s->nlabels)
		return;
	kpi_buf_puts(b, "{");
	for (size_t l = 0; l < s->nlabels; l++) {
		kpi_buf_printf(b, "%s%s=\"", l ? "," : "", s->label_names[l]);
		prom_escape(b, r->labels[l], true);
		kpi_buf_puts(b, "\"");
	}
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
		char wk[16];
		kpi_week_format(wk, sizeof(wk), w->last);
		for (size_t i = 0; i < res->nseries; i++) {
			const kpi_series *s = &res->series[i];
			size_t first = last_week_first(s, last), nval = 0, nstat = 0;
			for (size_t j = first; j < s->nrows; j++)
				nval += publishable(&s->rows[j]);
			nstat = nval;
			kpi_buf_printf(out, "# HELP kpi_%s ", s->def->id);
			prom_escape(out, s->def->title, false);
			kpi_buf_printf(out, " (unit %s), week %s%s; rows without a value are left out\n# TYPE kpi_%s gauge\n",
			               s->def->unit, wk, w->partial ? " so far" : "", s->def->id);
			for (size_t j = first; j < s->nrows && nval; j++) {
				const kpi_row *r = &s->rows[j];
				if (!publishable(r))
					continue;
				kpi_buf_printf(out, "kpi_%s", s->def->id);
				labels(out, s, r);
				kpi_buf_printf(out, " %s\n", kpi_format_number(num, sizeof(num), true, r->value));
			}
			kpi_buf_printf(out,
			               "# HELP kpi_%s_status 1 when in breach of its threshold, 0 when ok or warn "
			               "(rows without a value are left out)\n# TYPE kpi_%s_status gauge\n",
			               s->def->id, s->def->id);
			for (size_t j = first; j < s->nrows && nstat; j++) {
				const kpi_row *r = &s->rows[j];
				if (!publishable(r))
					continue;
				kpi_buf_printf(out, "kpi_%s_status", s->def->id);
				labels(out, s, r);
				kpi_buf_printf(out, " %d\n", r->status == KPI_STATUS_BREACH ? 1 : 0);
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

int kpi_prom_write(const char *path, const kpi_result *result, double duration_s, int64_t now, kpi_error *err)
{
	kpi_prom_run run = { result, duration_s, now, NULL };
	kpi_buf b = KPI_BUF_INIT;
	char *prev = NULL;
	int rc;

	if (kpi__read_file(&prev, NULL, path, NULL) == 0)
		run.previous = prev;
	rc = kpi_prom_render(&b, &run, err);
	if (!rc)
		rc = kpi__write_file_atomic(path, b.data, b.len, err);
	free(prev);
	kpi_buf_release(&b);
	return rc;
}
