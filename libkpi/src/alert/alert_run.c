/*
 * One `kpi alert` run:
 *
 *  1. settings, rules, templates, the sinks' secrets (a config error stops
 *     the run before anything happens);
 *  2. the state directory (0700) and its lock (flock, bounded wait);
 *  3. the ledger: loaded, or new; a corrupted one is moved aside with a
 *     timestamped name, reported and rebuilt, never silently reset;
 *  4. evaluation as of now, every alerting KPI in one read-only session:
 *     state KPIs as of now, flow KPIs over [now - trailing, now);
 *  5. transitions of every (KPI, label set), and of the blind monitor (a
 *     source that cannot be read is a breach of "kpi_source");
 *  6. every notification into the outbox, and the ledger saved (fsync)
 *     BEFORE anything is sent;
 *  7. delivery: due entries in order per (sink, dedupe key), retried within
 *     the deadline with the backoff of docs/requirements.md, the ledger saved after each
 *     attempt; what is left waits for the next run; after max_attempts, or
 *     a non-retryable answer, a terminal failure, reported in the exit code,
 *     the log and through the other sinks;
 *  8. the report: Nagios lines and exit code.
 *
 * A run killed between sending and saving sends again next time, with the
 * same dedupe key and Idempotency-Key: at least once, folded by receivers.
 *
 * The whole run has a deadline (alert.run_deadline_seconds): the data is
 * read until what delivery and the reserve need of it is left, delivery
 * ends at it; a run that reaches it saves what it has, says so and exits 3.
 * Its lock file names its pid, start and deadline: a run that cannot get
 * the lock and finds the holder past its deadline is a blocked run (see
 * blocked_run()).
 */
#include "alert/alert_internal.h"
#include "alert/sinks/sink.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KEEP_DELIVERED_SECONDS (7 * 86400)
#define MAX_OUTBOX 1000

typedef struct run {
	const kpi_catalog *cat;
	const kpi_config *cfg;
	const kpi_alert_opts *opts;
	kpi__alert_settings *st;
	kpi__ledger *l;
	kpi_alert_report *rep;
	char *ledger_path;
	int64_t now;           /* the run's instant (--now or the clock) */
	double mono0;          /* CLOCK_MONOTONIC at the start: now advances with it */
	double *due;           /* per outbox entry: monotonic due time set in this run, 0 none */
	size_t ndue;
	bool save_failed;
	/* a source that read data too old to use (a standby past
	 * database.max_lag): its name (its KPIs are not stepped) and why */
	const char *stale_source;
	char stale_why[400];
	double run_end;        /* CLOCK_MONOTONIC: the run's deadline */
	char *side_path;       /* a blocked runs' ledger taken over, removed once the ledger is saved */
	int side_fd;           /* its lock, held until then; -1 */
	kpi__silences *sil;    /* the state directory's silences (alert_silence.c); NULL none */
	kpi__tz *tz;           /* the configured zone, for the mute windows; NULL without any */
	bool *held;            /* per rule: not due by its cadence (alert_cadence.c) */
	size_t nread;          /* KPIs read by this run (0: all held, the source not asked) */
	/* per rule: asked by this run, and answered no row (set by step_rows,
	 * NULL until it ran): named by the NO DATA line (alert_unmeasured.c) */
	bool *asked;
	bool *unanswered;
} run;

/* "now" as the run advances: --now plus the time the run has taken. */
static int64_t vnow(const run *r)
{
	return r->now + (int64_t)floor(kpi__mono_now() - r->mono0);
}

static int add_line(char ***arr, size_t *n, const char *fmt, ...) KPI_PRINTF(3, 4);
static int add_line(char ***arr, size_t *n, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	char **p = realloc(*arr, (*n + 1) * sizeof(char *));
	if (!p)
		return KPI_ENOMEM;
	*arr = p;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!(p[*n] = strdup(buf)))
		return KPI_ENOMEM;
	(*n)++;
	return 0;
}

/* Append to the string `buf` (of `size`), cut at its end. */
static void catf(char *buf, size_t size, const char *fmt, ...) KPI_PRINTF(3, 4);
static void catf(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	if (n + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

static void problem(run *r, const char *fmt, ...) KPI_PRINTF(2, 3);
static void problem(run *r, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kpi__redact_str(kpi__config_redact(r->cfg), buf, sizeof(buf));
	add_line(&r->rep->problems, &r->rep->nproblems, "%s", buf);
}

static void changes_free(kpi_alert_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].kpi);
		free(c[i].labels);
		free(c[i].unit);
		free(c[i].note);
	}
	free(c);
}

void kpi_alert_report_free(kpi_alert_report *rep)
{
	if (!rep)
		return;
	changes_free(rep->changes, rep->nchanges);
	changes_free(rep->active, rep->nactive);
	for (size_t i = 0; i < rep->nproblems; i++)
		free(rep->problems[i]);
	free(rep->problems);
	for (size_t i = 0; i < rep->ndry_run; i++)
		free(rep->dry_run[i]);
	free(rep->dry_run);
	free(rep->state_dir);
	kpi__alert_held_free(rep);
	kpi__alert_unmeasured_free(rep);
	free(rep);
}

/* ---- labels and records ---- */

static void labels_text(char *buf, size_t size, const json_t *labels)
{
	const char *k;
	json_t *v;
	size_t off = 0;
	buf[0] = '\0';
	json_object_foreach((json_t *)labels, k, v)
		if (off < size)
			off += (size_t)snprintf(buf + off, size - off, "%s%s=%s", off ? "," : "", k, json_string_value(v));
}

static const kpi__alert_rule *rule_of(const run *r, const char *kpi)
{
	for (size_t i = 0; i < r->st->nrules; i++)
		if (strcmp(r->st->rules[i].def->id, kpi) == 0)
			return &r->st->rules[i];
	return NULL;
}

/* Record `rec` as a line of the report: appended to `*arr`; NULL when out
 * of memory (the line is left out). */
static kpi_alert_change *report_line(kpi_alert_change **arr, size_t *n, const kpi__alert_rec *rec,
                                     kpi_alert_state from, const kpi_def *def, const kpi_threshold *th,
                                     const char *note)
{
	kpi_alert_change *c = realloc(*arr, (*n + 1) * sizeof(*c));
	char lb[512];
	if (!c)
		return NULL;
	*arr = c;
	c = &c[(*n)++];
	memset(c, 0, sizeof(*c));
	labels_text(lb, sizeof(lb), rec->labels);
	c->kpi = strdup(rec->kpi);
	c->labels = strdup(lb);
	c->from = from;
	c->to = rec->silenced_by ? KPI_ALERT_SILENCED : rec->state;
	c->severity = rec->severity;
	c->has_value = def && rec->has_value;
	c->value = rec->value;
	c->unit = strdup(def ? def->unit : "");
	if (th)
		c->threshold = *th;
	c->note = strdup(note ? note : "");
	return c;
}

static void add_change(run *r, const kpi__alert_rec *rec, kpi_alert_state from, const kpi_def *def,
                       const kpi_threshold *th, const char *note)
{
	const kpi_alert_change *c = report_line(&r->rep->changes, &r->rep->nchanges, rec, from, def, th, note);
	if (!c)
		return;
	kpi_log_fields(rec->state == KPI_ALERT_FIRING ? KPI_LOG_WARN : KPI_LOG_INFO, "alert.transition",
	               json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "kpi", rec->kpi, "labels", c->labels ? c->labels : "", "from",
	                         kpi_alert_state_name(from), "to", kpi_alert_state_name(c->to), "severity",
	                         kpi_alert_severity_name(rec->severity), "value",
	                         rec->has_value ? json_real(rec->value) : json_null()),
	               note && *note ? note : NULL);
}

/* ---- notifications ---- */

/* A rule's runbook: a link or a path as given, else an anchor of the runbook. */
static char *runbook_link(const kpi__alert_settings *st, const char *rb)
{
	kpi_buf b = KPI_BUF_INIT;
	if (strncmp(rb, "http://", 7) == 0 || strncmp(rb, "https://", 8) == 0 || strchr(rb, '/'))
		kpi_buf_puts(&b, rb);
	else
		kpi_buf_printf(&b, "%s#%s", st->runbook_base, rb);
	return b.data;
}

typedef struct note_in {
	const char *action;         /* trigger, resolve, notice, test */
	bool repeat;
	kpi_alert_severity severity;
	const char *dedupe_key;
	const char *kpi;
	const char *title;
	const json_t *labels;       /* NULL: none */
	const char *status;
	bool has_value;
	double value;
	const char *unit;
	const char *threshold;      /* text, "" none */
	int64_t since;              /* 0 none */
	const char *runbook;        /* anchor or link */
	const char *error;          /* "" none */
	const char *detail;         /* "" none */
} note_in;

