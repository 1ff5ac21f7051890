/* Prometheus alerting rules, and a promtool unit-test suite of them, from
 * the alert rules of the catalogue and config (kpi/publish.h): the same
 * resolved thresholds `kpi alert` and the pack use, over the metrics
 * kpi_prom_render() writes. */
#include "alert/alert_internal.h"
#include "kpi/publish.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The comparison that breaches `healthy OP target`. */
static const char *breach_op(kpi_op op)
{
	switch (op) {
	case KPI_OP_GE: return "<";
	case KPI_OP_GT: return "<=";
	case KPI_OP_LE: return ">";
	case KPI_OP_LT: return ">=";
	default: return "!=";
	}
}

/* A YAML double-quoted scalar (JSON's escaping is YAML's). */
static void quoted(kpi_buf *b, const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	kpi_buf_puts(b, t ? t : "\"\"");
	free(t);
	json_decref(j);
}

static char *num(char *buf, size_t size, double v)
{
	return kpi_format_number(buf, size, true, v);
}

/* How long the condition must hold: M periods of an alarm rule, else the
 * rule's `for` runs of kpi publish. */
static int64_t for_seconds(const kpi__alert_rule *r, int64_t interval)
{
	if (r->has_alarm)
		return (int64_t)r->alarm.datapoints_to_alarm * r->alarm.period_seconds;
	return (int64_t)r->for_runs * interval;
}

/* The rule's runbook as a link: a link or path as given, else an anchor of
 * the runbook (as alert notifications say it). */
static void runbook(kpi_buf *b, const kpi__alert_settings *st, const char *rb)
{
	if (strncmp(rb, "http://", 7) == 0 || strncmp(rb, "https://", 8) == 0 || strchr(rb, '/'))
		kpi_buf_puts(b, rb);
	else
		kpi_buf_printf(b, "%s#%s", st->runbook_base, rb);
}

/* The series a test feeds: the metric with one value per known label
 * ("test" when open-ended), as a selector string. */
static void test_series(kpi_buf *b, const kpi_def *d, const kpi_prom_metric *m)
{
	bool first = true;
	kpi_buf_puts(b, m->name);
	for (size_t l = 0; l < d->nlabels; l++) {
		kpi_buf_printf(b, "%s%s=\"%s\"", first ? "{" : ",", d->labels[l].name,
		               d->labels[l].nvalues ? d->labels[l].values[0] : "test");
		first = false;
	}
	if (m->quantile[0]) {
		kpi_buf_printf(b, "%squantile=\"%s\"", first ? "{" : ",", m->quantile);
		first = false;
	}
	if (!first)
		kpi_buf_puts(b, "}");
}

static void annotations(kpi_buf *b, const char *indent, const kpi__alert_settings *st, const kpi__alert_rule *r,
                        const char *threshold, const char *dur)
{
	kpi_buf tmp = KPI_BUF_INIT;
	kpi_buf_printf(b, "%ssummary: ", indent);
	kpi_buf_printf(&tmp, "KPI %s (%s) breaches its threshold %s", r->def->id, r->def->title, threshold);
	quoted(b, tmp.data);
	kpi_buf_release(&tmp);
	kpi_buf_printf(b, "\n%sdescription: ", indent);
	kpi_buf_printf(&tmp, "%s: healthy when %s; firing %s%s of breach. Exported from the kpi catalogue and "
	                     "config: change the threshold there, not here.",
	               r->def->title, threshold, strcmp(dur, "0s") == 0 ? "at the first sample" : "after ",
	               strcmp(dur, "0s") == 0 ? "" : dur);
	quoted(b, tmp.data);
	kpi_buf_release(&tmp);
	kpi_buf_printf(b, "\n%srunbook_url: ", indent);
	runbook(&tmp, st, r->runbook);
	quoted(b, tmp.data);
	kpi_buf_release(&tmp);
	kpi_buf_puts(b, "\n");
}

/* One rule's two tests: a series just past the threshold fires after
 * `for`, one at its healthy edge never does. */
