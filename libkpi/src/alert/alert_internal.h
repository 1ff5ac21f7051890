/* Private pieces of the alert module (libkpi/src/alert/alert_*.c), shared with
 * the unit tests. Not installed.
 *
 *   alert_config.c    settings of the config's "alert" object, sinks and
 *                     their secrets, the catalogue's per-KPI "alert" rules
 *   alert_template.c  the message templates ({{name}}, {{?name}}...{{/name}})
 *   alert_ledger.c    ledger + outbox: records, (de)serialisation with a
 *                     checksum, the file (load with the corrupt-ledger
 *                     move-aside, atomic save, stale temp files), the lock
 *   alert_state.c     observations, transitions, dedupe keys, backoff
 *   alert_silence.c   silences: the state directory's silences.json, kpi silence
 *   alert_mute.c      the config's weekly mute windows
 *   sinks/            the sinks, one operations table per file (sinks/sink.h,
 *                     registered in sinks/registry.h): one delivery attempt each
 *   alert_run.c       one run: evaluate, transition, enqueue, deliver, report
 */
#ifndef KPI_ALERT_INTERNAL_H
#define KPI_ALERT_INTERNAL_H

#include "core/internal.h"
#include "core/redact.h"
#include "net/aws.h"
#include "sources/source.h"
#include "kpi/alarm.h"
#include "kpi/alert.h"

/* ---- durations ---- */

/* "4h", "1h 30m", "45s", "0s". Returns buf. */
char *kpi__duration_format(char *buf, size_t size, int64_t seconds);

/* ---- rules (the catalogue's "alert" objects) ---- */

typedef struct kpi__alert_rule {
	const kpi_def *def;
	kpi_threshold threshold;      /* the KPI's (after the config's overrides), or its alarm rule's */
	bool has_alarm;               /* alerts through its alarm rule: */
	kpi_alarm_rule alarm;         /* M of the last N datapoints */
	kpi_alert_severity severity;  /* of a breach: warning or critical */
	int64_t trailing;             /* flow KPIs without an alarm rule: the window [now - trailing, now) */
	bool trailing_set;
	int for_runs;                 /* breaching runs kept pending before firing */
	int64_t repeat;               /* re-send a firing alert after this long; 0 never */
	double recovery_margin;       /* a firing alert resolves only this far inside the threshold */
	double min_denominator;       /* ratios over fewer cases are not judged */
	char *runbook;                /* a link, or an anchor of docs/runbook.md */
	int64_t cadence;              /* re-read after this long (alert/alert_cadence.c); 0 every run */
	int64_t grace;                /* a value older than cadence + grace is missing data */
} kpi__alert_rule;

/* ---- sinks ---- */

/* A sink's type: its operations table (alert/sinks/sink.h), one per file
 * of alert/sinks/, registered in alert/sinks/registry.h. */
typedef struct kpi__sink_type kpi__sink_type;

typedef struct kpi__sink {
	char *name;
	const kpi__sink_type *type;
	void *state;          /* the type's own (its settings, secrets from the environment) */
	long timeout_ms;      /* per attempt */
	kpi_alert_severity min_severity;
} kpi__sink;

/* ---- templates ---- */

enum { KPI__TPL_TRIGGER = 0, KPI__TPL_RESOLVE, KPI__TPL_NOTICE, KPI__TPL_TEST, KPI__TPL_N };

/* Check a template's syntax and placeholder names; `name` for messages
 * ("templates/alert/trigger.txt"). KPI_ECONFIG with name:line. */
int kpi__template_check(const char *text, const char *name, kpi_error *err);
/* Render: {{name}} is replaced by the string `vars[name]` ("" when absent),
 * {{?name}}...{{/name}} keeps its inside only when vars[name] is a
 * non-empty string, {{{{ is a literal "{{". The text must have passed
 * kpi__template_check. */
int kpi__template_render(kpi_buf *out, const char *text, const json_t *vars, kpi_error *err);

/* ---- settings (the config's "alert" object) ---- */

/* The default of alert.run_deadline_seconds: below a 5-minute cron
 * interval, so a run has ended before the next begins. */
#define KPI__ALERT_RUN_DEADLINE_S 240.0
/* What a run keeps of its deadline to save the ledger and report. */
#define KPI__ALERT_RESERVE_S 2.0
/* The default of alert.undelivered_after: with --require-delivery, a
 * firing alert whose trigger has reached no sink this long after it was
 * queued makes the run UNKNOWN. Two runs at the packaged timer's 5-minute
 * cadence (docs/configuration.md). */