static json_t *notification_new(const kpi__alert_settings *st, const note_in *in, int64_t at, kpi_error *err)
{
	static const int tpl_of[] = { KPI__TPL_TRIGGER, KPI__TPL_RESOLVE, KPI__TPL_NOTICE, KPI__TPL_TEST };
	static const char *const actions[] = { "trigger", "resolve", "notice", "test" };
	json_t *n = json_object(), *vars = json_object();
	char lb[512] = "", at_s[32], since_s[32] = "", dur[64] = "", val[96] = "", idsrc[4096], sha[65], id[40];
	const char *nl;
	kpi_buf txt = KPI_BUF_INIT;
	char *rb = NULL;
	int tpl = KPI__TPL_NOTICE;

	for (int i = 0; i < 4; i++)
		if (strcmp(in->action, actions[i]) == 0)
			tpl = tpl_of[i];
	if (in->labels)
		labels_text(lb, sizeof(lb), in->labels);
	kpi_time_format(at_s, sizeof(at_s), at);
	if (in->since) {
		kpi_time_format(since_s, sizeof(since_s), in->since);
		kpi__duration_format(dur, sizeof(dur), at - in->since);
	}
	if (in->has_value)
		kpi__alert_display_value(val, sizeof(val), in->value, in->unit);
	rb = runbook_link(st, in->runbook);
	/* the id is the receivers' idempotency key: one per message. Notices of
	 * a run share their dedupe key and instant; what each is about (the
	 * failed delivery it reports) tells them apart, or a receiver honouring
	 * the key would keep the first and drop the others */
	snprintf(idsrc, sizeof(idsrc), "%s\n%s\n%s\n%d%s%s", in->dedupe_key, in->action, at_s, in->repeat,
	         tpl == KPI__TPL_NOTICE && in->detail ? "\n" : "", tpl == KPI__TPL_NOTICE && in->detail ? in->detail : "");
	kpi_sha256_hex(sha, idsrc, strlen(idsrc));
	snprintf(id, sizeof(id), "n-%.32s", sha);

	json_object_set_new(vars, "action", json_string(in->action));
	json_object_set_new(vars, "severity", json_string(kpi_alert_severity_name(in->severity)));
	json_object_set_new(vars, "title", json_string(in->title));
	json_object_set_new(vars, "kpi", json_string(in->kpi));
	json_object_set_new(vars, "labels", json_string(lb));
	json_object_set_new(vars, "value", json_string(val));
	json_object_set_new(vars, "unit", json_string(in->unit ? in->unit : ""));
	json_object_set_new(vars, "threshold", json_string(in->threshold ? in->threshold : ""));
	json_object_set_new(vars, "status", json_string(in->status ? in->status : ""));
	json_object_set_new(vars, "since", json_string(since_s));
	json_object_set_new(vars, "duration", json_string(dur));
	json_object_set_new(vars, "at", json_string(at_s));
	json_object_set_new(vars, "runbook", json_string(rb ? rb : ""));
	json_object_set_new(vars, "dedupe_key", json_string(in->dedupe_key));
	json_object_set_new(vars, "repeat", json_string(in->repeat ? "yes" : ""));
	json_object_set_new(vars, "error", json_string(in->error ? in->error : ""));
	json_object_set_new(vars, "source", json_string(st->source));
	json_object_set_new(vars, "detail", json_string(in->detail ? in->detail : ""));
	if (kpi__template_render(&txt, st->tpl[tpl], vars, err)) {
		json_decref(n);
		n = NULL;
		goto done;
	}
	{
		const char *t = txt.data ? txt.data : "";
		char summary[1025];
		nl = strchr(t, '\n');
		snprintf(summary, sizeof(summary), "%.*s", nl ? (int)(nl - t) : (int)strlen(t), t);
		json_object_set_new(n, "schema", json_string("kpi.alert/1"));
		json_object_set_new(n, "id", json_string(id));
		json_object_set_new(n, "action", json_string(in->action));
		json_object_set_new(n, "repeat", json_boolean(in->repeat));
		json_object_set_new(n, "dedupe_key", json_string(in->dedupe_key));
		json_object_set_new(n, "severity", json_string(kpi_alert_severity_name(in->severity)));
		json_object_set_new(n, "kpi", json_string(in->kpi));
		json_object_set_new(n, "title", json_string(in->title));
		json_object_set_new(n, "labels", in->labels ? json_deep_copy(in->labels) : json_object());
		json_object_set_new(n, "status", json_string(in->status ? in->status : ""));
		json_object_set_new(n, "value", in->has_value ? json_real(in->value) : json_null());
		json_object_set_new(n, "unit", json_string(in->unit ? in->unit : ""));
		json_object_set_new(n, "threshold", json_string(in->threshold ? in->threshold : ""));
		json_object_set_new(n, "since", in->since ? json_string(since_s) : json_null());
		json_object_set_new(n, "at", json_string(at_s));
		json_object_set_new(n, "runbook", json_string(rb ? rb : ""));
		json_object_set_new(n, "summary", json_string(summary));
		json_object_set_new(n, "body", json_string(nl ? nl + 1 : ""));
		if (in->error && *in->error)
			json_object_set_new(n, "error", json_string(in->error));
		json_object_set_new(n, "source", json_string(st->source));
		json_object_set_new(n, "run_id", json_string(kpi_log_run_id()));
		/* it goes to receivers and into the outbox: an error it quotes (a
		 * source's, another sink's answer) never carries a secret */
		kpi__redact_json(st->redact, n);
	}
done:
	free(rb);
	kpi_buf_release(&txt);
	json_decref(vars);
	return n;
}

static void history_add(kpi__outbox_entry *e, int64_t at, const char *outcome);

/* The waiting entry of (sink, dedupe key) that carries the firing alert (a
 * trigger, a reminder or a refresh), or NULL. */
static kpi__outbox_entry *waiting_firing(const kpi__ledger *l, const char *sink, const char *key)
{
	for (size_t i = 0; i < l->nout; i++) {
		kpi__outbox_entry *e = &l->outbox[i];
		if (e->status == KPI__ENTRY_PENDING && strcmp(e->sink, sink) == 0 && strcmp(e->dedupe_key, key) == 0 &&
		    (strcmp(e->action, "trigger") == 0 || strcmp(e->action, "refresh") == 0))
			return e;
	}
	return NULL;
}

/* Remove outbox entry i (the run's due times move with the entries). */
static void drop_entry(run *r, size_t i)
{
	if (i < r->ndue) {
		memmove(&r->due[i], &r->due[i + 1], (r->ndue - i - 1) * sizeof(*r->due));
		r->due[r->ndue - 1] = 0;
	}
	kpi__ledger_drop_entry(r->l, i);
}

/* A refresh-every-run sink keeps one refresh entry per (sink, dedupe key):
 * a newer refresh, or the resolve, supersedes the delivered or failed one
 * (so the outbox does not grow by one entry per run, and a --replay of an
 * old refresh cannot make a resolved alert fire again). */
static void drop_refreshes(run *r, const char *sink, const char *key)
{
	for (size_t i = r->l->nout; i-- > 0;) {
		const kpi__outbox_entry *e = &r->l->outbox[i];
		if (e->status != KPI__ENTRY_PENDING && strcmp(e->action, "refresh") == 0 && strcmp(e->sink, sink) == 0 &&
		    strcmp(e->dedupe_key, key) == 0)
			drop_entry(r, i);
	}
}

/* A newer refresh takes the place of a waiting one: the newer notification
 * (its value, its time), the same place in line and attempt count. */
static void supersede(run *r, kpi__outbox_entry *e, json_t *n)
{
	char eid[320];
	snprintf(eid, sizeof(eid), "%s:%s", json_string_value(json_object_get(n, "id")), e->sink);
	free(e->id);
	e->id = strdup(eid);
	json_decref(e->notification);
	e->notification = json_incref(n);
	history_add(e, vnow(r), "superseded by a newer refresh");
	kpi_log_fields(KPI_LOG_INFO, "alert.refresh.superseded",
	               json_pack("{s:s, s:s, s:s}", "sink", e->sink, "dedupe_key", e->dedupe_key, "id", eid), NULL);
}

/* Queue `n` for every sink that takes its severity (except `skip_sink`).
 * A `refresh` (a firing alert told again) goes only to the sinks whose type
 * refreshes every run, and only where none waits already. Steals `n`. */
static int enqueue(run *r, json_t *n, const char *skip_sink, const unsigned char *skip, bool refresh)
{
	const char *action = json_string_value(json_object_get(n, "action"));
	const char *key = json_string_value(json_object_get(n, "dedupe_key"));
	const char *id = json_string_value(json_object_get(n, "id"));
	const char *entry_action = refresh ? "refresh" : action;
	bool repeat = json_is_true(json_object_get(n, "repeat"));
	kpi_alert_severity sev = KPI_ALERT_SEV_INFO;
	int rc = 0;

	for (int i = 0; i <= KPI_ALERT_SEV_CRITICAL; i++)
		if (strcmp(json_string_value(json_object_get(n, "severity")), kpi_alert_severity_name(i)) == 0)
			sev = (kpi_alert_severity)i;
	if (r->st->nsinks == 0) {
		/* a firing alert's trigger goes to the first sink configured while
		 * it fires (act_on()); anything else is not delivered */
		kpi_log_msg(KPI_LOG_WARN, "alert.no_sinks", "no sinks configured (alert.sinks): %s %s is not delivered%s",
		            action, key,
		            strcmp(action, "trigger") == 0 && !refresh
		                ? "; it goes to the sinks configured later while the alert fires"
		                : "");
		if (r->opts->dry_run)
			add_line(&r->rep->dry_run, &r->rep->ndry_run, "DRY-RUN would send %s%s to no sink (alert.sinks is empty): %s",
			         action, repeat ? " (reminder)" : "", json_string_value(json_object_get(n, "summary")));
	}
	for (size_t i = 0; i < r->st->nsinks && !rc; i++) {
		const kpi__sink *s = &r->st->sinks[i];
		kpi__outbox_entry *e;
		char eid[320];
		/* a resolve follows its trigger wherever that went: same severity */
		if ((refresh && !s->type->refresh_every_run) || sev < s->min_severity ||
		    (skip_sink && strcmp(s->name, skip_sink) == 0) || (skip && skip[i]))
			continue;
		/* a reminder or a refresh while the alert still waits to go out
		 * would only pile up; a newer refresh supersedes a waiting one */
		if ((repeat || refresh) && (e = waiting_firing(r->l, s->name, key))) {
			if (refresh && strcmp(e->action, "refresh") == 0 && !r->opts->dry_run)
				supersede(r, e, n);
			continue;
		}
		if (r->opts->dry_run) {
			add_line(&r->rep->dry_run, &r->rep->ndry_run, "DRY-RUN would send %s%s to sink '%s' (%s): %s", entry_action,
			         repeat ? " (reminder)" : "", s->name, s->type->name,
			         json_string_value(json_object_get(n, "summary")));
			continue;
		}
		if (refresh || strcmp(action, "resolve") == 0)
			drop_refreshes(r, s->name, key);
		if (!(e = kpi__ledger_enqueue(r->l))) {
			rc = KPI_ENOMEM;
			break;
		}
		snprintf(eid, sizeof(eid), "%s:%s", id, s->name);
		e->id = strdup(eid);
		e->sink = strdup(s->name);
		e->dedupe_key = strdup(key);
		e->action = strdup(entry_action);
		e->status = KPI__ENTRY_PENDING;
		e->created = vnow(r);
		e->next_attempt = e->created;
		e->notification = json_incref(n);
		kpi_log_fields(KPI_LOG_INFO, "alert.enqueue",
		               json_pack("{s:s, s:s, s:s, s:s}", "sink", s->name, "action", entry_action, "dedupe_key", key,
		                         "id", eid),
		               NULL);
	}
	json_decref(n);
	return rc;
}

static int notify_rec(run *r, const kpi__alert_rec *rec, kpi__act act, const kpi__alert_rule *rule, const char *title,
                      const char *error, const unsigned char *skip, kpi_error *err)
{
	char th[128] = "";
	note_in in = { 0 };
	json_t *n;

	if (rule)
		kpi_threshold_format(th, sizeof(th), &rule->threshold, rule->def->unit);
	in.action = act == KPI__ACT_RESOLVE ? "resolve" : "trigger";
	in.repeat = act == KPI__ACT_REPEAT;
	in.severity = rec->severity;
	in.dedupe_key = rec->dedupe_key;
	in.kpi = rec->kpi;
	in.title = title;
	in.labels = rec->labels;
	in.status = kpi_status_name(rec->last_status);
	in.has_value = rule && rec->has_value;
	in.value = rec->value;
	in.unit = rule ? rule->def->unit : "";
	in.threshold = th;
	in.since = rec->episode;
	in.runbook = rule ? rule->runbook : "kpi-cannot-read-its-data";
	in.error = error;
	if (!(n = notification_new(r->st, &in, vnow(r), err)))
		return err->code;
	return enqueue(r, n, NULL, skip, act == KPI__ACT_REFRESH) ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}

