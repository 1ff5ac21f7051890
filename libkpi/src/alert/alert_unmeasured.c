/*
 * `kpi alert` and the verdict rule's unmeasured gating KPIs: a gating KPI
 * whose source is not configured (or readable) holds the go/no-go verdict
 * unless a waiver covers it (kpi/eval.h). The run asks the same rule
 * `kpi query all` and `kpi pack` decide with, kpi_collect_verdicts(), for
 * the current week, and shows what it holds on where on-call looks: a
 * Nagios line with perfdata, and the ledger's "not_measured" (with since
 * when). It is not a notification: a site's configuration, decided at the
 * go/no-go meeting, is not an incident (docs/runbook.md).
 */
#include "alert/alert_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kpi__alert_unmeasured_free(kpi_alert_report *rep)
{
	for (size_t i = 0; i < rep->nunmeasured; i++) {
		free(rep->unmeasured[i].kpi);
		free(rep->unmeasured[i].why);
		free(rep->unmeasured[i].expired);
	}
	free(rep->unmeasured);
	rep->unmeasured = NULL;
	rep->nunmeasured = 0;
}

/* When the ledger first saw `kpi` not measured, or `now`. */
static int64_t since_of(const kpi__ledger *l, const char *kpi, int64_t now)
{
	size_t i;
	json_t *o;
	int64_t t;
	if (!l || !l->not_measured)
		return now;
	json_array_foreach(l->not_measured, i, o)
		if (json_is_string(json_object_get(o, "kpi")) && strcmp(json_string_value(json_object_get(o, "kpi")), kpi) == 0 &&
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
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s?}", "kpi", u->kpi, "why", u->why, "since",
		                                      kpi_time_format(ts, sizeof(ts), since_of(l, u->kpi, now)), "expired",
		                                      u->expired));
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
