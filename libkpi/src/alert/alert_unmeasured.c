/*
 * `kpi alert` and the verdict rule's unmeasured gating KPIs: a gating KPI
 * whose source is not configured (or readable) holds the go/no-go verdict
 * unless a waiver covers it (kpi/eval.h). The run asks the same rule
 * `kpi query all` and `kpi pack` decide with, kpi_collect_verdicts(), for
 * the current week, and shows what it holds on where on-call looks: a
 * Nagios line with perfdata, and the ledger's "not_measured" (with since
 * when). It is not a notification: a site's configuration, decided at the
 * go/no-go meeting, is not an incident (docs/runbook.md).
 *
 * Its other half: the gating KPIs whose missing-data policy is `block` and
 * whose rows the run read (or holds by their cadence) have no data in the
 * window it evaluates (a CloudWatch load balancer without datapoints, a
 * cohort that is empty as of now). Such a row neither fires nor resolves an
 * alert: without this the monitor would be blind to it and say OK. Named in
 * a `KPI NO DATA` line with perfdata, a warning in the log and the ledger's
 * "no_data"; not a notification and no exit code either (an empty cohort
 * before the rollout starts is legitimate), as above.
 */
#include "alert/alert_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void gaps_free(kpi_alert_unmeasured **v, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free((*v)[i].kpi);
		free((*v)[i].why);
		free((*v)[i].expired);
	}
	free(*v);
	*v = NULL;
	*n = 0;
}

void kpi__alert_unmeasured_free(kpi_alert_report *rep)
{
	gaps_free(&rep->unmeasured, &rep->nunmeasured);
	gaps_free(&rep->no_data, &rep->nno_data);
}

/* When the ledger's list `list` ("not_measured", "no_data") first had an
 * entry whose `key` is `kpi`, or `now`. */
static int64_t since_of(const json_t *list, const char *key, const char *kpi, int64_t now)
{
	size_t i;
	json_t *o;
	int64_t t;
	if (!list)
		return now;
	json_array_foreach(list, i, o)
		if (json_is_string(json_object_get(o, key)) && strcmp(json_string_value(json_object_get(o, key)), kpi) == 0 &&
		    json_is_string(json_object_get(o, "since")) &&
		    kpi_time_parse(&t, json_string_value(json_object_get(o, "since")), NULL) == 0)
			return t;
	return now;
}

