/*
 * The alert state machine, pure functions only (unit-tested without a
 * database): what a row says (observe), how a record moves (step), the
 * dedupe key of an episode, the retry schedule, the Nagios line.
 *
 *   ok/warn --breach--> pending (for > 0) --breach x for--> firing: TRIGGER
 *   ok/warn --breach--> firing (for = 0): TRIGGER
 *   firing --breach--> firing: REPEAT once repeat_interval has passed
 *   firing --ok/warn (past the recovery margin)--> ok/warn: RESOLVE
 *   pending --ok/warn--> ok/warn: nothing was sent, nothing to resolve
 *   any --hold (no data, too few cases, inside the margin)--> unchanged
 */
#include "alert/alert_internal.h"
#include "core/number.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

bool kpi__alert_recovered(const kpi_threshold *th, double v, double m)
{
	switch (th->op) {
	case KPI_OP_GE: return v >= th->target + m;
	case KPI_OP_GT: return v > th->target + m;
	case KPI_OP_LE: return v <= th->target - m;
	case KPI_OP_LT: return v < th->target - m;
	case KPI_OP_EQ: return v == th->target; /* no room for a margin */
	default: return true;
	}
}

kpi__obs kpi__alert_observe(const kpi__alert_rule *rule, const kpi_threshold *th, const kpi_row *row, bool firing)
{
	if (!row->applicable || !row->has_value || isnan(row->value) || row->status == KPI_STATUS_NO_DATA ||
	    row->status == KPI_STATUS_NOT_APPLICABLE)
		return KPI__OBS_HOLD;
	if (rule->min_denominator > 0 && row->has_denominator && row->denominator < rule->min_denominator)
		return KPI__OBS_HOLD;
	if (row->status == KPI_STATUS_BREACH)
		return KPI__OBS_BREACH;
	if (firing && !kpi__alert_recovered(th, row->value, rule->recovery_margin))
		return KPI__OBS_HOLD;
	return row->status == KPI_STATUS_WARN ? KPI__OBS_WARN : KPI__OBS_OK;
}

void kpi__dedupe_key(char out[256], const char *prefix, const char *rec_id, int64_t episode)
{
	char t[32], key[2048];
	size_t n;

	kpi_time_format(t, sizeof(t), episode);
	/* 2026-11-16T08:00:00Z -> 20261116T080000Z */
	n = 0;
	for (const char *p = t; *p; p++)
		if (*p != '-' && *p != ':')
			t[n++] = *p;
	t[n] = '\0';
	snprintf(key, sizeof(key), "%s:%s:%s", prefix, rec_id, t);
	if (strlen(key) <= 255) {
		snprintf(out, 256, "%s", key);
	} else {
		char sha[65];
		kpi_sha256_hex(sha, key, strlen(key));
		/* 190 + ':' + 64 = 255 */
		snprintf(out, 256, "%.190s:%s", key, sha);
	}
}

kpi__act kpi__alert_step(kpi__alert_rec *r, kpi__obs obs, int for_runs, int64_t repeat, int64_t now,
                         const char *prefix, bool *changed)
{
	*changed = false;
	if (obs == KPI__OBS_HOLD || (obs == KPI__OBS_BREACH && r->state == KPI_ALERT_FIRING)) {
		/* Still firing (or nothing new to say about it): remind once the
		 * repeat interval has passed since the last notification. */
		if (r->state == KPI_ALERT_FIRING && repeat > 0 && now - r->last_notified >= repeat) {
			r->last_notified = now;
			return KPI__ACT_REPEAT;
		}
		return KPI__ACT_NONE;
	}
	if (obs == KPI__OBS_BREACH) {
		if (r->state != KPI_ALERT_PENDING) {
			r->episode = now;
			r->pending = 0;
		}
		r->pending++;
		if (r->pending > for_runs) {
			char key[256];
			kpi__dedupe_key(key, prefix, r->id, r->episode);
			free(r->dedupe_key);
			r->dedupe_key = strdup(key);
			r->state = KPI_ALERT_FIRING;
			r->since = now;
			r->last_notified = now;
			*changed = true;
			return KPI__ACT_TRIGGER;
		}
		if (r->state != KPI_ALERT_PENDING) {
			r->state = KPI_ALERT_PENDING;
			r->since = now;
			*changed = true;
		}
		return KPI__ACT_NONE;
	}
	{
		kpi_alert_state to = obs == KPI__OBS_WARN ? KPI_ALERT_WARN : KPI_ALERT_OK;
		kpi_alert_state from = r->state;
		if (from == KPI_ALERT_FIRING || from == KPI_ALERT_PENDING) {
			r->pending = 0;
			if (from == KPI_ALERT_PENDING)
				r->episode = 0;
		}
		if (from != to) {
			r->state = to;
			r->since = now;
			*changed = true;
		}
		if (from == KPI_ALERT_FIRING) {
			/* the dedupe key stays: the resolve carries it */
			r->last_notified = now;
			return KPI__ACT_RESOLVE;
		}
		return KPI__ACT_NONE;
	}
}

