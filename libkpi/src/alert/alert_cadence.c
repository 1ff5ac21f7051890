/*
 * Per-KPI cadence of `kpi alert`: a KPI whose catalogue (or config) alert
 * object says "cadence": "1h" is read by the first run after its values in
 * the ledger are a cadence old; the runs in between hold them. The ledger
 * record's last_seen_at is when its value was read (only a run that reads
 * the KPI steps the record). A held value is shown with its age (a Nagios
 * line of its own, with perfdata); one older than cadence + grace (its
 * source failed, or is not configured, in the runs that were due) is
 * missing data: its status becomes no_data and the run says so (UNKNOWN),
 * never shown as a current value.
 */
#include "alert/alert_internal.h"
#include <stdlib.h>
#include <string.h>

/* The oldest read time of the records of `kpi`; 0 when it has none. Sets
 * *n to how many there are, *seen to whether one was read in this run. */
static int64_t oldest_read(const kpi__ledger *l, const char *kpi, size_t *n, bool *seen)
{
	int64_t oldest = 0;
	*n = 0;
	*seen = false;
	for (size_t i = 0; i < l->nrecs; i++) {
		const kpi__alert_rec *rec = &l->recs[i];
		if (strcmp(rec->kpi, kpi) != 0)
			continue;
		(*n)++;
		*seen |= rec->seen;
		if (!oldest || rec->last_seen < oldest)
			oldest = rec->last_seen;
	}
	return oldest;
}

bool kpi__alert_cadence_held(const kpi__ledger *l, const kpi__alert_rule *rule, int64_t now)
{
	size_t n;
	bool seen;
	int64_t read_at;
	if (rule->cadence <= 0)
		return false;
	read_at = oldest_read(l, rule->def->id, &n, &seen);
	/* never read, or a clock that went back: read now */
	return n && read_at > 0 && read_at <= now && now - read_at < rule->cadence;
}

int kpi__alert_cadence_report(kpi_alert_report *rep, const kpi__alert_settings *st, kpi__ledger *l, int64_t now,
                              const bool *held, kpi_error *err)
{
	for (size_t i = 0; i < st->nrules; i++) {
		const kpi__alert_rule *rule = &st->rules[i];
		kpi_alert_held *h, *grown;
		size_t n;
		bool seen;
		int64_t read_at;

		if (rule->cadence <= 0)
			continue;
		read_at = oldest_read(l, rule->def->id, &n, &seen);
		if (!n || seen || !read_at)
			continue;
		if (!(grown = realloc(rep->held, (rep->nheld + 1) * sizeof(*grown))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		rep->held = grown;
		h = &rep->held[rep->nheld];
		memset(h, 0, sizeof(*h));
		if (!(h->kpi = strdup(rule->def->id)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		rep->nheld++;
		h->rows = n;
		h->read_at = read_at;
		h->age = now - read_at;
		h->cadence = rule->cadence;
		h->grace = rule->grace;
		h->due = !held[i];
		h->stale = h->age > rule->cadence + rule->grace;
		if (!h->stale)
			continue;
		for (size_t k = 0; k < l->nrecs; k++)
			if (strcmp(l->recs[k].kpi, rule->def->id) == 0)
				l->recs[k].last_status = KPI_STATUS_NO_DATA;
	}
	return 0;
}

int kpi__alert_held_line(kpi_buf *out, const kpi_alert_held *h)
{
	char age[32], cad[32], grace[32];
	kpi__duration_format(age, sizeof(age), h->age);
	kpi__duration_format(cad, sizeof(cad), h->cadence);
	kpi__duration_format(grace, sizeof(grace), h->grace);
	return kpi_buf_printf(out, "KPI %s - %s: %zu row%s read %s ago (cadence %s, grace %s)%s | %s_age=%llds;%lld;%lld;0",
	                      h->stale ? "STALE" : "HELD", h->kpi, h->rows, h->rows == 1 ? "" : "s", age, cad, grace,
	                      h->stale  ? ": older than its cadence and grace, missing data"
	                      : h->due ? ": due, not read in this run"
	                               : "",
	                      h->kpi, (long long)h->age, (long long)h->cadence, (long long)(h->cadence + h->grace))
	               ? KPI_ENOMEM
	               : 0;
}

json_t *kpi__alert_costs(json_t *o, const kpi_result *res, const bool *held, const kpi__alert_settings *st)
{
	json_t *read = json_array(), *hold = json_array(), *secs = json_object();
	for (size_t i = 0; res && i < res->nseries; i++) {
		json_array_append_new(read, json_string(res->series[i].def->id));
		if (res->series[i].query_seconds > 0)
			json_object_set_new(secs, res->series[i].def->id, json_real(res->series[i].query_seconds));
	}
	for (size_t i = 0; held && i < st->nrules; i++)
		if (held[i])
			json_array_append_new(hold, json_string(st->rules[i].def->id));
	json_object_set_new(o, "read", read);
	json_object_set_new(o, "held", hold);
	json_object_set_new(o, "query_seconds", secs);
	return o;
}

void kpi__alert_held_free(kpi_alert_report *rep)
{
	for (size_t i = 0; i < rep->nheld; i++)
		free(rep->held[i].kpi);
	free(rep->held);
	rep->held = NULL;
	rep->nheld = 0;
}
