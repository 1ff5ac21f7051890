/**
 * @file kpi/alert.h
 * @brief Incident alerts for cron (`kpi alert`): evaluation as of now, an
 *        alert ledger with a delivery outbox, and the sinks (PagerDuty
 *        Events v2, Slack, a generic JSON webhook, Amazon SNS, a command,
 *        Prometheus Alertmanager).
 *
 * One run: evaluate every KPI whose catalogue entry has an `"alert"` object
 * (state KPIs as of now, flow KPIs over their trailing window), step each
 * (KPI, label set) through ok / warn / pending / firing, put every
 * notification a transition causes into the outbox (persisted, fsync'ed)
 * before sending it, deliver the outbox with retries bounded by a deadline,
 * and keep what could not be delivered for the next run (the backoff of docs/requirements.md,
 * at most `max_attempts`, then a terminal failure that is reported). The
 * ledger lives in a state directory, guarded by flock(2), checksummed and
 * versioned. See docs/runbook.md and docs/configuration.md.
 */
#ifndef KPI_ALERT_H
#define KPI_ALERT_H

#include "common.h"
#include "catalog.h"
#include "config.h"
#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How urgent a notification is. */
typedef enum kpi_alert_severity {
	KPI_ALERT_SEV_INFO = 0,   /**< test notifications */
	KPI_ALERT_SEV_WARNING,    /**< a warning-level KPI breach */
	KPI_ALERT_SEV_ERROR,      /**< notices: ledger corrupted, terminal delivery failure */
	KPI_ALERT_SEV_CRITICAL    /**< a critical KPI breach, a blind monitor */
} kpi_alert_severity;

/** "info", "warning", "error", "critical". */
KPI_EXTERN const char *kpi_alert_severity_name(kpi_alert_severity s);

/** State of one (KPI, label set) in the ledger. */
typedef enum kpi_alert_state {
	KPI_ALERT_OK = 0,   /**< healthy (or never seen) */
	KPI_ALERT_WARN,     /**< within the threshold's warning margin: no notification */
	KPI_ALERT_PENDING,  /**< in breach, waiting out the rule's `for` runs */
	KPI_ALERT_FIRING,   /**< in breach, triggered */
	KPI_ALERT_SILENCED  /**< in breach, kept from every sink by a silence or a mute window
	                         (a state of a change; the ledger keeps its record firing or
	                         pending, with `silenced_by`) */
} kpi_alert_state;

/** "ok", "warn", "pending", "firing", "silenced". */
KPI_EXTERN const char *kpi_alert_state_name(kpi_alert_state s);

/** Options of one run. */
typedef struct kpi_alert_opts {
	const char *state_dir; /**< NULL: $KPI_STATE_DIR, the config's alert.state_dir,
	                            $XDG_STATE_HOME/kpi, ~/.local/state/kpi */
	int64_t now;           /**< the evaluation instant (UTC seconds) */
	bool dry_run;          /**< evaluate and report, write nothing, send nothing */
	bool replay;           /**< requeue terminally failed deliveries first */
	bool require_delivery; /**< a run that cannot page anyone is UNKNOWN (exit 3): no sink
	                            configured, or a firing alert whose trigger has reached no
	                            sink for alert.undelivered_after (`--require-delivery`) */
} kpi_alert_opts;

#define KPI_ALERT_OPTS_INIT { NULL, 0, false, false, false }

/** One state change of a (KPI, label set): one line of output. */
typedef struct kpi_alert_change {
	char *kpi;                 /**< KPI id, or "kpi_source" for the blind monitor */
	char *labels;              /**< "a=x,b=y" or "" */
	kpi_alert_state from;
	kpi_alert_state to;
	kpi_alert_severity severity;
	bool has_value;
	double value;
	char *unit;
	kpi_threshold threshold;
	char *note;                /**< "resolved", "pending 1 of 3", ...; "" when none */
} kpi_alert_change;

/** A KPI with a cadence (its catalogue `alert.cadence`) that this run did
 *  not read: its ledger holds the values of an earlier run. */
