/* CloudWatch alarms (PutMetricAlarm, DescribeAlarms, DeleteAlarms) and the
 * dashboard (PutDashboard) of `kpi publish --alarms/--dashboard`
 * (kpi/publish.h), from the alert rules' resolved thresholds: the ones
 * `kpi alert`, the pack and `kpi export prometheus-rules` use. */
#include "alert/alert_internal.h"
#include "sources/cloudwatch/cw.h"
#include "publish/publish_internal.h"
#include "kpi/eval.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TARGET "GraniteServiceVersion20100801."
#define JSON_CT "application/x-amz-json-1.0"

/* A CloudWatch session of a publication. */
typedef struct cw {
	kpi__cw_settings set;
	kpi__aws aws;
	const char *ns;
} cw;

static int cw_open(cw *c, const kpi_config *cfg, const kpi_publish_opts *o, kpi_error *err)
{
	int rc;
	memset(c, 0, sizeof(*c));
	if ((rc = kpi__publish_namespace(&c->ns, cfg, o, err)) || (rc = kpi__cw_settings_load(&c->set, cfg, err)))
		return rc;
	return kpi__aws_resolve(&c->aws, cfg, &kpi__aws_cloudwatch, c->set.region, err);
}

static void cw_close(cw *c)
{
	kpi__aws_release(&c->aws);
	kpi__cw_settings_release(&c->set);
}

/* One JSON call; the answer parsed into *out when out is not NULL. */
static int call(json_t **out, cw *c, const char *action, json_t *body, kpi_error *err)
{
	char target[96], what[96];
	char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	int rc;

	json_decref(body);
	if (!text)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	snprintf(target, sizeof(target), TARGET "%s", action);
	snprintf(what, sizeof(what), "CloudWatch %s", action);
	rc = kpi__aws_call(&resp, &c->aws, JSON_CT, target, text, strlen(text), what, &c->set.retry, NULL, err);
	free(text);
	if (!rc && out && !(*out = json_loadb(resp.body.data ? resp.body.data : "{}", resp.body.data ? resp.body.len : 2, 0, NULL)))
		rc = kpi_error_set(err, KPI_ESOURCE, "%s: the answer is not JSON", what);
	kpi__http_resp_release(&resp);
	return rc;
}

/* The marker of the alarms kpi manages in a namespace (their description
 * ends with it): --prune deletes no other alarm. */
static void marker(char *buf, size_t size, const char *ns)
{
	snprintf(buf, size, "[managed by kpi publish --alarms, namespace %s]", ns);
}

/* CloudWatch's operator for a breach of `healthy OP target`. CloudWatch has
 * no "not equal": `= target` breaches above it (a count that must stay 0),
 * or below it when it is 100 % (a rate that must stay whole). */
static const char *comparison(const kpi_threshold *th, const char *unit)
{
	switch (th->op) {
	case KPI_OP_GE: return "LessThanThreshold";
	case KPI_OP_GT: return "LessThanOrEqualToThreshold";
	case KPI_OP_LE: return "GreaterThanThreshold";
	case KPI_OP_LT: return "GreaterThanOrEqualToThreshold";
	default:
		return strcmp(unit ? unit : "", "%") == 0 && th->target >= 100 ? "LessThanThreshold"
		                                                                 : "GreaterThanThreshold";
	}
}

static bool upper_bound(kpi_op op)
{
	return op == KPI_OP_LE || op == KPI_OP_LT || op == KPI_OP_EQ;
}

/* The alarm of one row: its name "kpi-<id>[-<label value>...]" and its
 * PutMetricAlarm body. */