#define KPI__ALERT_UNDELIVERED_AFTER_S (10 * 60)

typedef struct kpi__alert_settings {
	char *state_dir;          /* from the config; NULL when not set */
	int source_failures;      /* failed runs before the blind-monitor alert */
	double deadline;          /* seconds of in-run delivery retries */
	double lock_wait;         /* seconds to wait for another run's lock */
	double run_deadline;      /* seconds the whole run may take (alert.run_deadline_seconds) */
	double retry_base, retry_max;
	int max_attempts;
	char *runbook_base;       /* "docs/runbook.md" or a URL of it */
	char *dedupe_prefix;
	char *source;             /* who sends: the host name */
	int64_t repeat_default;   /* alert.repeat_interval: rules without their own, the blind monitor */
	int64_t undelivered_after; /* alert.undelivered_after (seconds): see KPI__ALERT_UNDELIVERED_AFTER_S */
	kpi__sink *sinks;
	size_t nsinks;
	kpi__alert_rule *rules;
	size_t nrules;
	struct kpi__mute_window *mutes;  /* alert.mute_windows (alert_mute.c) */
	size_t nmutes;
	char *tpl[KPI__TPL_N];
	char *tpl_name[KPI__TPL_N];
	const kpi_config *cfg;    /* the configuration loaded from (its environment: secrets) */
	/* what every message is redacted of: the configuration's set
	 * (kpi__config_redact(), core/redact.h), held */
	kpi__redact *redact;
} kpi__alert_settings;

/* Parse the config's "alert" object and the catalogue's rules, read the
 * sinks' secrets from the environment and load the templates. */
int kpi__alert_settings_load(kpi__alert_settings **out, const kpi_config *cfg, const kpi_catalog *cat,
                             kpi_error *err);
void kpi__alert_settings_free(kpi__alert_settings *s);
const kpi__sink *kpi__alert_sink_find(const kpi__alert_settings *s, const char *name);
/* Parse one rule object onto `r` (defaults already in place). `where`
 * names it in messages ("catalogue X: KPI y"). */
int kpi__alert_rule_parse(kpi__alert_rule *r, const json_t *o, const char *where, kpi_error *err);

/* Redact `s` in place (a buffer of `size`) of every secret of the run. */
void kpi__alert_redact(const kpi__alert_settings *st, char *s, size_t size);
/* One line of a receiver's answer `body` for messages (alert/sinks/sink.c):
 * redacted (before it is cut: an echo of the secret URL's path is redacted
 * whole), control characters as spaces (a newline in it cannot start a line
 * of kpi's output), at most 200 bytes. */
void kpi__sink_answer_snippet(char *out, size_t size, kpi_buf *body, const kpi__alert_settings *st);
/* Add a secret (and its meaningful parts) to what every output of the run
 * is redacted of (core/redact.h). KPI_ENOMEM. */
int kpi__alert_secret_add(kpi__alert_settings *st, const char *secret);
/* obj[key], when present, as a non-empty string into *out (replacing it);
 * KPI_ECONFIG at its position otherwise. */
int kpi__alert_get_str(const kpi__jsondoc *doc, const json_t *obj, const char *key, char **out, kpi_error *err);
/* A severity by name ("info", "warning", "error", "critical"); -1 unknown. */
int kpi__alert_severity_parse(kpi_alert_severity *out, const char *s);

/* ---- the ledger ---- */

#define KPI__LEDGER_FORMAT "kpi-alert-ledger"
#define KPI__LEDGER_VERSION 1
#define KPI__SOURCE_RECORD "kpi_source"

typedef struct kpi__alert_rec {
	char *id;                /* "kpi" or "kpi{a=x,b=y}"; "kpi_source" for the blind monitor */
	char *kpi;
	json_t *labels;          /* object of strings */
	kpi_alert_state state;
	kpi_alert_severity severity;
	int64_t since;           /* in this state since */
	int64_t episode;         /* first breaching observation of the episode; 0 none */
	char *dedupe_key;        /* of the current (or last) episode; NULL never */
	int pending;             /* consecutive breaching observations */
	int64_t last_notified;   /* 0 never */
	bool has_value;
	double value;
	kpi_status last_status;
	int64_t last_seen;
	char *note;              /* blind monitor: the last error */
	char *silenced_by;       /* "silence s-..." or "mute window 'x'" keeping it from every sink; NULL */
	json_t *held;            /* sinks the episode's trigger was kept from (silence, mute window): NULL none */
	json_t *sent;            /* sinks the firing episode's trigger was queued to (its resolve goes to
	                            them); NULL: not recorded (no episode, or a ledger before "sent_to") */
	bool seen;               /* not stored: observed in this run */
} kpi__alert_rec;