int64_t kpi__retry_at(int64_t now, int attempts, double base, double max, double jitter)
{
	double d = kpi_backoff_delay(base, max, attempts > 0 ? attempts - 1 : 0, jitter);
	return now + (int64_t)ceil(d);
}

/* ---- Nagios plugin lines ---- */

void kpi__alert_display_value(char *buf, size_t size, double v, const char *unit)
{
	kpi__fmt_value(buf, size, true, v, unit, KPI__NUM_TERSE, NULL);
}

/* The comparison that holds between the value and the target. */
static const char *relation(kpi_op op, bool meets)
{
	switch (op) {
	case KPI_OP_GE: return meets ? ">=" : "<";
	case KPI_OP_GT: return meets ? ">" : "<=";
	case KPI_OP_LE: return meets ? "<=" : ">";
	case KPI_OP_LT: return meets ? "<" : ">=";
	case KPI_OP_EQ: return meets ? "=" : "!=";
	default: return "";
	}
}

static bool meets(const kpi_threshold *th, double v)
{
	return kpi__alert_recovered(th, v, 0);
}

static const char *nagios_state(const kpi_alert_change *c)
{
	if (c->to == KPI_ALERT_SILENCED)
		return "SILENCED"; /* in breach, kept from every sink: exit 0 for it */
	if (c->to == KPI_ALERT_FIRING)
		return c->severity >= KPI_ALERT_SEV_ERROR ? "CRITICAL" : "WARNING";
	if (c->to == KPI_ALERT_PENDING || c->to == KPI_ALERT_WARN)
		return "WARNING";
	return "OK";
}

/* A Nagios range: an alert when the value is outside it. */
static void range(char *buf, size_t size, const kpi_threshold *th, double margin)
{
	char n[64];
	double t = th->target;
	switch (th->op) {
	case KPI_OP_GE:
	case KPI_OP_GT:
		snprintf(buf, size, "%s:", kpi_format_number(n, sizeof(n), true, t + margin));
		break;
	case KPI_OP_LE:
	case KPI_OP_LT:
		kpi_format_number(n, sizeof(n), true, t - margin);
		snprintf(buf, size, "%s%s", t - margin < 0 ? "~:" : "", n);
		break;
	case KPI_OP_EQ:
		kpi_format_number(n, sizeof(n), true, t);
		snprintf(buf, size, "%s:%s", n, n);
		break;
	default:
		buf[0] = '\0';
	}
}

int kpi__alert_row_text(kpi_buf *out, const kpi_alert_change *c)
{
	char vu[96], tu[96];
	int rc = 0;

	rc |= kpi_buf_printf(out, "%s%s%s%s", c->kpi, *c->labels ? "[" : "", c->labels, *c->labels ? "]" : "");
	if (c->has_value) {
		kpi__alert_display_value(vu, sizeof(vu), c->value, c->unit);
		rc |= kpi_buf_printf(out, " %s", vu);
		if (c->threshold.op != KPI_OP_NONE) {
			kpi__alert_display_value(tu, sizeof(tu), c->threshold.target, c->unit);
			rc |= kpi_buf_printf(out, " %s %s", relation(c->threshold.op, meets(&c->threshold, c->value)), tu);
		}
	}
	if (c->note && *c->note)
		rc |= kpi_buf_printf(out, " (%s)", c->note);
	return rc ? KPI_ENOMEM : 0;
}

int kpi__nagios_line(kpi_buf *out, const kpi_alert_change *c)
{
	char crit[64], warn[64] = "", label[512], num[64];
	const char *uom = "";
	int rc = 0;

	/* perfdata labels may hold neither '=' nor '\'' */
	snprintf(label, sizeof(label), "%s%s%s%s", c->kpi, *c->labels ? "[" : "", c->labels, *c->labels ? "]" : "");
	for (char *p = label; *p; p++)
		if (*p == '=' && strchr(label, '['))
			*p = ':';
		else if (*p == '\'' || *p == ' ')
			*p = '_';
	rc |= kpi_buf_printf(out, "KPI %s - ", nagios_state(c));
	rc |= kpi__alert_row_text(out, c);
	if (c->has_value) {
		if (c->unit && (strcmp(c->unit, "%") == 0 || strcmp(c->unit, "s") == 0 || strcmp(c->unit, "ms") == 0))
			uom = c->unit;
		range(crit, sizeof(crit), &c->threshold, 0);
		if (c->threshold.warn_margin > 0 && c->threshold.op != KPI_OP_EQ)
			range(warn, sizeof(warn), &c->threshold, c->threshold.warn_margin);
		rc |= kpi_buf_printf(out, " | %s=%s%s;%s;%s", label, kpi_format_number(num, sizeof(num), true, c->value), uom,
		                     warn, crit);
	}
	return rc ? KPI_ENOMEM : 0;
}