static int notice(run *r, const char *key_part, const char *title, const char *detail, const char *runbook,
                  const char *skip_sink)
{
	char key[256];
	note_in in = { 0 };
	kpi_error err = KPI_ERROR_INIT;
	json_t *n;

	kpi__dedupe_key(key, r->st->dedupe_prefix, key_part, vnow(r));
	in.action = "notice";
	in.severity = KPI_ALERT_SEV_ERROR;
	in.dedupe_key = key;
	in.kpi = "kpi_alert";
	in.title = title;
	in.status = "error";
	in.runbook = runbook;
	in.detail = detail;
	if (!(n = notification_new(r->st, &in, vnow(r), &err))) {
		kpi_log_msg(KPI_LOG_ERROR, "alert.notice", "cannot build a notice: %s", err.message);
		return err.code;
	}
	return enqueue(r, n, skip_sink, NULL, false);
}

/* ---- silences, mute windows and the sinks a firing alert went to ----
 *
 * A record in breach is still stepped and recorded; what it would send is
 * kept from the sinks a silence (every sink) or a mute window (its sinks)
 * covers now. The sinks a trigger was kept from are the record's `held`:
 * they get the trigger once nothing covers them any more while the breach
 * goes on, and no resolve when it ends before that (they never heard of
 * it). A sink that got the trigger before the silence gets the resolve.
 *
 * The sinks the episode's trigger was queued to are the record's `sent`
 * (the ledger's "sent_to"): every run that steps a firing record sends the
 * trigger once to each configured sink that takes its severity, is not
 * kept from it now and is not in `sent` yet — a sink added to the config
 * after the alert fired, or the first one when it fired with none — and
 * the resolve goes to the sinks in `sent`. */

/* Whether the array of sink names `arr` (may be NULL) holds `sink`. */
static bool names_has(const json_t *arr, const char *sink)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), sink) == 0)
			return true;
	return false;
}

/* Add `sink` to (on) or remove it from the array *arr (created when needed). */
static void names_set(json_t **arr, const char *sink, bool on)
{
	size_t i;
	json_t *v;
	if (on && !names_has(*arr, sink)) {
		if (!*arr)
			*arr = json_array();
		json_array_append_new(*arr, json_string(sink));
	}
	json_array_foreach(*arr, i, v)
		if (!on && strcmp(json_string_value(v), sink) == 0) {
			json_array_remove(*arr, i);
			break;
		}
}

/* A firing record of a ledger written before "sent_to": where its trigger
 * went, from the outbox (the entries of its dedupe key); when the outbox
 * has none and its last notification is older than the delivered entries
 * are kept, every configured sink it was not held from, as before. */
static void sent_init(run *r, kpi__alert_rec *rec)
{
	rec->sent = json_array();
	for (size_t i = 0; rec->dedupe_key && i < r->l->nout; i++) {
		const kpi__outbox_entry *e = &r->l->outbox[i];
		if (strcmp(e->dedupe_key, rec->dedupe_key) == 0 && strcmp(e->action, "resolve") != 0)
			names_set(&rec->sent, e->sink, true);
	}
	if (json_array_size(rec->sent) == 0 && r->now - rec->last_notified > KEEP_DELIVERED_SECONDS)
		for (size_t i = 0; i < r->st->nsinks; i++)
			if (!names_has(rec->held, r->st->sinks[i].name))
				names_set(&rec->sent, r->st->sinks[i].name, true);
}

/* Which sinks an alert of `rec` is kept from now (mask, one per sink) and
 * by what (`by`: "silence s-... (until ..., by ...: ...)", "mute window
 * 'x'"); true when kept from every sink. */
static bool muted(const run *r, const kpi__alert_rec *rec, unsigned char *mask, char *by, size_t size)
{
	const kpi__silence *x = kpi__silence_match(r->sil, rec->kpi, rec->labels, r->now);
	size_t n = 0;
	bool all = false;

	by[0] = '\0';
	if (x) {
		char until[32];
		memset(mask, 1, r->st->nsinks);
		snprintf(by, size, "silence %s until %s, by %s: %s", x->id, kpi_time_format(until, sizeof(until), x->ends),
		         x->by, x->comment);
		return true;
	}
	memset(mask, 0, r->st->nsinks);
	for (size_t w = 0; r->tz && w < r->st->nmutes; w++) {
		const kpi__mute_window *mw = &r->st->mutes[w];
		if (!kpi__mute_window_covers(mw, rec->kpi, rec->labels, NULL) || !kpi__mute_window_active(mw, r->tz, r->now))
			continue;
		if (!by[0])
			snprintf(by, size, "mute window '%s'", mw->name);
		all |= !mw->sinks;
		for (size_t i = 0; i < r->st->nsinks; i++)
			if (kpi__mute_window_covers(mw, rec->kpi, rec->labels, r->st->sinks[i].name))
				mask[i] = 1;
	}
	for (size_t i = 0; i < r->st->nsinks; i++)
		n += mask[i];
	return all || (n && n == r->st->nsinks);
}

/* What act_on() sent late: a trigger held back by a silence or mute window,
 * and to which sinks that had not been sent it (added since it fired). */
typedef struct late {
	bool unsilenced;
	size_t nnew;
	char new_sinks[256];  /* "'a', 'b'"; "" none */
} late;

/* Send what a step of `rec` says (`act`) to the sinks nothing keeps it
 * from. Sets rec->silenced_by; `lt` (may be NULL) says what went out late. */
static int act_on(run *r, kpi__alert_rec *rec, kpi__act act, const kpi__alert_rule *rule, const char *title,
                  const char *error, late *lt, kpi_error *err)
{
	size_t ns = r->st->nsinks;
	unsigned char *mask = calloc(ns + 1, 1), *skip = calloc(ns + 1, 1);
	bool all, any = false;
	char by[1024];
	late none;
	int rc = 0;

	if (!lt)
		lt = &none;
	memset(lt, 0, sizeof(*lt));
	if (!mask || !skip) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	all = muted(r, rec, mask, by, sizeof(by));
	free(rec->silenced_by);
	rec->silenced_by =
		all && (rec->state == KPI_ALERT_FIRING || rec->state == KPI_ALERT_PENDING) ? strdup(by) : NULL;
	if (act == KPI__ACT_TRIGGER) {
		/* a new episode */
		if (rec->held)
			json_array_clear(rec->held);
		json_decref(rec->sent);
		rec->sent = json_array();
	} else if (!rec->sent && rec->dedupe_key && (rec->state == KPI_ALERT_FIRING || act == KPI__ACT_RESOLVE)) {
		sent_init(r, rec);
	}
	for (size_t i = 0; i < ns; i++) {
		const kpi__sink *s = &r->st->sinks[i];
		bool held = names_has(rec->held, s->name), sent = names_has(rec->sent, s->name);
		bool takes = rec->severity >= s->min_severity;
		switch (act) {
		case KPI__ACT_TRIGGER:
		case KPI__ACT_REPEAT:
			skip[i] = mask[i];
			if (mask[i] && act == KPI__ACT_TRIGGER)
				names_set(&rec->held, s->name, true);
			else if (!mask[i])
				names_set(&rec->held, s->name, false);
			if (!mask[i] && takes)
				names_set(&rec->sent, s->name, true);
			break;
		case KPI__ACT_RESOLVE:
			skip[i] = !sent; /* it never got the trigger */
			break;
		case KPI__ACT_REFRESH:
			skip[i] = mask[i] || held;
			if (!skip[i] && takes && s->type->refresh_every_run)
				names_set(&rec->sent, s->name, true);
			break;
		default:
			/* the breach goes on and nothing keeps it from a sink that
			 * has not had its trigger (kept from it before, or added
			 * to the config since it fired): the trigger goes out now */
			skip[i] = sent || !takes || mask[i] || rec->state != KPI_ALERT_FIRING;
			if (skip[i])
				break;
			if (held) {
				lt->unsilenced = true;
			} else {
				catf(lt->new_sinks, sizeof(lt->new_sinks), "%s'%s'", lt->nnew ? ", " : "", s->name);
				lt->nnew++;
			}
			names_set(&rec->held, s->name, false);
			names_set(&rec->sent, s->name, true);
			any = true;
		}
	}
	if (act == KPI__ACT_RESOLVE) {
		if (rec->held)
			json_array_clear(rec->held);
		json_decref(rec->sent);
		rec->sent = NULL;
	}
	if (act == KPI__ACT_NONE && any) {
		if (lt->unsilenced)
			kpi_log_fields(KPI_LOG_INFO, "alert.unsilenced", json_pack("{s:s, s:s}", "kpi", rec->kpi, "id", rec->id),
			               "nothing keeps the alert from its sinks any more while it fires: sending it now");
		if (lt->new_sinks[0])
			kpi_log_fields(KPI_LOG_INFO, "alert.late_sink",
			               json_pack("{s:s, s:s, s:s}", "kpi", rec->kpi, "id", rec->id, "sinks", lt->new_sinks),
			               "the alert fires and these sinks have not had its trigger: sending it now");
		rc = notify_rec(r, rec, KPI__ACT_TRIGGER, rule, title, error, skip, err);
	} else if (act != KPI__ACT_NONE) {
		if (rec->silenced_by && act != KPI__ACT_REFRESH)
			kpi_log_fields(KPI_LOG_INFO, "alert.silenced", json_pack("{s:s, s:s}", "kpi", rec->kpi, "by", by),
			               "kept from every sink");
		rc = notify_rec(r, rec, act, rule, title, error, skip, err);
	}
done:
	free(mask);
	free(skip);
	return rc;
}

/* The note of a report line for what act_on() sent late, appended to
 * `note` (of `size`). */
static void late_note(char *note, size_t size, const late *lt)
{
	if (lt->unsilenced)
		catf(note, size, "%sno longer silenced: sent now", *note ? "; " : "");
	if (lt->nnew)
		catf(note, size, "%sfiring; trigger sent now to sink%s %s, which had not had it", *note ? "; " : "",
		     lt->nnew == 1 ? "" : "s", lt->new_sinks);
}

/* ---- the ledger file ---- */

/* The ledger (alert_ledger.c loads it); a corrupted one was moved aside and
 * replaced by a new one: reported in the exit code, the log and a notice. */