int kpi__alert_unmeasured(kpi_alert_report *rep, kpi__ledger *l, const kpi_catalog *cat, const kpi_config *cfg,
                          int64_t now, kpi_error *err)
{
	kpi_result res;
	kpi_verdict *v = NULL;
	json_t *list = NULL;
	char wk[16], ts[32];
	int rc;

	memset(&res, 0, sizeof(res));
	if ((rc = kpi_window_init(&res.window, "current", 1, cfg->timezone, now, err)) ||
	    (rc = kpi_collect_verdicts(&v, &res, cat, cfg, err)))
		goto done;
	if (v->nreasons && !(rep->unmeasured = calloc(v->nreasons, sizeof(*rep->unmeasured)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if (!(list = json_array())) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	kpi_week_format(wk, sizeof(wk), v->week);
	for (size_t i = 0; i < v->nreasons; i++) {
		const kpi_reason *re = &v->reasons[i];
		kpi_alert_unmeasured *u;
		if (!re->not_measured)
			continue; /* no rows were read here: only what was not measured at all */
		u = &rep->unmeasured[rep->nunmeasured++];
		if (!(u->kpi = kpi__strdup(re->kpi)) || !(u->why = kpi__strdup(re->not_measured)) ||
		    (re->expired_waiver && !(u->expired = kpi__strdup(re->expired_waiver)))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		kpi_time_format(ts, sizeof(ts), since_of(l ? l->not_measured : NULL, "kpi", u->kpi, now));
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s?}", "kpi", u->kpi, "why", u->why, "since", ts,
		                                      "expired", u->expired));
	}
	kpi_verdict_warn_expired(v, "alert.waiver.expired");
	for (size_t i = 0; i < v->nwaived; i++)
		if (v->waived[i].not_measured)
			kpi_log_msg(KPI_LOG_INFO, "alert.waived", "gating KPI %s is not measured (%s) and waived for %s",
			            v->waived[i].kpi, v->waived[i].not_measured, wk);
	if (l) {
		json_decref(l->not_measured);
		l->not_measured = list;
		list = NULL;
	}
done:
	json_decref(list);
	if (v)
		kpi_verdicts_free(v, 1);
	return rc;
}

int kpi__alert_unmeasured_line(kpi_buf *out, const kpi_alert_report *rep)
{
	int rc = kpi_buf_printf(out, "KPI NOT MEASURED - %zu gating KPI%s, the go/no-go verdict holds on %s: ",
	                        rep->nunmeasured, rep->nunmeasured == 1 ? "" : "s", rep->nunmeasured == 1 ? "it" : "them");
	for (size_t i = 0; i < rep->nunmeasured && !rc; i++) {
		const kpi_alert_unmeasured *u = &rep->unmeasured[i];
		rc = kpi_buf_printf(out, "%s%s (%s%s%s)", i ? ", " : "", u->kpi, u->why, u->expired ? "; waiver expired: " : "",
		                    u->expired ? u->expired : "");
	}
	if (!rc)
		rc = kpi_buf_printf(out, " | not_measured=%zu;;;0", rep->nunmeasured);
	return rc ? KPI_ENOMEM : 0;
}

/* Why a row of `rule` (its record `rec`) has no data, into buf. */
static void no_data_why(char *buf, size_t size, const kpi__alert_rule *rule, const kpi__alert_rec *rec, int64_t now)
{
	char d[32], p[32];
	if (!rec->seen) {
		/* held by its cadence: as last read */
		kpi__duration_format(d, sizeof(d), now - rec->last_seen);
		if (now - rec->last_seen > rule->cadence + rule->grace)
			snprintf(buf, size, "read %s ago, longer than its cadence and grace", d);
		else
			snprintf(buf, size, "no data when read %s ago", d);
	} else if (rule->has_alarm) {
		kpi__duration_format(d, sizeof(d), (int64_t)kpi_alarm_range(&rule->alarm) * rule->alarm.period_seconds);
		kpi__duration_format(p, sizeof(p), rule->alarm.period_seconds);
		if (rec->has_value)
			snprintf(buf, size, "too few datapoints in the last %s for its alarm (%d of %d %s periods)", d,
			         rule->alarm.datapoints_to_alarm, rule->alarm.evaluation_periods, p);
		else
			snprintf(buf, size, "no datapoints in the last %s", d);
	} else if (rule->def->state) {
		snprintf(buf, size, "no value as of now");
	} else {
		snprintf(buf, size, "no value over the last %s", kpi__duration_format(d, sizeof(d), rule->trailing));
	}
}

/* The first waiver of `w` covering the row of KPI `kpi` with `labels` (an
 * object; empty for the KPI as a whole) in `week`, or NULL. */
static const kpi_waiver *waiver_of(const kpi_waiver *w, size_t nw, const char *kpi, const json_t *labels,
                                   kpi_week week)
{
	size_t n = json_object_size(labels), k = 0;
	char **names = calloc(n + 1, sizeof(char *)), **values = calloc(n + 1, sizeof(char *));
	const kpi_waiver *found = NULL;
	const char *key;
	json_t *v;

	if (names && values) {
		json_object_foreach((json_t *)labels, key, v) {
			names[k] = (char *)key;
			values[k++] = (char *)json_string_value(v);
		}
		for (size_t i = 0; i < nw && !found; i++)
			if (kpi_waiver_covers(&w[i], kpi, n, names, values, week, NULL))
				found = &w[i];
	}
	free(names);
	free(values);
	return found;
}

/* One gap named, unless a waiver of `w` covers it in `week`: `id` (a row's
 * id; a KPI's id when it answered no row at all, `row` false) of KPI `kpi`
 * with `labels`, and `why`: the report's entry, the entry of the ledger's
 * new list `list` (since when the old one first had it) and the warning. */
static int name_gap(kpi_alert_report *rep, json_t *list, const kpi__ledger *l, const kpi_waiver *w, size_t nw,
                    kpi_week week, const char *id, const char *kpi, json_t *labels, const char *why, bool row,
                    int64_t now, kpi_error *err)
{
	const char *what = row ? "row" : "KPI";
	const kpi_waiver *wv = waiver_of(w, nw, kpi, labels, week);
	kpi_alert_unmeasured *u;
	char ts[32], msg[1024];

	if (wv) {
		kpi_log_msg(KPI_LOG_INFO, "alert.waived", "gating %s %s has no data and is waived (approved by %s)", what,
		            id, wv->approved_by);
		return 0;
	}
	u = &rep->no_data[rep->nno_data++];
	if (!(u->kpi = kpi__strdup(id)) || !(u->why = kpi__strdup(why)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	kpi_time_format(ts, sizeof(ts), since_of(l->no_data, "id", id, now));
	json_array_append_new(list, json_pack("{s:s, s:s, s:O, s:s, s:s}", "id", id, "kpi", kpi, "labels", labels, "why",
	                                      why, "since", ts));
	snprintf(msg, sizeof(msg), "gating %s %s has no data (%s): %s, an alert of it can neither fire nor resolve",
	         what, id, why, row ? "it is not judged" : "it has no rows");
	kpi_log_fields(KPI_LOG_WARN, "alert.no_data",
	               json_pack("{s:s, s:O, s:s, s:s}", "kpi", kpi, "labels", labels, "why", why, "since", ts), msg);
	return 0;
}

int kpi__alert_no_data(kpi_alert_report *rep, kpi__ledger *l, const kpi__alert_settings *st, const kpi_catalog *cat,
                       const bool *held, const bool *unanswered, int64_t now, kpi_error *err)
{
	kpi_waiver *w = NULL;
	size_t nw = 0;
	kpi_week week;
	json_t *list = json_array();
	char why[256];
	int rc;

	if (!list || !(rep->no_data = calloc(l->nrecs + st->nrules + 1, sizeof(*rep->no_data)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = kpi_week_of(&week, now, st->cfg->timezone, err)) ||
	    (rc = kpi_config_waivers(&w, &nw, st->cfg, cat, err)))
		goto done;
	for (size_t i = 0; i < l->nrecs && !rc; i++) {
		const kpi__alert_rec *rec = &l->recs[i];
		const kpi__alert_rule *rule = NULL;
		bool held_now = false;
		for (size_t k = 0; k < st->nrules && !rule; k++)
			if (strcmp(st->rules[k].def->id, rec->kpi) == 0) {
				rule = &st->rules[k];
				held_now = held && held[k];
			}
		/* read by this run, or held by its cadence: not a KPI the run
		 * does not evaluate (its source not configured: the line above) */
		if (!rule || !rule->def->gating || rule->def->missing != KPI_MISSING_BLOCK ||
		    rec->last_status != KPI_STATUS_NO_DATA || !(rec->seen || held_now))
			continue;
		no_data_why(why, sizeof(why), rule, rec, now);
		rc = name_gap(rep, list, l, w, nw, week, rec->id, rec->kpi, rec->labels, why, true, now, err);
	}
	/* read, and no series answered at all: no row above to name, the KPI is */
	for (size_t k = 0; unanswered && k < st->nrules && !rc; k++) {
		const kpi__alert_rule *rule = &st->rules[k];
		json_t *none;
		if (!unanswered[k] || !rule->def->gating || rule->def->missing != KPI_MISSING_BLOCK)
			continue;
		if (!(none = json_object()))
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		else
			rc = name_gap(rep, list, l, w, nw, week, rule->def->id, rule->def->id, none, "no series answered",
			              false, now, err);
		json_decref(none);
	}
	if (rc)
		goto done;
	json_decref(l->no_data);
	l->no_data = list;
	list = NULL;
done:
	json_decref(list);
	kpi_waivers_free(w, nw);
	return rc;
}

int kpi__alert_no_data_line(kpi_buf *out, const kpi_alert_report *rep)
{
	int rc = kpi_buf_printf(out, "KPI NO DATA - %zu gating row%s without data, not judged: ", rep->nno_data,
	                        rep->nno_data == 1 ? "" : "s");
	for (size_t i = 0; i < rep->nno_data && !rc; i++)
		rc = kpi_buf_printf(out, "%s%s (%s)", i ? ", " : "", rep->no_data[i].kpi, rep->no_data[i].why);
	if (!rc)
		rc = kpi_buf_printf(out, " | no_data=%zu;;;0", rep->nno_data);
	return rc ? KPI_ENOMEM : 0;
}