typedef enum kpi__entry_status {
	KPI__ENTRY_PENDING = 0,
	KPI__ENTRY_DELIVERED,
	KPI__ENTRY_FAILED
} kpi__entry_status;

typedef struct kpi__outbox_entry {
	char *id;                /* notification id + ":" + sink: stable across retries */
	char *sink;
	char *dedupe_key;
	char *action;            /* trigger, resolve, notice */
	kpi__entry_status status;
	int attempts;
	int64_t created;
	int64_t next_attempt;
	int64_t last_attempt;    /* 0 never */
	int64_t done;            /* delivered or failed at; 0 */
	char *last_error;
	json_t *history;         /* array of {"at", "outcome"} */
	json_t *notification;    /* what is sent (no secrets) */
} kpi__outbox_entry;

typedef struct kpi__ledger {
	int64_t updated;
	char *run_id;
	int64_t seq;             /* incremented by every save */
	kpi__alert_rec *recs;
	size_t nrecs;
	kpi__outbox_entry *outbox;
	size_t nout;
	json_t *not_measured;    /* "not_measured": [{kpi, why, since, expired}], the gating KPIs the
	                            last run could not measure (alert_unmeasured.c); NULL: none */
	json_t *no_data;         /* "no_data": [{id, kpi, labels, why, since}], the gating rows (policy
	                            block) the last run found without data (alert_unmeasured.c); NULL: none */
	/* not stored: what its strings are redacted of when it is saved (the
	 * run's set; NULL: nothing) */
	const kpi__redact *redact;
} kpi__ledger;

kpi__ledger *kpi__ledger_new(void);
void kpi__ledger_free(kpi__ledger *l);
/* Parse a ledger file's text. KPI_EDATA naming what is wrong (JSON syntax
 * with line:col, format, version, checksum, a malformed record);
 * KPI_ENOTFOUND-free. A newer format version is KPI_EUSAGE (not corrupt:
 * written by a newer kpi). */
int kpi__ledger_parse(kpi__ledger **out, const char *text, size_t len, kpi_error *err);
/* Serialise (pretty JSON with the body's SHA-256), every string redacted
 * of l->redact first. */
int kpi__ledger_serialize(kpi_buf *out, const kpi__ledger *l, kpi_error *err);
/* Save atomically (temp file, fsync, rename, directory fsync). */
int kpi__ledger_save(const char *path, kpi__ledger *l, int64_t now, kpi_error *err);

/* Whose ledger file it is, for the log lines about it: kpi alert's ledger
 * (events alert.ledger.new, alert.ledger.cleanup) or kpi deliver's outbox,
 * a file of the same format (deliver.outbox.new, deliver.outbox.cleanup). */
typedef enum kpi__ledger_kind { KPI__LEDGER_ALERT, KPI__LEDGER_DELIVER_OUTBOX } kpi__ledger_kind;

/* What kpi__ledger_load() found wrong with a ledger file it replaced. */
typedef struct kpi__ledger_damage {
	char reason[KPI_ERROR_MSG_MAX];  /* why it does not parse; "" when it was fine */
	char moved_to[4096];             /* where it went; "" when not moved */
} kpi__ledger_damage;

/* Load the ledger file at `path` into *out (caller frees): a new, empty
 * ledger when there is none yet. One that is corrupted (does not parse,
 * fails its checksum, a malformed record) is never silently reset: *out is
 * a new ledger and `damage` says why; with `move_aside` the file is first
 * renamed PATH.corrupt-YYYYMMDDTHHMMSSZ (a dry run leaves it). A newer
 * format version is KPI_EDATA and leaves the file alone; KPI_EIO when it
 * cannot be read or moved aside. */
int kpi__ledger_load(kpi__ledger **out, const char *path, kpi__ledger_kind kind, bool move_aside,
                     kpi__ledger_damage *damage, kpi_error *err);
/* Remove the temp files killed runs left in the state directory of the
 * ledger at `path` (NAME.tmp.PID of a PID that is gone: kpi__temps_clean).
 * Only with the state directory's lock held. */
void kpi__ledger_clean_temp(const char *path, kpi__ledger_kind kind);