static void rule_tests(kpi_buf *t, const kpi__alert_settings *st, const kpi__alert_rule *r, const kpi_prom_metric *m,
                       const char *threshold, const char *dur, int64_t for_s)
{
	double target = r->threshold.target * m->mul / m->div;
	double d = fmax(fabs(target), 1) * 1e-3, bad, good;
	int64_t eval = for_s + 60;
	char nb[64], ng[64];

	switch (r->threshold.op) {
	case KPI_OP_GE: bad = target - d; good = target; break;
	case KPI_OP_GT: bad = target; good = target + d; break;
	case KPI_OP_LE: bad = target + d; good = target; break;
	case KPI_OP_LT: bad = target; good = target - d; break;
	default: bad = target + d; good = target; break;
	}
	num(nb, sizeof(nb), bad);
	num(ng, sizeof(ng), good);
	for (int fires = 1; fires >= 0; fires--) {
		kpi_buf_printf(t, "  # %s: %s %s\n  - interval: 1m\n    input_series:\n      - series: '", r->def->id,
		               fires ? nb : ng, fires ? "breaches, the alert fires" : "is healthy, no alert");
		test_series(t, r->def, m);
		kpi_buf_printf(t, "'\n        values: '%sx%lld'\n    alert_rule_test:\n", fires ? nb : ng,
		               (long long)(eval / 60 + 2));
		if (for_s > 0 && fires)
			/* still pending just before `for` has passed */
			kpi_buf_printf(t, "      - eval_time: %llds\n        alertname: %s\n        exp_alerts: []\n",
			               (long long)(for_s - 60), r->def->id);
		kpi_buf_printf(t, "      - eval_time: %llds\n        alertname: %s\n        exp_alerts:%s\n", (long long)eval,
		               r->def->id, fires ? "" : " []");
		if (!fires)
			continue;
		kpi_buf_printf(t, "          - exp_labels:\n              severity: %s\n              kpi: %s\n",
		               kpi_alert_severity_name(r->severity), r->def->id);
		for (size_t l = 0; l < r->def->nlabels; l++) {
			kpi_buf_printf(t, "              %s: ", r->def->labels[l].name);
			quoted(t, r->def->labels[l].nvalues ? r->def->labels[l].values[0] : "test");
			kpi_buf_puts(t, "\n");
		}
		if (m->quantile[0])
			kpi_buf_printf(t, "              quantile: \"%s\"\n", m->quantile);
		kpi_buf_puts(t, "            exp_annotations:\n");
		annotations(t, "              ", st, r, threshold, dur);
	}
}

int kpi_prom_rules_render(kpi_buf *rules, kpi_buf *tests, const kpi_config *cfg, const kpi_catalog *cat,
                          const kpi_prom_rules_opts *opts, kpi_error *err)
{
	kpi__alert_settings *st = NULL;
	int64_t interval = opts && opts->interval > 0 ? opts->interval : 300;
	const char *rules_name = opts && opts->rules_name ? opts->rules_name : "kpi-rules.yml";
	int rc;

	if ((rc = kpi__alert_settings_load(&st, cfg, cat, err)))
		return rc;
	kpi_buf_printf(rules,
	               "# Prometheus alerting rules of kpi's alerting KPIs, over the metrics `kpi publish\n"
	               "# --prom-textfile` writes. Generated by `kpi export prometheus-rules` from\n"
	               "# the catalogue %s and the config's overrides: change a threshold there and\n"
	               "# export again. `for` is M periods of a KPI's alarm rule, or its alert's `for`\n"
	               "# runs of kpi publish (every %llds).\n"
	               "groups:\n  - name: kpi\n    rules:\n",
	               cat->path, (long long)interval);
	if (tests)
		kpi_buf_printf(tests,
		               "# promtool test rules of %s (kpi export prometheus-rules): for each\n"
		               "# rule, a series just past its threshold fires, one at its healthy edge does not.\n"
		               "rule_files:\n  - %s\nevaluation_interval: 1m\ntests:\n",
		               rules_name, rules_name);
	for (size_t i = 0; i < st->nrules; i++) {
		const kpi__alert_rule *r = &st->rules[i];
		kpi_prom_metric m;
		char th[96], target[64], dur[32];
		int64_t for_s = for_seconds(r, interval);

		kpi_prom_metric_of(&m, r->def);
		kpi_threshold_format(th, sizeof(th), &r->threshold, r->def->unit);
		num(target, sizeof(target), r->threshold.target * m.mul / m.div);
		kpi__duration_format(dur, sizeof(dur), for_s);
		kpi_buf_printf(rules, "      - alert: %s\n        expr: %s", r->def->id, m.name);
		if (m.quantile[0])
			kpi_buf_printf(rules, "{quantile=\"%s\"}", m.quantile);
		kpi_buf_printf(rules, " %s %s\n", breach_op(r->threshold.op), target);
		if (for_s > 0)
			kpi_buf_printf(rules, "        for: %llds\n", (long long)for_s);
		kpi_buf_printf(rules, "        labels:\n          severity: %s\n          kpi: %s\n        annotations:\n",
		               kpi_alert_severity_name(r->severity), r->def->id);
		annotations(rules, "          ", st, r, th, dur);
		if (tests)
			rule_tests(tests, st, r, &m, th, dur, for_s);
	}
	if (!st->nrules) {
		kpi_buf_puts(rules, "      []\n");
		if (tests)
			kpi_buf_puts(tests, "  []\n");
	}
	kpi__alert_settings_free(st);
	if (!rules->data || (tests && !tests->data))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

int kpi_prom_rules_write(const char *rules_path, const char *tests_path, const kpi_config *cfg,
                         const kpi_catalog *cat, const kpi_prom_rules_opts *opts, kpi_error *err)
{
	kpi_buf rules = KPI_BUF_INIT, tests = KPI_BUF_INIT;
	int rc = kpi_prom_rules_render(&rules, tests_path ? &tests : NULL, cfg, cat, opts, err);

	if (!rc)
		rc = kpi__write_file_atomic(rules_path, rules.data, rules.len, err);
	if (!rc && tests_path)
		rc = kpi__write_file_atomic(tests_path, tests.data, tests.len, err);
	kpi_buf_release(&rules);
	kpi_buf_release(&tests);
	return rc;
}