typedef struct kpi_alert_held {
	char *kpi;                 /**< KPI id */
	size_t rows;               /**< (KPI, label set) records held */
	int64_t read_at;           /**< when the oldest of them was read (UTC seconds) */
	int64_t age;               /**< seconds since then, as of the run's now */
	int64_t cadence;           /**< re-read after this long */
	int64_t grace;             /**< stale (missing data) after cadence + grace */
	bool due;                  /**< due this run, but not read (its source failed or is not configured) */
	bool stale;                /**< older than cadence + grace: missing data, never shown as current */
} kpi_alert_held;

/** What a run did; the tool prints it and exits with `exit_code`. */
/** A gating KPI the run could not measure and no waiver covers this week:
 *  by the verdict rule (kpi_collect_verdicts()) it holds the go/no-go
 *  verdict. Shown in the output and kept in the ledger; not a notification
 *  (docs/runbook.md, "Gating KPIs not measured"). */
typedef struct kpi_alert_unmeasured {
	char *kpi;                 /**< its id */
	char *why;                 /**< "CloudWatch not configured" */
	char *expired;             /**< NULL, or the waiver that expired: "approved by Ops lead until 2026-W44" */
} kpi_alert_unmeasured;

typedef struct kpi_alert_report {
	int exit_code;             /**< Nagios: 0 ok, 1 warning, 2 critical, 3 unknown */
	kpi_alert_change *changes;
	size_t nchanges;
	char **problems;           /**< why the run is UNKNOWN (secret-free lines) */
	size_t nproblems;
	char **dry_run;            /**< with dry_run: what would be sent */
	size_t ndry_run;
	size_t rows;               /**< (KPI, label set) rows evaluated */
	size_t firing;             /**< records firing after the run */
	size_t firing_critical;
	size_t pending;            /**< records pending after the run */
	size_t warn;
	size_t delivered;          /**< deliveries that succeeded in this run */
	size_t queued;             /**< outbox entries still waiting after the run */
	size_t failed;             /**< deliveries that failed terminally in this run */
	char *state_dir;           /**< the state directory used */
	size_t silenced;           /**< records in breach kept from every sink (not in firing or pending) */
	kpi_alert_held *held;      /**< KPIs with a cadence not read in this run */
	size_t nheld;
	/* The verdict rule's unmeasured gating KPIs (alert/alert_unmeasured.c): */
	kpi_alert_unmeasured *unmeasured; /**< gating KPIs not measured and not waived, catalogue order */
	size_t nunmeasured;
	/** The gating rows (missing-data policy `block`) read, or held by their
	 *  cadence, without data in the window the run evaluates, not waived:
	 *  `kpi` is the row, "api_error_rate_pct{load_balancer=app/x/1}", `why`
	 *  "no datapoints in the last 7m" (`expired` NULL). No exit code. */
	kpi_alert_unmeasured *no_data;
	size_t nno_data;
	/** The records not ok after the run (not silenced), as lines (`from` =
	 *  `to`, `note` their state: "firing", "pending 1 of 3", "warn"):
	 *  critical firing first, then the other firing, pending, warn. The
	 *  summary line names the first three. */
	kpi_alert_change *active;
	size_t nactive;
} kpi_alert_report;

/**
 * Run one evaluation and delivery cycle.
 *
 * Problems the run reports itself (a source that cannot be read, a corrupted
 * ledger that was moved aside and rebuilt, a terminal delivery failure;
 * with `require_delivery`, no sink configured or a firing alert not
 * delivered to any sink for alert.undelivered_after) return 0 with `exit_code` 3 and a line in `problems`. Problems that stop
 * the run before it can do anything return an error.
 * @param[out] out the report; free with kpi_alert_report_free().
 * @return 0; KPI_ECONFIG (invalid alert settings, catalogue alert object,
 *         template, a sink's secret variable not set); KPI_EIO (state
 *         directory not usable, ledger cannot be written); KPI_ETIMEOUT
 *         (another run holds the lock longer than alert.lock_wait_seconds);
 *         KPI_EDATA (a ledger of a newer format version); KPI_ENOMEM.
 */
KPI_EXTERN int kpi_alert_run(kpi_alert_report **out, const kpi_catalog *cat, const kpi_config *cfg,
                             const kpi_alert_opts *opts, kpi_error *err);