kpi__alert_rec *kpi__ledger_find(kpi__ledger *l, const char *id);
/* Append a fresh ok record (the pointer is valid until the next add). */
kpi__alert_rec *kpi__ledger_add(kpi__ledger *l, const char *id, const char *kpi, const json_t *labels);
void kpi__ledger_remove(kpi__ledger *l, size_t i);
kpi__outbox_entry *kpi__ledger_enqueue(kpi__ledger *l);
/* Remove outbox entry i (what a newer one superseded). */
void kpi__ledger_drop_entry(kpi__ledger *l, size_t i);
/* Drop delivered entries older than `keep_seconds` and keep the outbox at
 * most `max_entries` long (oldest delivered first, then oldest failed). */
void kpi__ledger_prune(kpi__ledger *l, int64_t now, int64_t keep_seconds, size_t max_entries);

/* Who holds a lock of the state directory: what its file says. */
typedef struct kpi__lock_holder {
	long pid;              /* 0 unknown */
	int64_t started;       /* when its run began, wall clock (UTC seconds); 0 unknown */
	double deadline;       /* its run's deadline in seconds; 0 unknown */
} kpi__lock_holder;

/* Take lock file `name` of the state directory `dir` (flock, exclusive),
 * waiting up to `wait_s` seconds, and write `me` into it (when not NULL:
 * "pid=1234 started=2026-11-16T08:00:00Z deadline_seconds=240"). KPI_ETIMEOUT
 * when another run keeps it; then `holder` (when not NULL) gets what its
 * file says. */
int kpi__alert_lock(int *fd, const char *dir, const char *name, double wait_s, const kpi__lock_holder *me,
                    kpi__lock_holder *holder, kpi_error *err);
/* Parse a lock file's text into `out` (fields it does not give stay 0). */
void kpi__lock_holder_parse(kpi__lock_holder *out, const char *text);
/* Create the state directory (and missing parents) with mode 0700 and
 * check it can be written. */
int kpi__state_dir_prepare(const char *dir, kpi_error *err);
/* The state directory: `opt`, else $KPI_STATE_DIR, else the config's, else
 * $XDG_STATE_HOME/kpi, else $HOME/.local/state/kpi. Caller frees. */
char *kpi__state_dir_resolve(const kpi_config *cfg, const char *opt, const char *configured);

/* ---- transitions ---- */

typedef enum kpi__obs {
	KPI__OBS_OK = 0,   /* healthy (and recovered, when firing) */
	KPI__OBS_WARN,     /* healthy, within the warning margin */
	KPI__OBS_BREACH,
	KPI__OBS_HOLD      /* says nothing: no data, too few cases, inside the recovery margin */
} kpi__obs;

typedef enum kpi__act {
	KPI__ACT_NONE = 0,
	KPI__ACT_TRIGGER,
	KPI__ACT_REPEAT,
	KPI__ACT_RESOLVE,
	KPI__ACT_REFRESH   /* never from kpi__alert_step: a firing alert told again on
	                      every run to the sinks whose type refreshes every run */
} kpi__act;

/* What a row says about its (KPI, label set). `firing`: the record fires,
 * so a healthy value must also clear the recovery margin. */
kpi__obs kpi__alert_observe(const kpi__alert_rule *rule, const kpi_threshold *th, const kpi_row *row,
                            bool firing);
/* True when `value` meets the threshold moved `margin` into its healthy side. */
bool kpi__alert_recovered(const kpi_threshold *th, double value, double margin);
/* Step a record with one observation at `now`. Sets *changed when the state
 * changed (a line of output), returns the notification to send. A new
 * episode gets its dedupe key from kpi__dedupe_key(prefix, ...). */
kpi__act kpi__alert_step(kpi__alert_rec *rec, kpi__obs obs, int for_runs, int64_t repeat, int64_t now,
                         const char *prefix, bool *changed);
/* "PREFIX:ID:EPISODE" (episode as 20261116T080000Z), at most 255 bytes: a
 * longer one keeps its start and ends with a SHA-256 of the whole. */
void kpi__dedupe_key(char out[256], const char *prefix, const char *rec_id, int64_t episode);
/* When to try again after `attempts` failed attempts (the backoff of docs/requirements.md). */
int64_t kpi__retry_at(int64_t now, int attempts, double base, double max, double jitter);

/* A value as messages show it: a few decimals, with its unit ("9.5 d",
 * "97.25%", "3"): core/number.h's TERSE value. */
void kpi__alert_display_value(char *buf, size_t size, double v, const char *unit);