static json_t *alarm_of(char *name, size_t size, const kpi__alert_rule *r, const kpi_series *s, const kpi_row *row,
                        const char *ns, const char *topic, int64_t interval)
{
	kpi_buf n = KPI_BUF_INIT;
	json_t *dims = json_array(), *a;
	char th[96], mk[320], desc[1024];
	int m, nper, period;
	const char *treat;

	kpi_buf_printf(&n, "kpi-%s", s->def->id);
	for (size_t l = 0; l < s->nlabels; l++) {
		const char *v = row->labels[l] && *row->labels[l] ? row->labels[l] : "-";
		kpi_buf_printf(&n, "-%s", v);
		json_array_append_new(dims, json_pack("{s:s, s:s}", "Name", s->label_names[l], "Value", v));
	}
	snprintf(name, size, "%.255s", n.data ? n.data : "");
	kpi_buf_release(&n);
	if (r->has_alarm) {
		m = r->alarm.datapoints_to_alarm;
		nper = r->alarm.evaluation_periods;
		period = r->alarm.period_seconds;
		treat = r->alarm.treat_missing == KPI_TREAT_NOT_BREACHING ? "notBreaching"
		                                                           : kpi_treat_missing_name(r->alarm.treat_missing);
	} else {
		/* kpi alert fires after `for` breaching runs kept pending: the
		 * (for + 1)th; a run of kpi publish is one datapoint */
		m = nper = r->for_runs + 1;
		period = (int)interval;
		treat = s->def->missing == KPI_MISSING_BLOCK ? "breaching" : "notBreaching";
	}
	kpi_threshold_format(th, sizeof(th), &r->threshold, s->def->unit);
	marker(mk, sizeof(mk), ns);
	snprintf(desc, sizeof(desc), "KPI %s (%s): healthy when %s. From the kpi catalogue and config: change the "
	                             "threshold there and run kpi publish --alarms again. %s",
	         s->def->id, s->def->title, th, mk);
	a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:i, s:i, s:f, s:s, s:s, s:b}", "AlarmName", name,
	              "AlarmDescription", desc, "MetricName", s->def->id, "Namespace", ns, "Statistic",
	              upper_bound(r->threshold.op) ? "Maximum" : "Minimum", "Dimensions", dims, "Period", period,
	              "EvaluationPeriods", nper, "DatapointsToAlarm", m, "Threshold", r->threshold.target,
	              "ComparisonOperator", comparison(&r->threshold, s->def->unit), "TreatMissingData", treat,
	              "ActionsEnabled", topic != NULL);
	if (a && topic) {
		json_object_set_new(a, "AlarmActions", json_pack("[s]", topic));
		json_object_set_new(a, "OKActions", json_pack("[s]", topic));
	}
	if (a)
		json_object_set_new(a, "Tags", json_pack("[{s:s, s:s}]", "Key", "managed-by", "Value", "kpi"));
	return a;
}

/* The SNS topic of the alarms' actions: $KPI_PUBLISH_ALARM_TOPIC_ARN, then
 * the config's publish.alarm_topic_arn; NULL when neither is set. */
static int topic_of(const char **out, const kpi_config *cfg, kpi_error *err)
{
	const kpi__jsondoc *doc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	const json_t *p = doc ? json_object_get(doc->root, "publish") : NULL, *v = NULL;
	const char *t = kpi_config_env(cfg, "KPI_PUBLISH_ALARM_TOPIC_ARN");

	*out = NULL;
	if (!t || !*t) {
		v = p ? json_object_get(p, "alarm_topic_arn") : NULL;
		if (v && !json_is_string(v))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "publish.alarm_topic_arn must be an SNS topic ARN");
		t = json_string_value(v);
	}
	if (t && (strncmp(t, "arn:", 4) != 0 || !strstr(t, ":sns:")))
		return v ? kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
		                              "publish.alarm_topic_arn '%s' is not an SNS topic ARN (arn:aws:sns:...)", t)
		         : kpi_error_set(err, KPI_ECONFIG,
		                         "environment KPI_PUBLISH_ALARM_TOPIC_ARN '%s' is not an SNS topic ARN "
		                         "(arn:aws:sns:...)",
		                         t);
	*out = t;
	return 0;
}

static bool listed(const json_t *names, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return true;
	return false;
}