/**
 * Render a report as the command prints it: one Nagios plugin line per
 * state change (`KPI CRITICAL - uncached_legacy_max_age_days 9.5 d > 7 d |
 * uncached_legacy_max_age_days=9.5;8;7`), one `KPI UNKNOWN - ...` line per
 * problem (first), a summary line when nothing changed (naming the first
 * three of `active` as change lines name theirs, "and N more" beyond), and
 * with a dry run
 * the notifications that would be sent.
 */
KPI_EXTERN int kpi_alert_format(kpi_buf *out, const kpi_alert_report *r, kpi_error *err);

/** Free a report. Accepts NULL. */
KPI_EXTERN void kpi_alert_report_free(kpi_alert_report *r);

/** Outcome of a test notification. */
typedef struct kpi_alert_test_result {
	long status;        /**< HTTP status, or the command's exit status; 0 if none */
	double seconds;     /**< how long the delivery took */
	int attempts;
} kpi_alert_test_result;

/**
 * Send a clearly marked test notification to one configured sink (retries
 * within alert.delivery_deadline_seconds; nothing goes into the ledger).
 * PagerDuty and Alertmanager get a trigger and, once delivered, its
 * resolve, so no incident stays open.
 * @return 0 when delivered; KPI_ENOTFOUND for an unknown sink name;
 *         KPI_ECONFIG as kpi_alert_run(); KPI_ESOURCE when the sink did not
 *         accept it (the message says why, without secrets).
 */
KPI_EXTERN int kpi_alert_test(kpi_alert_test_result *out, const kpi_catalog *cat, const kpi_config *cfg,
                              const char *sink, int64_t now, kpi_error *err);

/* ---- silences (`kpi silence`) ---- */

/** What `kpi silence add` asks for. */
typedef struct kpi_silence_spec {
	const char *kpi;              /**< the KPI id (or "kpi_source", the blind monitor) */
	const char *const *labels;    /**< "name=value" matchers: each must equal the alert's label */
	size_t nlabels;
	const char *until;            /**< an ISO-8601 instant with its offset, or a duration from now ("2h") */
	const char *by;               /**< who silences it */
	const char *comment;          /**< why (the maintenance, a ticket) */
} kpi_silence_spec;

/**
 * Add a silence to the state directory (`state_dir`, else as kpi_alert_run()
 * finds it): from `now` until `spec->until`, it keeps every alert of the KPI
 * whose labels include the given ones from every sink; `kpi alert` still
 * evaluates and records it (docs/runbook.md, "Silencing for a maintenance").
 * Written atomically under the state directory's `lock.silences`.
 * @param[out] id the new silence's id ("s-" and 12 hex digits); caller frees.
 * @return 0; KPI_EUSAGE (unknown KPI or label, a malformed --until, one in
 *         the past, no --by or --comment); KPI_EIO; KPI_ETIMEOUT (the lock);
 *         KPI_EDATA (a silences file that does not parse); KPI_ENOMEM.
 */
KPI_EXTERN int kpi_silence_add(char **id, const kpi_catalog *cat, const kpi_config *cfg, const char *state_dir,
                               const kpi_silence_spec *spec, int64_t now, kpi_error *err);

/**
 * The silences of the state directory as a table (ID, STATE active, pending
 * or expired at `now`, what it matches, its start and end, who, why) or, with
 * `json`, a JSON array, into `out`. Silences that ended more than 7 days ago
 * are dropped by the next add or expire.
 * @return 0; KPI_EDATA; KPI_EIO; KPI_ENOMEM.
 */
KPI_EXTERN int kpi_silence_list(kpi_buf *out, const kpi_config *cfg, const char *state_dir, bool json, int64_t now,
                                kpi_error *err);

/**
 * End silence `id` at `now`: the next `kpi alert` sends what it kept back
 * while the breach goes on.
 * @return 0; KPI_ENOTFOUND (no such silence); KPI_EUSAGE (it has ended);
 *         KPI_EIO; KPI_ETIMEOUT; KPI_EDATA; KPI_ENOMEM.
 */
KPI_EXTERN int kpi_silence_expire(const kpi_config *cfg, const char *state_dir, const char *id, int64_t now,
                                  kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