/* ---- cadence (alert/alert_cadence.c; its settings are parsed in alert_config.c) ---- */

/* The default of a rule's cadence_grace. */
#define KPI__ALERT_GRACE_S (15 * 60)

/* Parse the rule keys "cadence" and "cadence_grace" of `o` onto `r`.
 * KPI_ECONFIG naming `where`. */
int kpi__alert_cadence_parse(kpi__alert_rule *r, const json_t *o, const char *where, kpi_error *err);
/* The config's alert.use_cadence (default true): false reads every KPI on
 * every run (the rules' cadences set to 0). KPI_ECONFIG at its position. */
int kpi__alert_cadence_setting(kpi__alert_settings *st, const kpi__jsondoc *doc, const json_t *alert,
                               kpi_error *err);
/* True when the rule's KPI need not be read at `now`: it has a cadence,
 * and every record of it in the ledger was read less than a cadence ago. */
bool kpi__alert_cadence_held(const kpi__ledger *l, const kpi__alert_rule *rule, int64_t now);
/* After the rows of a run were stepped: every rule with a cadence whose
 * records were not read in this run goes into rep->held with its age; one
 * older than cadence + grace is stale, and its records' status becomes
 * no_data (missing data). `held[i]` says rule i was not due. KPI_ENOMEM. */
int kpi__alert_cadence_report(kpi_alert_report *rep, const kpi__alert_settings *st, kpi__ledger *l, int64_t now,
                              const bool *held, kpi_error *err);
/* The Nagios line of a held KPI (without the newline):
 * "KPI HELD - legacy_coverage_pct: 1 row read 20m ago (cadence 1h, grace 15m)
 * | legacy_coverage_pct_age=1200s;3600;4500;0". */
int kpi__alert_held_line(kpi_buf *out, const kpi_alert_held *h);
/* Add to a log line's fields `o` what the run read and held: "read" and
 * "held" (KPI ids), "query_seconds" ({KPI id: seconds} as the sources
 * measured them). `res` and `held` may be NULL. Returns o. */
json_t *kpi__alert_costs(json_t *o, const kpi_result *res, const bool *held, const kpi__alert_settings *st);
/* Free rep->held. */
void kpi__alert_held_free(kpi_alert_report *rep);

/* The gating KPIs of the catalogue the run cannot measure as of `now`, by
 * the verdict rule (kpi_collect_verdicts() over the current week, the
 * config's waivers respected): into rep->unmeasured; an expired waiver that
 * would have covered one is named and logged as a warning
 * ("alert.waiver.expired"). Recorded in the ledger's "not_measured" (`l`,
 * may be NULL for a dry run). KPI_ECONFIG (a waiver), KPI_ENOMEM. */
int kpi__alert_unmeasured(kpi_alert_report *rep, kpi__ledger *l, const kpi_catalog *cat, const kpi_config *cfg,
                          int64_t now, kpi_error *err);
/* The Nagios line of the unmeasured gating KPIs (without the newline):
 * "KPI NOT MEASURED - 2 gating KPIs, the go/no-go verdict holds on them:
 * api_error_rate_pct (CloudWatch not configured), ... | not_measured=2;;;0". */
int kpi__alert_unmeasured_line(kpi_buf *out, const kpi_alert_report *rep);
/* The gating rows whose missing-data policy is `block` and whose records
 * have no data after this run's steps: read by it, or held by their
 * cadence (`held[i]`: rule i, may be NULL); a row a waiver of the current
 * week covers is logged, not named. Into rep->no_data ("kpi{labels}" and
 * why), logged as warnings ("alert.no_data"), recorded in the ledger's
 * "no_data" (with since when). Also the gating `block` KPIs this run read
 * whose source answered no row at all (`unanswered[i]`: rule i, may be
 * NULL), named by their id ("api_error_rate_pct (no series answered)").
 * KPI_ECONFIG (a waiver), KPI_ENOMEM. */
int kpi__alert_no_data(kpi_alert_report *rep, kpi__ledger *l, const kpi__alert_settings *st, const kpi_catalog *cat,
                       const bool *held, const bool *unanswered, int64_t now, kpi_error *err);
/* Its Nagios line (without the newline): "KPI NO DATA - 1 gating row
 * without data, not judged: api_error_rate_pct{load_balancer=app/x/1} (no
 * datapoints in the last 7m) | no_data=1;;;0". */
int kpi__alert_no_data_line(kpi_buf *out, const kpi_alert_report *rep);
/* Free rep->unmeasured and rep->no_data. */
void kpi__alert_unmeasured_free(kpi_alert_report *rep);