/* Delete kpi's alarms of this namespace that were not just put. */
static int prune(cw *c, const json_t *kept, kpi_publish_alarm_stats *st, kpi_error *err)
{
	char mk[320];
	json_t *gone = json_array();
	char *token = NULL;
	int rc = 0;

	marker(mk, sizeof(mk), c->ns);
	do {
		json_t *req = json_pack("{s:s, s:i}", "AlarmNamePrefix", "kpi-", "MaxRecords", 100), *ans = NULL, *a;
		size_t i;
		if (token)
			json_object_set_new(req, "NextToken", json_string(token));
		free(token);
		token = NULL;
		if ((rc = call(&ans, c, "DescribeAlarms", req, err)))
			break;
		json_array_foreach(json_object_get(ans, "MetricAlarms"), i, a) {
			const char *name = json_string_value(json_object_get(a, "AlarmName"));
			const char *desc = json_string_value(json_object_get(a, "AlarmDescription"));
			size_t dl = desc ? strlen(desc) : 0, ml = strlen(mk);
			if (name && dl >= ml && strcmp(desc + dl - ml, mk) == 0 && !listed(kept, name))
				json_array_append_new(gone, json_string(name));
		}
		if (json_string_value(json_object_get(ans, "NextToken")))
			token = strdup(json_string_value(json_object_get(ans, "NextToken")));
		json_decref(ans);
	} while (token);
	for (size_t i = 0; !rc && i < json_array_size(gone); i += 100) {
		json_t *batch = json_array();
		size_t n = 0;
		for (size_t k = i; k < i + 100 && k < json_array_size(gone); k++, n++)
			json_array_append(batch, json_array_get(gone, k));
		/* the body owns the batch, and call() frees the body */
		if (!(rc = call(NULL, c, "DeleteAlarms", json_pack("{s:o}", "AlarmNames", batch), err)))
			st->deleted += n;
	}
	free(token);
	json_decref(gone);
	return rc;
}

int kpi_publish_alarms(const kpi_config *cfg, const kpi_catalog *cat, const kpi_result *res,
                       const kpi_publish_opts *opts, kpi_publish_alarm_stats *stats, kpi_error *err)
{
	kpi_publish_alarm_stats local = { 0, 0 };
	kpi_publish_alarm_stats *st = stats ? stats : &local;
	kpi__alert_settings *as = NULL;
	int64_t interval = opts && opts->interval > 0 ? opts->interval : 300;
	const kpi_window *w = &res->window;
	const char *topic = NULL;
	json_t *kept = json_array();
	cw c;
	int rc;

	memset(&c, 0, sizeof(c));
	if (interval % 60 && interval != 10 && interval != 30) {
		json_decref(kept);
		return kpi_error_set(err, KPI_EUSAGE,
		                     "the publish interval %llds is no CloudWatch alarm period (10, 30 or a multiple of 60)",
		                     (long long)interval);
	}
	if ((rc = topic_of(&topic, cfg, err)) || (rc = kpi__alert_settings_load(&as, cfg, cat, err)) ||
	    (rc = cw_open(&c, cfg, opts, err)))
		goto done;
	for (size_t i = 0; i < as->nrules && !rc; i++) {
		const kpi__alert_rule *r = &as->rules[i];
		const kpi_series *s = kpi_result_find(res, r->def->id);
		for (size_t j = 0; s && j < s->nrows && !rc; j++) {
			char name[256];
			json_t *a;
			if (s->rows[j].period_start != w->starts[w->nweeks - 1])
				continue;
			if (!(a = alarm_of(name, sizeof(name), r, s, &s->rows[j], c.ns, topic, interval))) {
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
				break;
			}
			if (listed(kept, name))
				json_decref(a);
			else if (!(rc = call(NULL, &c, "PutMetricAlarm", a, err))) {
				json_array_append_new(kept, json_string(name));
				st->put++;
			}
		}
	}
	if (!rc && opts && opts->prune)
		rc = prune(&c, kept, st, err);
	if (!rc)
		kpi_log_fields(KPI_LOG_INFO, "publish.alarms",
		               json_pack("{s:s, s:I, s:I}", "namespace", c.ns, "put", (json_int_t)st->put, "deleted",
		                         (json_int_t)st->deleted),
		               "CloudWatch alarms put");
done:
	json_decref(kept);
	kpi__alert_settings_free(as);
	cw_close(&c);
	return rc;
}

/* ---- the dashboard ---- */