static int load_ledger(run *r, kpi_error *err)
{
	kpi__ledger_damage dmg;
	char detail[2048 + sizeof(dmg.moved_to)];
	int rc = kpi__ledger_load(&r->l, r->ledger_path, KPI__LEDGER_ALERT, !r->opts->dry_run, &dmg, err);

	if (rc || !dmg.reason[0])
		return rc;
	if (r->opts->dry_run) {
		problem(r, "ledger '%s' is corrupted (%s); a run without --dry-run moves it aside and rebuilds it",
		        r->ledger_path, dmg.reason);
		return 0;
	}
	snprintf(detail, sizeof(detail),
	         "ledger '%s' was corrupted (%s); moved aside to '%s' and rebuilt: alert history is lost, "
	         "alerts in breach trigger again, undelivered notifications may be in the moved file",
	         r->ledger_path, dmg.reason, dmg.moved_to);
	kpi_log_fields(KPI_LOG_ERROR, "alert.ledger.corrupt",
	               json_pack("{s:s, s:s, s:s}", "ledger", r->ledger_path, "moved_to", dmg.moved_to, "reason", dmg.reason),
	               detail);
	problem(r, "%s", detail);
	if (notice(r, "kpi_alert_ledger", "kpi alert ledger corrupted and rebuilt", detail, "ledger-corrupted", NULL))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

static int save(run *r)
{
	kpi_error err = KPI_ERROR_INIT;
	if (r->opts->dry_run || r->save_failed)
		return r->save_failed ? KPI_EIO : 0;
	if (kpi__ledger_save(r->ledger_path, r->l, vnow(r), &err)) {
		r->save_failed = true;
		kpi_log_msg(KPI_LOG_ERROR, "alert.ledger.write", "%s", err.message);
		problem(r, "cannot write the ledger (nothing more is sent in this run): %s", err.message);
		return KPI_EIO;
	}
	if (r->side_path) {
		/* what blocked runs recorded is in the ledger now */
		if (unlink(r->side_path) != 0)
			kpi_log_msg(KPI_LOG_WARN, "alert.blocked.cleanup", "cannot remove '%s': %s", r->side_path,
			            strerror(errno));
		free(r->side_path);
		r->side_path = NULL;
		close(r->side_fd);
		r->side_fd = -1;
	}
	return 0;
}

/* ---- evaluation ---- */

/* The ledger id of a (KPI, label set): "kpi" or "kpi{a=x,b=y}". */
static void rec_id(char *buf, size_t size, const kpi_series *s, const kpi_row *row)
{
	char lb[512];
	kpi_row_labels_format(lb, sizeof(lb), s, row);
	snprintf(buf, size, "%s%s%s%s", s->def->id, *lb ? "{" : "", lb, *lb ? "}" : "");
}

/* The state of a row's alarm before this run: ALARM while its alert fires. */
static kpi_alarm_state alarm_state(void *ctx, const kpi_series *s, const kpi_row *row)
{
	const run *r = ctx;
	const kpi__alert_rec *rec;
	char id[640];
	rec_id(id, sizeof(id), s, row);
	rec = kpi__ledger_find(r->l, id);
	return rec && rec->state == KPI_ALERT_FIRING ? KPI_ALARM_ALARM : KPI_ALARM_OK;
}

/* The start of a state KPI's window. It only looks at T = now, so the start
 * does not change its value: the hour before now, or, when flow KPIs read
 * by trailing windows come from the same query file of the same source (the
 * coverage family: outage_drill_success_pct's 24 hours), the earliest of
 * their starts, so that the file runs once for all of them (a query text
 * with the same parameters runs once per run). */
static int64_t state_from(const run *r, const kpi_def *d)
{
	int64_t from = r->now - 3600;

	for (size_t i = 0; d->query && i < r->st->nrules; i++) {
		const kpi__alert_rule *o = &r->st->rules[i];
		if (o->def->state || o->has_alarm || !o->def->query || strcmp(o->def->query, d->query) != 0 ||
		    strcmp(o->def->source, d->source) != 0)
			continue;
		if (r->now - o->trailing < from)
			from = r->now - o->trailing;
	}
	return from;
}

/* Every alerting KPI as of now, through the collection path of query and
 * pack: state KPIs as of now, flow KPIs over [now - trailing, now), KPIs
 * with an alarm rule by its last datapoints. A KPI whose source is not
 * configured to read it is not evaluated (and the log says so). */
static int evaluate(run *r, kpi_result **out, kpi_error *err)
{
	kpi__collect_req *reqs = calloc(r->st->nrules + 1, sizeof(*reqs));
	kpi_window *wins = calloc(r->st->nrules + 1, sizeof(*wins));
	kpi__run session;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	kpi__run_init(&session, r->cfg, r->cat);
	/* the data is read until delivery and the reserve are left */
	session.deadline = r->run_end - r->st->deadline - KPI__ALERT_RESERVE_S;
	if (!reqs || !wins || !(r->held = calloc(r->st->nrules + 1, sizeof(*r->held))) ||
	    !(r->asked = calloc(r->st->nrules + 1, sizeof(*r->asked)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < r->st->nrules; i++) {
		const kpi__alert_rule *rule = &r->st->rules[i];
		const kpi_def *d = rule->def;
		const char *hint = NULL;
		kpi__collect_req *q = &reqs[n];

		if (!kpi_source_configured(r->cfg, d, &hint)) {
			kpi_log_msg(KPI_LOG_INFO, "alert.skip", "KPI %s is not evaluated: %s is not configured to read it (%s)",
			            d->id, kpi_source_title(d->source), hint ? hint : "see docs/configuration.md");
			continue;
		}
		if (kpi__alert_cadence_held(r->l, rule, r->now)) {
			r->held[i] = true;
			continue;
		}
		r->asked[i] = true;
		q->def = d;
		q->now = r->now;
		if (rule->has_alarm) {
			q->alarm = &rule->alarm;
			q->current = alarm_state;
			q->ctx = r;
		} else {
			int64_t from = d->state ? state_from(r, d) : r->now - rule->trailing;
			if ((rc = kpi_window_init_range(&wins[n], from, r->now, r->cfg->timezone, err)))
				goto done;
			q->w = &wins[n];
		}
		n++;
	}
	r->nread = n;
	if ((rc = kpi__collect(out, &session, reqs, n, err)))
		goto done;
	(*out)->read_at = r->now;
	/* a standby lagging past database.max_lag: its KPIs came back as missing
	 * data, which alone would look like a quiet run. Its data cannot be read
	 * current: a failed run for the blind monitor, as an unreachable server,
	 * while the other sources' KPIs are evaluated as usual (run_alert) */
	if (kpi__run_stale(&session, &r->stale_source, r->stale_why, sizeof(r->stale_why), err) < 0)
		rc = err->code;
done:
	kpi__run_close(&session);
	free(reqs);
	free(wins);
	return rc;
}

static kpi__alert_rec *record_for(run *r, const char *id, const char *kpi, const json_t *labels)
{
	kpi__alert_rec *rec = kpi__ledger_find(r->l, id);
	if (!rec && (rec = kpi__ledger_add(r->l, id, kpi, labels)))
		rec->since = r->now;
	return rec;
}

static int step_source(run *r, bool failed, const char *error, kpi_error *err)
{
	kpi__alert_rec *rec = record_for(r, KPI__SOURCE_RECORD, KPI__SOURCE_RECORD, NULL);
	kpi_alert_state from;
	bool changed;
	kpi__act act;
	char note[1536];

	if (!rec)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	from = rec->silenced_by ? KPI_ALERT_SILENCED : rec->state;
	rec->severity = KPI_ALERT_SEV_CRITICAL;
	rec->seen = true;
	act = kpi__alert_step(rec, failed ? KPI__OBS_BREACH : KPI__OBS_OK, r->st->source_failures - 1,
	                      r->st->repeat_default, r->now, r->st->dedupe_prefix, &changed);
	rec->last_seen = r->now;
	rec->last_status = failed ? KPI_STATUS_BREACH : KPI_STATUS_OK;
	free(rec->note);
	rec->note = failed ? strdup(error) : NULL;
	if (failed)
		snprintf(note, sizeof(note), "cannot read its data, %d failed run%s in a row: %s", rec->pending,
		         rec->pending == 1 ? "" : "s", error);
	else
		snprintf(note, sizeof(note), "data readable again");
	{
		late lt;
		int rc = act_on(r, rec, act, NULL,
		                act == KPI__ACT_RESOLVE ? "kpi can read its data again" : "kpi cannot read its data",
		                failed ? error : "", &lt, err);
		bool silenced = rec->silenced_by != NULL, sent_late = lt.unsilenced || lt.nnew;
		if (rc)
			return rc;
		if (silenced)
			catf(note, sizeof(note), "; silenced by %s", rec->silenced_by);
		else
			late_note(note, sizeof(note), &lt);
		if ((changed || sent_late || silenced != (from == KPI_ALERT_SILENCED)) &&
		    (rec->state == KPI_ALERT_FIRING || from == KPI_ALERT_FIRING || from == KPI_ALERT_SILENCED || silenced))
			add_change(r, rec, from, NULL, NULL, note);
	}
	return 0;
}

/* A run that could not read (all or part of) its data: a failed run of
 * the blind monitor, and the UNKNOWN line saying how far it is from firing. */
static int source_failed(run *r, const char *why, kpi_error *err)
{
	const kpi__alert_rec *src;
	int rc = step_source(r, true, why, err);
	src = kpi__ledger_find(r->l, KPI__SOURCE_RECORD);
	if (src && src->state == KPI_ALERT_FIRING)
		problem(r, "cannot read the data (the 'kpi cannot read its data' alert is firing): %s", why);
	else
		problem(r, "cannot read the data (failed run %d in a row; the 'kpi cannot read its data' alert fires at %d): %s",
		        src ? src->pending : 1, r->st->source_failures, why);
	return rc;
}

/* Send what a step of `rec` says (act_on) and report it when it changed,
 * when a silence began or ended, or when a trigger held back went out now;
 * `note` (of `size`) says why. `from` is the state the report shows it was
 * in. */
static int act_and_report(run *r, kpi__alert_rec *rec, kpi__act act, bool changed, kpi_alert_state from,
                          const kpi__alert_rule *rule, char *note, size_t size, kpi_error *err)
{
	bool silenced;
	late lt;
	int rc;

	if ((rc = act_on(r, rec, act, rule, rule->def->title, "", &lt, err)))
		return rc;
	silenced = rec->silenced_by != NULL;
	if (silenced)
		catf(note, size, "%ssilenced by %s", *note ? "; " : "", rec->silenced_by);
	else
		late_note(note, size, &lt);
	if (changed || lt.unsilenced || lt.nnew || silenced != (from == KPI_ALERT_SILENCED))
		add_change(r, rec, from, rule->def, &rule->threshold, note);
	return 0;
}

/* The records of the KPIs this run holds by their cadence (not read): their
 * state stays as last read, but a silence or mute window that began or
 * ended since applies now, as to a KPI read on every run: a firing alert
 * becomes silenced, and a trigger held back goes out when nothing keeps it
 * from its sinks any more (not an hour later, at the next read); a firing
 * alert's reminder goes out when its repeat_interval has passed. */
static int step_held(run *r, kpi_error *err)
{
	int rc = 0;

	for (size_t i = 0; r->held && i < r->st->nrules && !rc; i++) {
		const kpi__alert_rule *rule = &r->st->rules[i];
		if (!r->held[i])
			continue;
		for (size_t k = 0; k < r->l->nrecs && !rc; k++) {
			kpi__alert_rec *rec = &r->l->recs[k];
			char note[1280] = "";
			kpi_alert_state from;
			kpi__act act;
			bool changed;
			if (rec->seen || strcmp(rec->kpi, rule->def->id) != 0)
				continue;
			from = rec->silenced_by ? KPI_ALERT_SILENCED : rec->state;
			/* nothing new observed: a firing alert's reminder when due */
			act = kpi__alert_step(rec, KPI__OBS_HOLD, rule->for_runs, rule->repeat, r->now, r->st->dedupe_prefix,
			                      &changed);
			rc = act_and_report(r, rec, act, changed, from, rule, note, sizeof(note), err);
		}
	}
	return rc;
}

static int step_rows(run *r, const kpi_result *res, kpi_error *err)
{
	int rc = 0;

	/* asked, until a series of it answers with rows: no row to hold "no data" */
	if (!(r->unanswered = calloc(r->st->nrules + 1, sizeof(*r->unanswered))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->st->nrules; i++)
		r->unanswered[i] = r->asked[i];
	for (size_t i = 0; i < res->nseries && !rc; i++) {
		const kpi_series *s = &res->series[i];
		const kpi__alert_rule *rule = rule_of(r, s->def->id);
		/* not read current: its records stay as they were (neither fire nor
		 * resolve), and the blind monitor counts the run as failed */
		if (r->stale_source && strcmp(s->def->source, r->stale_source) == 0) {
			if (rule)
				r->unanswered[rule - r->st->rules] = false; /* not a KPI without data: a failed read */
			continue;
		}
		if (rule && s->nrows)
			r->unanswered[rule - r->st->rules] = false;
		for (size_t j = 0; j < s->nrows && !rc; j++) {
			const kpi_row *row = &s->rows[j];
			char id[640], note[1280] = "";
			json_t *labels = json_object();
			kpi__alert_rec *rec;
			kpi_alert_state from;
			bool changed;
			kpi__act act;

			for (size_t k = 0; k < s->nlabels; k++)
				json_object_set_new(labels, s->label_names[k], json_string(row->labels[k]));
			rec_id(id, sizeof(id), s, row);
			rec = record_for(r, id, s->def->id, labels);
			json_decref(labels);
			if (!rec)
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
			r->rep->rows++;
			from = rec->silenced_by ? KPI_ALERT_SILENCED : rec->state;
			rec->severity = rule->severity;
			rec->seen = true;
			rec->has_value = row->has_value;
			rec->value = row->value;
			rec->last_status = row->status;
			rec->last_seen = r->now;
			act = kpi__alert_step(rec,
			                      kpi__alert_observe(rule, &rule->threshold, row, rec->state == KPI_ALERT_FIRING),
			                      rule->for_runs, rule->repeat, r->now, r->st->dedupe_prefix, &changed);
			if (rec->state == KPI_ALERT_PENDING)
				snprintf(note, sizeof(note), "pending %d of %d", rec->pending, rule->for_runs + 1);
			else if (act == KPI__ACT_RESOLVE)
				snprintf(note, sizeof(note), "resolved after %s",
				         kpi__duration_format((char[32]){ 0 }, 32, r->now - rec->episode));
			else if (rec->state == KPI_ALERT_WARN)
				snprintf(note, sizeof(note), "within the warning margin");
			else if (from == KPI_ALERT_PENDING && rec->state != KPI_ALERT_FIRING)
				snprintf(note, sizeof(note), "breach cleared before it fired");
			rc = act_and_report(r, rec, act, changed, from, rule, note, sizeof(note), err);
		}
	}
	/* Records of KPIs that no longer alert (catalogue or config changed):
	 * a firing one is resolved, so no incident stays open forever. */
	for (size_t i = r->l->nrecs; i-- > 0 && !rc;) {
		kpi__alert_rec *rec = &r->l->recs[i];
		if (rec->seen || strcmp(rec->id, KPI__SOURCE_RECORD) == 0 || rule_of(r, rec->kpi))
			continue;
		if (rec->state == KPI_ALERT_FIRING) {
			kpi_alert_state from = rec->state;
			rec->state = KPI_ALERT_OK;
			add_change(r, rec, from, NULL, NULL, "no longer alerting (catalogue or config changed): resolved");
			rc = act_on(r, rec, KPI__ACT_RESOLVE, NULL, "no longer monitored by kpi alert", "", NULL, err);
		}
		kpi__ledger_remove(r->l, i);
	}
	return rc;
}

/* Every firing alert, told again to the sinks whose receiver forgets an
 * alert that is not refreshed (their type's refresh_every_run),
 * on every run, with its dedupe key; enqueue() keeps one entry per (sink,
 * key). Also while the data cannot be read: that says nothing about
 * whether an alert recovered. */
static int refresh(run *r, kpi_error *err)
{
	bool any = false;
	int rc = 0;

	for (size_t i = 0; i < r->st->nsinks; i++)
		any |= r->st->sinks[i].type->refresh_every_run;
	for (size_t i = 0; any && i < r->l->nrecs && !rc; i++) {
		const kpi__alert_rec *rec = &r->l->recs[i];
		const kpi__alert_rule *rule = rule_of(r, rec->kpi);
		bool source = strcmp(rec->id, KPI__SOURCE_RECORD) == 0;
		if (rec->state != KPI_ALERT_FIRING || !rec->dedupe_key || (!rule && !source))
			continue;
		rc = act_on(r, (kpi__alert_rec *)rec, KPI__ACT_REFRESH, rule, rule ? rule->def->title : "kpi cannot read its data",
		            source && rec->note ? rec->note : "", NULL, err);
	}
	return rc;
}

/* ---- delivery ---- */

static double *due_of(run *r, size_t i)
{
	if (i >= r->ndue) {
		double *p = realloc(r->due, (r->l->nout + 8) * sizeof(*p));
		if (!p)
			return NULL;
		for (size_t k = r->ndue; k < r->l->nout + 8; k++)
			p[k] = 0;
		r->due = p;
		r->ndue = r->l->nout + 8;
	}
	return &r->due[i];
}

/* Is entry i the oldest waiting one of its (sink, dedupe key)? Keeps a
 * resolve behind its trigger. */
static bool first_of_key(const kpi__ledger *l, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (l->outbox[k].status == KPI__ENTRY_PENDING && strcmp(l->outbox[k].sink, l->outbox[i].sink) == 0 &&
		    strcmp(l->outbox[k].dedupe_key, l->outbox[i].dedupe_key) == 0)
			return false;
	return true;
}

/* Seconds until entry i is due (<= 0: now). */
static double due_in(run *r, size_t i)
{
	double *d = due_of(r, i);
	if (d && *d > 0)
		return *d - kpi__mono_now();
	return (double)(r->l->outbox[i].next_attempt - vnow(r));
}

static void history_add(kpi__outbox_entry *e, int64_t at, const char *outcome)
{
	char t[32];
	json_array_append_new(e->history, json_pack("{s:s, s:s}", "at", kpi_time_format(t, sizeof(t), at), "outcome", outcome));
	/* keep the last few dozen: enough to read what happened */
	while (json_array_size(e->history) > 40)
		json_array_remove(e->history, 0);
}

static void attempt(run *r, size_t i, double deadline)
{
	kpi__outbox_entry *e = &r->l->outbox[i];
	const kpi__sink *s = kpi__alert_sink_find(r->st, e->sink);
	kpi__send_result res;
	double left = deadline - kpi__mono_now();
	long timeout;
	int64_t at = vnow(r);
	char outcome[640];

	if (!s) {
		/* the sink was removed from the config: nobody can deliver this */
		snprintf(res.detail, sizeof(res.detail), "sink '%s' is no longer configured", e->sink);
		res.outcome = KPI__DELIV_TERMINAL;
		res.status = 0;
		res.retry_after = 0;
		res.seconds = 0;
	} else {
		timeout = s->timeout_ms < (long)(left * 1000) ? s->timeout_ms : (long)(left * 1000);
		kpi__sink_send(&res, s, e->notification, json_string_value(json_object_get(e->notification, "id")), timeout,
		               r->st);
	}
	e->attempts++;
	e->last_attempt = at;
	snprintf(outcome, sizeof(outcome), "%s", res.outcome == KPI__DELIV_OK ? "delivered" : res.detail);
	if (res.outcome == KPI__DELIV_OK && res.detail[0])
		snprintf(outcome, sizeof(outcome), "delivered (%s)", res.detail);
	history_add(e, at, outcome);
	if (res.outcome == KPI__DELIV_OK) {
		e->status = KPI__ENTRY_DELIVERED;
		e->done = vnow(r);
		free(e->last_error);
		e->last_error = NULL;
		r->rep->delivered++;
		kpi_log_fields(KPI_LOG_INFO, "alert.delivered",
		               json_pack("{s:s, s:s, s:s, s:i, s:f, s:s}", "sink", e->sink, "action", e->action, "dedupe_key",
		                         e->dedupe_key, "attempts", e->attempts, "seconds", res.seconds, "result", res.detail),
		               NULL);
		return;
	}
	free(e->last_error);
	e->last_error = strdup(res.detail);
	if (res.outcome == KPI__DELIV_RETRY && e->attempts < r->st->max_attempts) {
		double d = kpi_backoff_delay(r->st->retry_base, r->st->retry_max, e->attempts - 1, kpi_random_unit());
		double *due = due_of(r, i);
		if (res.retry_after > d)
			d = res.retry_after < r->st->retry_max ? res.retry_after : r->st->retry_max;
		e->next_attempt = at + (int64_t)ceil(d);
		if (due)
			*due = kpi__mono_now() + d;
		kpi_log_fields(KPI_LOG_WARN, "alert.retry",
		               json_pack("{s:s, s:s, s:s, s:i, s:f}", "sink", e->sink, "action", e->action, "dedupe_key",
		                         e->dedupe_key, "attempts", e->attempts, "retry_in_seconds", d),
		               res.detail);
		return;
	}
	e->status = KPI__ENTRY_FAILED;
	e->done = at;
	r->rep->failed++;
	{
		char detail[1536];
		snprintf(detail, sizeof(detail), "delivery of %s %s to sink '%s' failed terminally after %d attempt%s: %s",
		         e->action, e->dedupe_key, e->sink, e->attempts, e->attempts == 1 ? "" : "s", res.detail);
		kpi_log_fields(KPI_LOG_ERROR, "alert.delivery.failed",
		               json_pack("{s:s, s:s, s:s, s:i}", "sink", e->sink, "action", e->action, "dedupe_key",
		                         e->dedupe_key, "attempts", e->attempts),
		               detail);
		problem(r, "%s (kpi alert --replay requeues it)", detail);
		/* tell the others, but never about a notice: no cascades */
		if (strcmp(e->action, "notice") != 0) {
			char *sink = strdup(e->sink);
			notice(r, "kpi_alert_delivery", "kpi alert could not deliver a notification", detail,
			       "terminal-delivery-failures", sink);
			free(sink);
		}
	}
}

static void deliver(run *r)
{
	double deadline = kpi__mono_now() + r->st->deadline;
	bool cut = r->run_end - KPI__ALERT_RESERVE_S < deadline;

	if (cut)
		deadline = r->run_end - KPI__ALERT_RESERVE_S;

	for (;;) {
		double soonest = INFINITY;
		size_t pick = (size_t)-1;
		for (size_t i = 0; i < r->l->nout; i++) {
			double in;
			if (r->l->outbox[i].status != KPI__ENTRY_PENDING || !first_of_key(r->l, i))
				continue;
			in = due_in(r, i);
			if (in <= 0) {
				pick = i;
				break;
			}
			if (in < soonest)
				soonest = in;
		}
		if (pick != (size_t)-1) {
			if (deadline - kpi__mono_now() < 0.05)
				break;
			attempt(r, pick, deadline);
			if (save(r))
				break;
			continue;
		}
		if (!isfinite(soonest) || kpi__mono_now() + soonest >= deadline)
			break;
		{
			struct timespec ts;
			ts.tv_sec = (time_t)soonest;
			ts.tv_nsec = (long)((soonest - floor(soonest)) * 1e9);
			nanosleep(&ts, NULL);
		}
	}
	for (size_t i = 0; i < r->l->nout; i++)
		if (r->l->outbox[i].status == KPI__ENTRY_PENDING)
			r->rep->queued++;
	if (r->rep->queued)
		kpi_log_msg(KPI_LOG_WARN, "alert.outbox.pending",
		            "%zu notification(s) wait in the outbox for a later run (receiver down or slow)", r->rep->queued);
	if (cut && r->rep->queued && kpi__mono_now() >= deadline - 0.05)
		problem(r, "the run reached its deadline of %g s (alert.run_deadline_seconds) while delivering: %zu "
		           "notification(s) wait in the outbox for the next run",
		        r->st->run_deadline, r->rep->queued);
}

static void replay(run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->l->nout; i++) {
		kpi__outbox_entry *e = &r->l->outbox[i];
		if (e->status != KPI__ENTRY_FAILED)
			continue;
		history_add(e, r->now, "requeued by kpi alert --replay (attempt counter restarts)");
		e->status = KPI__ENTRY_PENDING;
		e->attempts = 0;
		e->next_attempt = r->now;
		e->done = 0;
		n++;
	}
	kpi_log_msg(KPI_LOG_INFO, "alert.replay", "requeued %zu terminally failed deliver%s", n, n == 1 ? "y" : "ies");
}

/* ---- --require-delivery ----
 *
 * A run that pages nobody must not look like one that paged (a timer that
 * takes exit 1 and 2 as success): with the option, no sink configured is a
 * problem of every run, and so is every firing alert, not silenced or muted
 * (held on purpose), whose trigger went into the outbox and has been
 * delivered to none of its sinks alert.undelivered_after after it fired.
 * The episode's entries are those of its dedupe key: its triggers (not the
 * reminders) waiting or failed say who it has not reached; any of its
 * triggers, reminders or refreshes delivered is a delivery. A trigger held
 * back by a silence or a mute window, or sent to a sink added while the
 * alert fires, counts from the run that queued it, not from the firing. */
static void undelivered_alert(run *r, const kpi__alert_rec *rec)
{
	char why[1536] = "", line[2048], since[32], dur[32], pre[320];
	const kpi__sink *s;
	const char *last;
	int64_t queued = 0, start;
	size_t n = 0;

	for (size_t i = 0; i < r->l->nout; i++) {
		const kpi__outbox_entry *e = &r->l->outbox[i];
		bool trigger = strcmp(e->action, "trigger") == 0;
		if (strcmp(e->dedupe_key, rec->dedupe_key) != 0 || (!trigger && strcmp(e->action, "refresh") != 0))
			continue;
		if (e->status == KPI__ENTRY_DELIVERED)
			return;
		if (!trigger || json_is_true(json_object_get(e->notification, "repeat")))
			continue;
		if (!queued || e->created < queued)
			queued = e->created;
		/* "'pd' (pagerduty) pending after 3 attempts (last: HTTP 503: ...)": the
		 * error without the "sink 'pd' (pagerduty): " it starts with */
		s = kpi__alert_sink_find(r->st, e->sink);
		snprintf(pre, sizeof(pre), "sink '%s' (%s): ", e->sink, s ? s->type->name : "");
		last = e->last_error && strncmp(e->last_error, pre, strlen(pre)) == 0 ? e->last_error + strlen(pre)
		                                                                       : e->last_error;
		catf(why, sizeof(why), "%s'%s'%s%s%s %s after %d attempt%s%s%s%s", n++ ? ", " : "", e->sink, s ? " (" : "",
		     s ? s->type->name : "", s ? ")" : "", e->status == KPI__ENTRY_PENDING ? "pending" : "failed",
		     e->attempts, e->attempts == 1 ? "" : "s", last ? " (last: " : "", last ? last : "", last ? ")" : "");
	}
	/* queued by the run that fired it (within that run's deadline): since it fired */
	start = queued && queued - rec->since > (int64_t)r->st->run_deadline ? queued : rec->since;
	if (!n || r->now - start < r->st->undelivered_after)
		return;
	kpi_time_format(since, sizeof(since), rec->since);
	kpi__duration_format(dur, sizeof(dur), r->now - start);
	snprintf(line, sizeof(line), "%s alert %s firing since %s has reached no sink for %s: %s",
	         kpi_alert_severity_name(rec->severity), rec->id, since, dur, why);
	kpi_log_fields(KPI_LOG_ERROR, "alert.undelivered",
	               json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "kpi", rec->kpi, "id", rec->id, "severity",
	                         kpi_alert_severity_name(rec->severity), "dedupe_key", rec->dedupe_key, "since", since,
	                         "undelivered_seconds", (json_int_t)(r->now - start)),
	               line);
	problem(r, "%s", line);
}

static void require_delivery(run *r)
{
	if (r->st->nsinks == 0) {
		static const char msg[] = "no sinks configured (alert.sinks): an alert that fires would reach nobody; "
		                          "configure one (docs/deploy.md) and check it with kpi alert --test SINK";
		kpi_log_msg(KPI_LOG_ERROR, "alert.undelivered", "--require-delivery: %s", msg);
		problem(r, "%s", msg);
		return;
	}
	for (size_t i = 0; i < r->l->nrecs; i++) {
		const kpi__alert_rec *rec = &r->l->recs[i];
		if (rec->state == KPI_ALERT_FIRING && !rec->silenced_by && rec->dedupe_key)
			undelivered_alert(r, rec);
	}
}

static void finish_report(run *r)
{
	kpi_alert_report *rep = r->rep;
	int code = 0;
	for (size_t i = 0; i < r->l->nrecs; i++) {
		const kpi__alert_rec *rec = &r->l->recs[i];
		if (rec->silenced_by) {
			rep->silenced++; /* kept from every sink: it raises no exit code either */
		} else if (rec->state == KPI_ALERT_FIRING) {
			rep->firing++;
			if (rec->severity == KPI_ALERT_SEV_CRITICAL) {
				rep->firing_critical++;
				code = 2;
			} else if (code < 1) {
				code = 1;
			}
		} else if (rec->state == KPI_ALERT_PENDING || rec->state == KPI_ALERT_WARN) {
			rec->state == KPI_ALERT_PENDING ? rep->pending++ : rep->warn++;
			if (code < 1)
				code = 1;
		}
	}
	rep->exit_code = rep->nproblems ? 3 : code;
	/* what the summary line names: critical firing first, then the other
	 * firing, pending and warn records */
	for (int pass = 0; pass < 4; pass++)
		for (size_t i = 0; i < r->l->nrecs; i++) {
			const kpi__alert_rec *rec = &r->l->recs[i];
			const kpi__alert_rule *rule = rule_of(r, rec->kpi);
			bool firing = rec->state == KPI_ALERT_FIRING, critical = rec->severity == KPI_ALERT_SEV_CRITICAL;
			char note[64];
			if (rec->silenced_by || !(pass == 0 ? firing && critical
			                          : pass == 1 ? firing && !critical
			                          : pass == 2 ? rec->state == KPI_ALERT_PENDING
			                                      : rec->state == KPI_ALERT_WARN))
				continue;
			if (rec->state == KPI_ALERT_PENDING && rule)
				snprintf(note, sizeof(note), "pending %d of %d", rec->pending, rule->for_runs + 1);
			else
				snprintf(note, sizeof(note), "%s", kpi_alert_state_name(rec->state));
			report_line(&rep->active, &rep->nactive, rec, rec->state, rule ? rule->def : NULL,
			            rule ? &rule->threshold : NULL, note);
		}
}

/* ---- a run blocked by a stuck one ----
 *
 * A run that hangs keeps the lock, and every later run would only say
 * "lock held": the "kpi cannot read its data" alert could never fire. A
 * run that cannot get the lock and finds the holder past its deadline is
 * therefore a failed run of the blind monitor, recorded without the
 * ledger, which only the holder may write: in a ledger of its own,
 * ledger.blocked.json, under lock file lock.blocked. It starts as a copy of
 * the ledger's kpi_source record (read, never written: the ledger is
 * always whole on disk); the stuck run counts as one failed run, each
 * blocked run as another, and when they reach source_failures_before_alert
 * the alert is queued in that file's outbox (saved before sending) and
 * delivered by the blocked run itself, retried by the next. The next run
 * that holds the lock takes the record and the outbox over into the ledger
 * (merge_blocked()) and removes the file once the ledger is saved: the
 * episode goes on there and resolves when the data is readable again. */

#define BLOCKED_LEDGER "ledger.blocked.json"
#define BLOCKED_LOCK "lock.blocked"

static void rec_copy(kpi__alert_rec *dst, const kpi__alert_rec *src)
{
	dst->state = src->state;
	dst->severity = src->severity;
	dst->since = src->since;
	dst->episode = src->episode;
	free(dst->dedupe_key);
	dst->dedupe_key = src->dedupe_key ? strdup(src->dedupe_key) : NULL;
	dst->pending = src->pending;
	dst->last_notified = src->last_notified;
	dst->has_value = src->has_value;
	dst->value = src->value;
	dst->last_status = src->last_status;
	dst->last_seen = src->last_seen;
	free(dst->note);
	dst->note = src->note ? strdup(src->note) : NULL;
	free(dst->silenced_by);
	dst->silenced_by = src->silenced_by ? strdup(src->silenced_by) : NULL;
	json_decref(dst->held);
	dst->held = src->held ? json_deep_copy(src->held) : NULL;
	json_decref(dst->sent);
	dst->sent = src->sent ? json_deep_copy(src->sent) : NULL;
}

/* The blind monitor's record of `from` into `l` (added when missing). */
static int take_source_rec(kpi__ledger *l, const kpi__alert_rec *from)
{
	kpi__alert_rec *rec = kpi__ledger_find(l, KPI__SOURCE_RECORD);
	if (!rec && !(rec = kpi__ledger_add(l, KPI__SOURCE_RECORD, KPI__SOURCE_RECORD, NULL)))
		return KPI_ENOMEM;
	rec_copy(rec, from);
	return 0;
}

/* The silences of the state directory, read once the run holds its lock
 * (an add while it waited for it counts), and the zone of the mute
 * windows. A silences file that does not parse silences nothing: the run
 * says so (exit 3) and sends. */
static int load_silences(run *r, kpi_error *err)
{
	kpi_error e = KPI_ERROR_INIT;
	char *path = kpi__path_join(r->rep->state_dir, "silences.json");
	int rc;

	if (!path)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	rc = kpi__silences_load(&r->sil, path, &e);
	free(path);
	if (rc == KPI_ENOMEM)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (rc) {
		kpi_log_msg(KPI_LOG_ERROR, "alert.silences", "%s", e.message);
		problem(r, "%s: no silence is applied in this run", e.message);
	}
	if (r->st->nmutes && kpi__tz_hold(&r->tz, r->cfg->timezone ? r->cfg->timezone : "UTC", &e)) {
		kpi_log_msg(KPI_LOG_ERROR, "alert.mute_windows", "%s", e.message);
		problem(r, "time zone of the mute windows: %s: no mute window is applied in this run", e.message);
	}
	return 0;
}

static int blocked_run(run *r, const kpi__lock_holder *h, kpi_error *err)
{
	char held[32], dl[32], why[512];
	kpi__ledger_damage dmg;
	kpi__ledger *main_l = NULL;
	kpi_error ignored = KPI_ERROR_INIT;
	int64_t held_s = (int64_t)time(NULL) - h->started;
	int fd = -1, rc;
	bool fresh;

	kpi__duration_format(held, sizeof(held), held_s);
	kpi__duration_format(dl, sizeof(dl), (int64_t)ceil(h->deadline));
	snprintf(why, sizeof(why), "run %ld has held the lock for %s, past its %s deadline", h->pid, held, dl);
	kpi_log_fields(KPI_LOG_ERROR, "alert.lock.stuck",
	               json_pack("{s:I, s:I, s:f}", "pid", (json_int_t)h->pid, "held_seconds", (json_int_t)held_s,
	                         "deadline_seconds", h->deadline),
	               why);
	problem(r, "%s (alert.run_deadline_seconds): it cannot read the data; stop it (docs/runbook.md#a-run-stuck-"
	           "past-its-deadline)",
	        why);
	if ((rc = kpi__alert_lock(&fd, r->rep->state_dir, BLOCKED_LOCK, r->st->lock_wait, NULL, NULL, err)))
		return rc;
	free(r->ledger_path);
	if (!(r->ledger_path = kpi__path_join(r->rep->state_dir, BLOCKED_LEDGER))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	kpi__ledger_clean_temp(r->ledger_path, KPI__LEDGER_ALERT);
	fresh = access(r->ledger_path, F_OK) != 0;
	if ((rc = kpi__ledger_load(&r->l, r->ledger_path, KPI__LEDGER_ALERT, true, &dmg, err)))
		goto done;
	if (dmg.reason[0])
		kpi_log_fields(KPI_LOG_ERROR, "alert.blocked.corrupt",
		               json_pack("{s:s, s:s}", "ledger", r->ledger_path, "moved_to", dmg.moved_to), dmg.reason);
	if (fresh) {
		/* the ledger as the stuck run found it: the episode goes on */
		char *path = kpi__path_join(r->rep->state_dir, "ledger.json");
		const kpi__alert_rec *src;
		if (path && kpi__ledger_load(&main_l, path, KPI__LEDGER_ALERT, false, &dmg, &ignored) == 0 &&
		    (src = kpi__ledger_find(main_l, KPI__SOURCE_RECORD)) && take_source_rec(r->l, src)) {
			free(path);
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		free(path);
		/* the stuck run is a failed run */
		if ((rc = step_source(r, true, why, err)))
			goto done;
	}
	if ((rc = step_source(r, true, why, err)) || (rc = refresh(r, err)))
		goto done;
	if (save(r)) {
		rc = kpi_error_set(err, KPI_EIO, "%s", r->rep->problems[r->rep->nproblems - 1]);
		goto done;
	}
	deliver(r);
	kpi__ledger_prune(r->l, vnow(r), KEEP_DELIVERED_SECONDS, MAX_OUTBOX);
	save(r);
done:
	kpi__ledger_free(main_l);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* What blocked runs recorded while a stuck run held the lock (see above),
 * taken over by the run that holds it now: their kpi_source record, when
 * newer than the ledger's, and every outbox entry the ledger does not have
 * (entry ids are stable). The file goes once the ledger is saved (save());
 * until then its lock is held, so no blocked run writes it meanwhile. */
static int merge_blocked(run *r, kpi_error *err)
{
	char *path = kpi__path_join(r->rep->state_dir, BLOCKED_LEDGER);
	kpi__ledger *side = NULL;
	kpi__ledger_damage dmg;
	kpi_error e = KPI_ERROR_INIT;
	const kpi__alert_rec *src;
	kpi__alert_rec *dst;
	size_t moved = 0;
	int fd = -1;

	if (!path)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (access(path, F_OK) != 0) {
		free(path);
		return 0;
	}
	if (kpi__alert_lock(&fd, r->rep->state_dir, BLOCKED_LOCK, 1, NULL, NULL, &e) ||
	    kpi__ledger_load(&side, path, KPI__LEDGER_ALERT, true, &dmg, &e)) {
		/* a blocked run is writing it: the next run takes it over */
		kpi_log_msg(KPI_LOG_WARN, "alert.blocked.merge", "'%s' is left for the next run: %s", path, e.message);
		if (fd >= 0)
			close(fd);
		free(path);
		return 0;
	}
	kpi__ledger_clean_temp(path, KPI__LEDGER_ALERT);
	src = kpi__ledger_find(side, KPI__SOURCE_RECORD);
	dst = kpi__ledger_find(r->l, KPI__SOURCE_RECORD);
	if (src && (!dst || src->last_seen >= dst->last_seen) && take_source_rec(r->l, src))
		goto nomem;
	for (size_t i = 0; i < side->nout; i++) {
		kpi__outbox_entry *e2 = &side->outbox[i], *n;
		bool have = false;
		for (size_t k = 0; k < r->l->nout && !have; k++)
			have = strcmp(r->l->outbox[k].id, e2->id) == 0;
		if (have)
			continue;
		if (!(n = kpi__ledger_enqueue(r->l)))
			goto nomem;
		json_decref(n->history);
		*n = *e2;
		memset(e2, 0, sizeof(*e2));
		moved++;
	}
	kpi_log_fields(KPI_LOG_INFO, "alert.blocked.merged",
	               json_pack("{s:s, s:b, s:I}", "from", path, "record", src != NULL, "entries", (json_int_t)moved),
	               "took over what runs blocked by a stuck one recorded");
	kpi__ledger_free(side);
	r->side_path = path;
	r->side_fd = fd;
	return 0;
nomem:
	kpi__ledger_free(side);
	close(fd);
	free(path);
	return kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

int kpi_alert_run(kpi_alert_report **out, const kpi_catalog *cat, const kpi_config *cfg, const kpi_alert_opts *opts,
                  kpi_error *err)
{
	run r = { 0 };
	kpi_result *res = NULL;
	kpi_error serr = KPI_ERROR_INIT;
	kpi__lock_holder me, holder;
	int lock_fd = -1, rc;
	double t0;

	*out = NULL;
	r.cat = cat;
	r.cfg = cfg;
	r.opts = opts;
	r.now = opts->now;
	r.mono0 = kpi__mono_now();
	r.side_fd = -1;
	me.pid = (long)getpid();
	me.started = (int64_t)time(NULL);
	if (!(r.rep = calloc(1, sizeof(*r.rep))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__alert_settings_load(&r.st, cfg, cat, err)))
		goto done;
	r.run_end = r.mono0 + r.st->run_deadline;
	me.deadline = r.st->run_deadline;
	if (!(r.rep->state_dir = kpi__state_dir_resolve(cfg, opts->state_dir, r.st->state_dir))) {
		rc = kpi_error_set(err, KPI_EIO, "no state directory: give --state-dir, or set KPI_STATE_DIR or HOME");
		goto done;
	}
	r.ledger_path = kpi__path_join(r.rep->state_dir, "ledger.json");
	kpi_log_fields(KPI_LOG_INFO, "alert.run.start",
	               json_pack("{s:s, s:s, s:b, s:i, s:i}", "state_dir", r.rep->state_dir, "now",
	                         kpi_time_format((char[32]){ 0 }, 32, r.now), "dry_run", opts->dry_run, "rules",
	                         (int)r.st->nrules, "sinks", (int)r.st->nsinks),
	               NULL);
	if (!opts->dry_run) {
		if ((rc = kpi__state_dir_prepare(r.rep->state_dir, err)))
			goto done;
		rc = kpi__alert_lock(&lock_fd, r.rep->state_dir, "lock", r.st->lock_wait, &me, &holder, err);
		if (rc == KPI_ETIMEOUT && holder.started && holder.deadline > 0 &&
		    (double)((int64_t)time(NULL) - holder.started) > holder.deadline) {
			if ((rc = load_silences(&r, err)) || (rc = blocked_run(&r, &holder, err)))
				goto done;
			goto report;
		}
		if (rc)
			goto done;
		kpi__ledger_clean_temp(r.ledger_path, KPI__LEDGER_ALERT);
	}
	if ((rc = load_ledger(&r, err)) || (!opts->dry_run && (rc = merge_blocked(&r, err))) ||
	    (rc = load_silences(&r, err)))
		goto done;
	r.l->redact = kpi__config_redact(cfg);
	if (opts->replay)
		replay(&r);

	t0 = kpi__mono_now();
	rc = evaluate(&r, &res, &serr);
	if (rc == KPI_ENOMEM) {
		*err = serr;
		goto done;
	}
	kpi_log_fields(rc ? KPI_LOG_ERROR : KPI_LOG_INFO, rc ? "alert.source.error" : "alert.evaluated",
	               kpi__alert_costs(json_pack("{s:i, s:f}", "kpis", (int)r.st->nrules, "seconds", kpi__mono_now() - t0),
	                                res, r.held, r.st),
	               rc ? serr.message : NULL);
	if (rc) {
		rc = source_failed(&r, serr.message, err);
	} else {
		if (r.stale_source)
			rc = source_failed(&r, r.stale_why, err);
		else
			rc = r.nread ? step_source(&r, false, "", err) : 0;
		if (!rc)
			rc = step_rows(&r, res, err);
	}
	if (!rc)
		rc = step_held(&r, err);
	if (!rc && r.held && !(rc = kpi__alert_cadence_report(r.rep, r.st, r.l, r.now, r.held, err)))
		for (size_t i = 0; i < r.rep->nheld; i++)
			if (r.rep->held[i].stale)
				problem(&r, "%s: its values were read %s ago, longer than its cadence and grace: missing data",
				        r.rep->held[i].kpi, kpi__duration_format((char[32]){ 0 }, 32, r.rep->held[i].age));
	/* the gating KPIs not measured, by the verdict rule (alert_unmeasured.c) */
	if (!rc)
		rc = kpi__alert_unmeasured(r.rep, r.l, cat, cfg, r.now, err);
	/* and the gating rows it read (or holds) without data */
	if (!rc)
		rc = kpi__alert_no_data(r.rep, r.l, r.st, cat, r.held, r.unanswered, r.now, err);
	if (!rc)
		rc = refresh(&r, err);
	if (rc)
		goto done;
	/* persisted before anything is sent (a dry run saves nothing) */
	if (save(&r)) {
		rc = kpi_error_set(err, KPI_EIO, "%s", r.rep->problems[r.rep->nproblems - 1]);
		goto done;
	}
	if (!opts->dry_run) {
		kpi__progress_note(cfg, "delivering");
		deliver(&r);
		kpi__ledger_prune(r.l, vnow(&r), KEEP_DELIVERED_SECONDS, MAX_OUTBOX);
		save(&r);
	} else {
		for (size_t i = 0; i < r.l->nout; i++) {
			const kpi__outbox_entry *e = &r.l->outbox[i];
			if (e->status == KPI__ENTRY_PENDING && e->next_attempt <= r.now)
				add_line(&r.rep->dry_run, &r.rep->ndry_run,
				         "DRY-RUN would retry %s %s to sink '%s' (attempt %d)", e->action, e->dedupe_key, e->sink,
				         e->attempts + 1);
		}
	}
report:
	if (opts->require_delivery)
		require_delivery(&r);
	finish_report(&r);
	kpi_log_fields(r.rep->exit_code == 3 ? KPI_LOG_ERROR : KPI_LOG_INFO, "alert.run.end",
	               json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f}", "exit", r.rep->exit_code, "rows",
	                         (int)r.rep->rows, "changes", (int)r.rep->nchanges, "firing", (int)r.rep->firing,
	                         "delivered", (int)r.rep->delivered, "queued", (int)r.rep->queued, "failed",
	                         (int)r.rep->failed, "seconds", kpi__mono_now() - r.mono0),
	               NULL);
	*out = r.rep;
	r.rep = NULL;
	rc = 0;
done:
	if (lock_fd >= 0)
		close(lock_fd); /* releases the flock */
	if (r.side_fd >= 0)
		close(r.side_fd);
	free(r.side_path);
	kpi__silences_free(r.sil);
	kpi__tz_release(r.tz);
	kpi_result_free(res);
	kpi__ledger_free(r.l);
	kpi__alert_settings_free(r.st);
	kpi_alert_report_free(r.rep);
	free(r.ledger_path);
	free(r.due);
	free(r.held);
	free(r.asked);
	free(r.unanswered);
	return rc;
}

/* ---- output ---- */

/* The records not ok the summary line names; "and N more" beyond. */
#define SUMMARY_NAMED 3

int kpi_alert_format(kpi_buf *out, const kpi_alert_report *rep, kpi_error *err)
{
	int rc = 0;
	for (size_t i = 0; i < rep->nproblems; i++)
		rc |= kpi_buf_printf(out, "KPI UNKNOWN - %s\n", rep->problems[i]);
	for (size_t i = 0; i < rep->nchanges; i++) {
		rc |= kpi__nagios_line(out, &rep->changes[i]);
		rc |= kpi_buf_puts(out, "\n");
	}
	if (!rep->nchanges && !rep->nproblems) {
		static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
		char sil[64] = "", silp[64] = "";
		if (rep->silenced) {
			snprintf(sil, sizeof(sil), ", %zu silenced", rep->silenced);
			snprintf(silp, sizeof(silp), " silenced=%zu;;;0", rep->silenced);
		}
		rc |= kpi_buf_printf(out, "KPI %s - no change: ", names[rep->exit_code & 3]);
		/* what is not ok, named as a change line names it */
		for (size_t i = 0; i < rep->nactive && i < SUMMARY_NAMED; i++) {
			rc |= kpi_buf_puts(out, i ? ", " : "");
			rc |= kpi__alert_row_text(out, &rep->active[i]);
		}
		if (rep->nactive > SUMMARY_NAMED)
			rc |= kpi_buf_printf(out, " and %zu more", rep->nactive - SUMMARY_NAMED);
		rc |= kpi_buf_printf(out,
		                     "%s%zu row%s checked, %zu firing, %zu pending, %zu warn%s, %zu queued "
		                     "| firing=%zu;;;0 pending=%zu;;;0 queued=%zu;;;0%s\n",
		                     rep->nactive ? "; " : "", rep->rows, rep->rows == 1 ? "" : "s", rep->firing, rep->pending,
		                     rep->warn, sil, rep->queued, rep->firing, rep->pending, rep->queued, silp);
	}
	if (rep->nunmeasured) {
		rc |= kpi__alert_unmeasured_line(out, rep);
		rc |= kpi_buf_puts(out, "\n");
	}
	if (rep->nno_data) {
		rc |= kpi__alert_no_data_line(out, rep);
		rc |= kpi_buf_puts(out, "\n");
	}
	for (size_t i = 0; i < rep->nheld; i++) {
		rc |= kpi__alert_held_line(out, &rep->held[i]);
		rc |= kpi_buf_puts(out, "\n");
	}
	for (size_t i = 0; i < rep->ndry_run; i++)
		rc |= kpi_buf_printf(out, "%s\n", rep->dry_run[i]);
	return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}

/* ---- kpi alert --test SINK ---- */

int kpi_alert_test(kpi_alert_test_result *out, const kpi_catalog *cat, const kpi_config *cfg, const char *sink,
                   int64_t now, kpi_error *err)
{
	kpi__alert_settings *st = NULL;
	const kpi__sink *s;
	json_t *n = NULL;
	double start = kpi__mono_now(), deadline;
	char key[256], part[160];
	note_in in = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = kpi__alert_settings_load(&st, cfg, cat, err)))
		return rc;
	deadline = start + st->deadline;
	if (!(s = kpi__alert_sink_find(st, sink))) {
		rc = kpi_error_set(err, KPI_ENOTFOUND, "no sink named '%s' in the config's alert.sinks", sink);
		goto done;
	}
	snprintf(part, sizeof(part), "test:%s:%s", s->name, kpi_log_run_id());
	kpi__dedupe_key(key, st->dedupe_prefix, part, now);
	in.action = "test";
	in.severity = KPI_ALERT_SEV_INFO;
	in.dedupe_key = key;
	in.kpi = "kpi_alert";
	in.title = "kpi alert test notification";
	in.status = "test";
	in.runbook = "testing-a-sink";
	in.detail = "";
	for (int round = 0; round < 2 && !rc; round++) {
		kpi__send_result res;
		if (round == 1) {
			/* a receiver that keeps incidents open until resolved
			 * (the type's test_resolves): resolve the test one at once */
			if (!s->type->test_resolves)
				break;
			in.action = "resolve";
		}
		json_decref(n);
		if (!(n = notification_new(st, &in, now, err))) {
			rc = err->code;
			break;
		}
		for (;;) {
			double left = deadline - kpi__mono_now();
			long t = s->timeout_ms < (long)(left * 1000) ? s->timeout_ms : (long)(left * 1000);
			kpi__sink_send(&res, s, n, json_string_value(json_object_get(n, "id")), t > 0 ? t : 1, st);
			out->attempts++;
			out->status = res.status;
			if (res.outcome == KPI__DELIV_OK)
				break;
			kpi_log_fields(KPI_LOG_WARN, "alert.test.retry", json_pack("{s:s, s:i}", "sink", s->name, "attempt",
			                                                           out->attempts),
			               res.detail);
			if (res.outcome == KPI__DELIV_TERMINAL) {
				rc = kpi_error_set(err, KPI_ESOURCE, "test notification not accepted: %s", res.detail);
				break;
			}
			{
				double d = kpi_backoff_delay(st->retry_base, st->retry_max, out->attempts - 1, kpi_random_unit());
				struct timespec ts;
				if (kpi__mono_now() + d >= deadline) {
					rc = kpi_error_set(err, KPI_ESOURCE,
					                   "test notification not delivered within %g s (alert.delivery_deadline_seconds): %s",
					                   st->deadline, res.detail);
					break;
				}
				ts.tv_sec = (time_t)d;
				ts.tv_nsec = (long)((d - floor(d)) * 1e9);
				nanosleep(&ts, NULL);
			}
		}
	}
	out->seconds = kpi__mono_now() - start;
	if (!rc) {
		char to[1024];
		s->type->where(to, sizeof(to), s->state);
		kpi_log_fields(KPI_LOG_INFO, "alert.test.delivered",
		               json_pack("{s:s, s:s, s:i, s:f}", "sink", s->name, "to", to, "attempts", out->attempts,
		                         "seconds", out->seconds),
		               NULL);
	}
done:
	json_decref(n);
	kpi__alert_settings_free(st);
	return rc;
}