/* Nagios plugin text of one change, without the newline. */
int kpi__nagios_line(kpi_buf *out, const kpi_alert_change *c);
/* A line's subject as the Nagios line and the summary line name it:
 * "kpi[labels] VALUE REL THRESHOLD (note)". KPI_ENOMEM. */
int kpi__alert_row_text(kpi_buf *out, const kpi_alert_change *c);

/* ---- delivery ---- */

typedef enum kpi__deliv {
	KPI__DELIV_OK = 0,
	KPI__DELIV_RETRY,     /* 429, 5xx, timeout, unreachable, command failed */
	KPI__DELIV_TERMINAL   /* any other 4xx, a command that cannot run */
} kpi__deliv;

typedef struct kpi__send_result {
	kpi__deliv outcome;
	long status;          /* HTTP status or exit status; 0 */
	double retry_after;   /* seconds the receiver asked for (Retry-After), 0 */
	double seconds;
	char detail[512];     /* secret-free */
} kpi__send_result;

/* Deliver one notification to one sink within `timeout_ms`. `idem` is the
 * Idempotency-Key (the outbox entry's notification id). */
void kpi__sink_send(kpi__send_result *res, const kpi__sink *sink, const json_t *notification,
                    const char *idem, long timeout_ms, const kpi__alert_settings *st);

/* The notification as JSON, compact, keys in order: what the sinks that
 * pass it on as it is send (alert/sinks/). Caller frees. */
char *kpi__notification_dump(const json_t *n);

/* ---- silences (alert_silence.c) and mute windows (alert_mute.c) ---- */

/* Every label of `want` is in `have` with the same value (Alertmanager's
 * equality matchers). */
bool kpi__labels_match(const json_t *want, const json_t *have);

typedef struct kpi__silence {
	char *id;                /* "s-" + 12 hex digits */
	char *kpi;               /* equal to the alert's KPI id */
	json_t *labels;          /* object of strings: each equal to the alert's label */
	int64_t starts, ends;    /* in force on [starts, ends) */
	int64_t created;
	char *by, *comment;
	int64_t expired;         /* when kpi silence expire ended it; 0 */
} kpi__silence;

typedef struct kpi__silences {
	kpi__silence *v;
	size_t n;
} kpi__silences;

/* Read the silences file at `path` (none there: no silences). KPI_EDATA
 * naming the file and what is wrong; KPI_EIO. Caller frees. */
int kpi__silences_load(kpi__silences **out, const char *path, kpi_error *err);
/* Write it atomically (temp file, fsync, rename). */
int kpi__silences_save(const char *path, const kpi__silences *s, kpi_error *err);
void kpi__silences_free(kpi__silences *s);
bool kpi__silence_active(const kpi__silence *x, int64_t now);
/* The first silence in force at `now` that matches (KPI id equal, each of
 * its labels equal in `labels`), or NULL. */
const kpi__silence *kpi__silence_match(const kpi__silences *s, const char *kpi, const json_t *labels, int64_t now);
/* --until: an ISO-8601 instant with its offset, or a duration from now. */
int kpi__silence_until_parse(int64_t *out, const char *text, int64_t now, kpi_error *err);

typedef struct kpi__mute_window {
	char *name;
	unsigned days;           /* bit 0 Monday .. bit 6 Sunday: the days it starts on */
	int start, end;          /* local minutes of the day; end <= start: the next day */
	json_t *kpis;            /* array of KPI ids; NULL: every KPI */
	json_t *labels;          /* object: each equal; NULL: any */
	json_t *sinks;           /* array of sink names; NULL: every sink */
} kpi__mute_window;

/* Parse alert.mute_windows (`v`, may be NULL) into st->mutes (the sinks
 * already parsed). KPI_ECONFIG at the value's position. */
int kpi__mute_windows_parse(kpi__alert_settings *st, const kpi_catalog *cat, const kpi__jsondoc *doc,
                            const json_t *v, kpi_error *err);
void kpi__mute_windows_release(kpi__mute_window *w, size_t n);
/* Whether instant t is inside the window, in zone `tz`'s wall-clock time. */
bool kpi__mute_window_active(const kpi__mute_window *w, const kpi__tz *tz, int64_t t);
/* Whether the window applies to the KPI, its labels and `sink` (NULL: any sink). */
bool kpi__mute_window_covers(const kpi__mute_window *w, const char *kpi, const json_t *labels, const char *sink);

#endif