static json_t *kpi_widget(const kpi_series *s, const cw *c, int64_t last, int x, int y)
{
	json_t *metrics = json_array(), *p, *h = json_array();
	char th[96];

	for (size_t j = 0; j < s->nrows; j++) {
		json_t *m;
		if (s->rows[j].period_start != last)
			continue;
		m = json_pack("[s, s]", c->ns, s->def->id);
		for (size_t l = 0; l < s->nlabels; l++) {
			json_array_append_new(m, json_string(s->label_names[l]));
			json_array_append_new(m, json_string(s->rows[j].labels[l] && *s->rows[j].labels[l] ? s->rows[j].labels[l]
			                                                                                   : "-"));
		}
		json_array_append_new(metrics, m);
	}
	if (s->def->threshold.op != KPI_OP_NONE) {
		kpi_threshold_format(th, sizeof(th), &s->def->threshold, s->def->unit);
		json_array_append_new(h, json_pack("{s:s, s:f}", "label", th, "value", s->def->threshold.target));
	}
	p = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:{s:o}}", "title", s->def->title, "region",
	              c->aws.region ? c->aws.region : "us-east-1",
	              "view", "timeSeries", "stat", upper_bound(s->def->threshold.op) ? "Maximum" : "Minimum", "period",
	              300, "metrics", metrics, "annotations", "horizontal", h);
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:o}", "type", "metric", "x", x, "y", y, "width", 12, "height", 6,
	                 "properties", p);
}

int kpi_publish_dashboard(const kpi_config *cfg, const kpi_result *res, const kpi_publish_opts *opts,
                          char *name, size_t name_size, kpi_error *err)
{
	const kpi_window *w = &res->window;
	kpi_verdict *v = NULL;
	const kpi_verdict *vv;
	kpi_buf md = KPI_BUF_INIT;
	json_t *widgets = NULL, *body;
	char wk[16], *text = NULL;
	cw c;
	int rc;

	memset(&c, 0, sizeof(c));
	if ((rc = cw_open(&c, cfg, opts, err)) || (!opts->verdicts && (rc = kpi_eval_verdicts(&v, res, err))))
		goto done;
	vv = opts->verdicts ? opts->verdicts : v;
	/* "kpi" for the default namespace, else kpi-<namespace> in the
	 * characters dashboard names allow */
	snprintf(name, name_size, "%s%s", strcmp(c.ns, "KPI") == 0 ? "kpi" : "kpi-", strcmp(c.ns, "KPI") == 0 ? "" : c.ns);
	for (char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			*p = '-';
	kpi_week_format(wk, sizeof(wk), w->last);
	kpi_buf_printf(&md, "# Week %s%s: %s\n", wk, w->partial ? " (so far)" : "",
	               kpi_verdict_name(vv[w->nweeks - 1].verdict));
	for (size_t i = 0; i < vv[w->nweeks - 1].nreasons; i++) {
		const kpi_reason *r = &vv[w->nweeks - 1].reasons[i];
		kpi_buf_printf(&md, "- %s%s%s%s: %s (threshold %s)\n", r->kpi, *r->labels ? " {" : "", r->labels,
		               *r->labels ? "}" : "", kpi_status_name(r->status), r->threshold);
	}
	kpi_buf_puts(&md, "\nPublished by `kpi publish --dashboard`; thresholds from the kpi catalogue and config.");
	widgets = json_pack("[{s:s, s:i, s:i, s:i, s:i, s:{s:s}}]", "type", "text", "x", 0, "y", 0, "width", 24,
	                    "height", 3 + (int)vv[w->nweeks - 1].nreasons, "properties", "markdown", md.data ? md.data : "");
	for (size_t i = 0; widgets && i < res->nseries; i++)
		json_array_append_new(widgets, kpi_widget(&res->series[i], &c, w->starts[w->nweeks - 1], (int)(i % 2) * 12,
		                                          20 + (int)(i / 2) * 6));
	body = json_pack("{s:O}", "widgets", widgets);
	text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(body);
	if (!text) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	rc = call(NULL, &c, "PutDashboard", json_pack("{s:s, s:s}", "DashboardName", name, "DashboardBody", text), err);
done:
	free(text);
	json_decref(widgets);
	kpi_buf_release(&md);
	kpi_verdicts_free(v, w->nweeks);
	cw_close(&c);
	return rc;
}
