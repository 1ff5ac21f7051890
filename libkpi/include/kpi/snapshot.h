/**
 * @file kpi/snapshot.h
 * @brief Everything a pack is rendered from: the KPI series, the verdicts,
 *        the drill-down lists, the rollout changes and the provenance of one
 *        run. Serialisable to `snapshot.json`, so a pack can be re-rendered
 *        with no database (same snapshot + same version = same bytes).
 *
 * Data flows one way: kpi_snapshot_collect() reads the sources; renderers
 * (PDF, PNG charts, XLSX) read a `const kpi_snapshot *` and nothing else:
 * no database, no clock, no environment.
 */
#ifndef KPI_SNAPSHOT_H
#define KPI_SNAPSHOT_H

#include "common.h"
#include "catalog.h"
#include "config.h"
#include "result.h"
#include "eval.h"
#include "buf.h"
#include "week.h"
#include "provenance.h"
#include "slo.h"
#include "lists.h" /* kpi_uncovered */

#ifdef __cplusplus
extern "C" {
#endif

/** The version of the snapshot.json format this library writes. It reads
 *  this one, format 3 (no "restatements", no "provenance"), format 2 (no
 *  waivers, no "history"; its verdicts weigh the rows alone) and format 1
 *  (which does not record the KPIs left out of a run either); a format-1,
 *  -2 or -3 snapshot is written back as it was read, byte for byte. */
#define KPI_SNAPSHOT_FORMAT 4

/** How many of the oldest uncovered legacy designs a pack lists. */
#define KPI_SNAPSHOT_UNCOVERED_MAX 25

/** How many of the last week's critical routing mismatches a pack lists. */
#define KPI_SNAPSHOT_MISMATCHES_MAX 50

/** How many rollout changes of the window a snapshot keeps (the newest). */
#define KPI_SNAPSHOT_CHANGES_MAX 1000

/** One critical routing mismatch of the last week (docs/kpis.md). */
typedef struct kpi_mismatch {
	int64_t id;
	int64_t decided_at;
	int64_t design_id;
	char *environment;
	char *tenant_id;
	char *style_id;
	char *user_id;
	char *decided_by;
	char *provider_metadata;
	char *route_outcome;
	bool design_migrated;
} kpi_mismatch;

/** One audited rollout flag change in the window (chart markers). */
typedef struct kpi_change {
	int64_t id;
	int64_t changed_at;
	char *layer;
	char *key;
	char *old_value;          /**< NULL when the flag was created */
	char *new_value;          /**< NULL when the flag was removed */
	char *actor;
} kpi_change;

/** A query a snapshot ran besides the KPI queries (the drill-down lists):
 *  its file, relative to the query directory, and the SHA-256 of its text. */
typedef struct kpi_query_ref {
	char *name;               /**< "pack/uncovered_designs.sql" */
	char sha256[65];
} kpi_query_ref;

/** Where the data came from, without secrets. */
typedef struct kpi_source_info {
	char *kind;               /**< "postgres", "cloudwatch" */
	char *where;              /**< "host=/tmp/x port=5432 dbname=kpi user=kpi_ro", "us-east-1 http://127.0.0.1:5000" */
} kpi_source_info;

/** A KPI of the catalogue the run did not collect, and why (format 2): it
 *  has no series and no chart; from format 3, a gating one holds the
 *  verdicts as "not measured" unless a waiver covers it (kpi/eval.h). */
typedef struct kpi_not_collected {
	char *kpi;                /**< its id */
	char *title;
	char *source;             /**< its source's name (kpi/source.h) */
	bool gating;              /**< so the verdicts could not weigh a gating KPI */
	char *reason;             /**< "CloudWatch not configured" */
	char *detail;             /**< what would collect it: "set cloudwatch.queues in the config file or KPI_CW_QUEUES" */
} kpi_not_collected;

/** An action item still open when the pack was made (format 3). */
typedef struct kpi_snap_action {
	char *id;                 /**< "2026-W46.1" (decisions.jsonl, docs/pack.md) */
	char *owner;
	char *text;
	char *due;                /**< "YYYY-MM-DD" */
	bool overdue;             /**< due before the date of the window's as-of instant */
} kpi_snap_action;

/** What the reports directory held when the pack was made (format 3,
 *  "history"; kpi_reports_history() fills it): the decision in force of the
 *  newest earlier week that has one, and the action items still open. */
typedef struct kpi_history {
	bool has_decision;
	kpi_week week;            /**< the week decided */
	kpi_verdict_kind decision;/**< what the meeting decided */
	kpi_verdict_kind verdict; /**< what that week's pack computed (an override when they differ) */
	char *by;
	int64_t at;
	char *note;               /**< NULL when none */
	kpi_snap_action *actions; /**< open action items, in the order they were set */
	size_t nactions;
} kpi_history;

/** How many restated values a snapshot keeps (format 4; the count of all
 *  is kept beside them). */
#define KPI_SNAPSHOT_RESTATED_MAX 2000

/** A value of an earlier week that differs from what an earlier pack
 *  reported for the same KPI, labels and week (format 4, "restatements"). */
typedef struct kpi_restated {
	char *kpi;                /**< KPI id */
	size_t nlabels;
	char **label_names;       /**< [nlabels] the series' label names */
	char **label_values;      /**< [nlabels] the row's values */
	kpi_week week;            /**< the week restated */
	bool old_has;             /**< false: the earlier pack had no value (missing) */
	double old_value;
	bool new_has;             /**< false: this snapshot has no value (missing) */
	double new_value;
	char *pack;               /**< the earlier pack that reported the old value ("2026-W45") */
} kpi_restated;

/** A past week whose verdict differs from what an earlier pack reported. */
/** What the two snapshots of a restated verdict hold differently for its
 *  week (kpi_restated_verdict.differ; none set: not known). */
enum {
	KPI_RESTATED_DATA = 1,       /**< values of the week (late or corrected rows) */
	KPI_RESTATED_WAIVERS = 2,    /**< the waivers in force for the week */
	KPI_RESTATED_COLLECTED = 4,  /**< the gating KPIs the runs did not collect */
	KPI_RESTATED_THRESHOLDS = 8, /**< a gating KPI's threshold */
	KPI_RESTATED_RULE = 16       /**< the earlier pack's verdicts (format 1, 2) did not weigh
	                                  the gating KPIs it did not collect */
};

typedef struct kpi_restated_verdict {
	kpi_week week;
	kpi_verdict_kind old_verdict;
	kpi_verdict_kind new_verdict;
	char *pack;               /**< the earlier pack that reported the old verdict */
	bool decided;             /**< decisions.jsonl held a decision on the week when this pack
	                               was made ("decided": true; false: only a pack reported it) */
	unsigned differ;          /**< KPI_RESTATED_* ("differ": [...]); 0: what changed the
	                               verdict is not known from the two snapshots */
} kpi_restated_verdict;

/** An earlier pack that could not be read, so nothing was compared with it. */
typedef struct kpi_unread_pack {
	char *pack;               /**< its directory ("reports/2026-W44") */
	char *reason;             /**< "snapshot.json:1:1: ..." */
} kpi_unread_pack;

/** What changed since the earlier packs of the reports directory (format 4,
 *  "restatements"; kpi_reports_restatements() fills it). */
typedef struct kpi_restatements {
	char **compared;          /**< the earlier packs compared with, by name, oldest first */
	size_t ncompared;
	kpi_restated_verdict *verdicts; /**< past weeks whose verdict changed, oldest first */
	size_t nverdicts;
	kpi_restated *values;     /**< restated values: by KPI (catalogue order), week, labels;
	                               at most KPI_SNAPSHOT_RESTATED_MAX */
	size_t nvalues;
	size_t values_total;      /**< how many values were restated in all */
	kpi_unread_pack *unread;  /**< earlier packs that could not be read (a warning) */
	size_t nunread;
} kpi_restatements;

/** Free restatements and everything they own. Accepts NULL. */
KPI_EXTERN void kpi_restatements_free(kpi_restatements *r);

/** A snapshot. Every pointer is owned by the snapshot. */
typedef struct kpi_snapshot {
	int format;                   /**< KPI_SNAPSHOT_FORMAT, or 1 or 2 when read from such a file */
	char *tool_version;           /**< kpi_version() of the run that collected it */
	char *timezone;               /**< the configured zone of the weeks */
	int active_days;
	kpi_catalog *catalog;         /**< the definitions as they were at collection (thresholds
	                                   after config overrides); series point into it */
	kpi_result *result;           /**< every KPI of the catalogue over the window, statuses set */
	kpi_verdict *verdicts;        /**< one per week of result->window, oldest first */
	kpi_uncovered *uncovered;     /**< the oldest uncovered designs, oldest first, at most
	                                   KPI_SNAPSHOT_UNCOVERED_MAX */
	size_t nuncovered;
	size_t uncovered_total;       /**< how many are uncovered in all */
	kpi_mismatch *mismatches;     /**< the last week's critical mismatches, newest first,
	                                   at most KPI_SNAPSHOT_MISMATCHES_MAX */
	size_t nmismatches;
	size_t mismatches_total;
	kpi_change *changes;          /**< rollout_changes in [from, as_of), oldest first; the
	                                   newest KPI_SNAPSHOT_CHANGES_MAX when there are more */
	size_t nchanges;
	kpi_source_info *sources;
	size_t nsources;
	char sha256[65];              /**< SHA-256 (hex) of the snapshot.json bytes this snapshot was
	                                   written as or read from; "" before serialisation */
	/* Added for the pack (format 1): */
	size_t changes_total;         /**< how many rollout changes the window has in all */
	kpi_query_ref *drill_queries; /**< the drill-down queries that filled the lists above */
	size_t ndrill_queries;
	/* Added in format 2: */
	kpi_not_collected *not_collected; /**< the catalogue's KPIs the run left out, in catalogue
	                                       order (format 1 does not record them: none here) */
	size_t nnot_collected;
	/* Added in format 3 (snapshot/snapshot_waivers.c): */
	kpi_waiver *waivers;          /**< the config's waivers at collection, in file order: the
	                                   verdicts weigh them (kpi_eval_verdicts_in()) */
	size_t nwaivers;
	/* Added in format 3 (snapshot/snapshot_history.c): */
	kpi_history *history;         /**< NULL: no reports directory was read ("history": null) */
	/* Added in format 4 (snapshot/snapshot_restate.c): */
	kpi_restatements *restatements; /**< NULL: no earlier pack was compared ("restatements": null) */
	/* Added in format 4 (snapshot/snapshot_provenance.c): */
	kpi_provenance *provenance;   /**< the sources' freshness (a standby's replay lag) and the
	                                   KPIs' costs; NULL before format 4 */
	/* Added in format 4 (snapshot/snapshot_slo.c): */
	bool has_slo;                 /**< the snapshot has the key "slo" (false: a format-4 snapshot
	                                   written before it, written back without it) */
	kpi_slo_page *slo;            /**< the SLO page; NULL: no SLO KPI in the catalogue ("slo": null) */
} kpi_snapshot;

/**
 * Collect a snapshot: every KPI of the run over the window (kpi_collect: the
 * catalogue's KPIs but CloudWatch ones that are not configured, which are
 * recorded in `not_collected` with the setting that would collect them), their
 * statuses and the verdicts, a deep copy of those definitions as used
 * (thresholds after the config's overrides, so later catalogue edits do not
 * change a re-render), and, in the same read-only repeatable-read
 * transaction as the KPIs, the drill-down lists (the queries in
 * queries/pack/): the oldest uncovered legacy designs as of the last week's
 * T, the last week's critical routing mismatches and the rollout changes of
 * the window. The lists are checked against their KPIs (uncovered total =
 * uncached_legacy_max_age_days' numerator and the oldest age its value;
 * mismatch total = routing_mismatch_critical's value) when the catalogue has
 * those KPIs. `read_at` is kpi_config_now() ($KPI_NOW honoured).
 * @param[out] out the snapshot; free with kpi_snapshot_free(). sha256 is "".
 * @return 0; KPI_ESOURCE, KPI_EAUTH, KPI_ETIMEOUT, KPI_ECONFIG (a CloudWatch
 *         source that cannot be resolved), KPI_ECONTRACT (a query broke its
 *         contract or a list disagrees with its KPI), KPI_ENOMEM.
 */
KPI_EXTERN int kpi_snapshot_collect(kpi_snapshot **out, const kpi_catalog *cat, const kpi_config *cfg,
                                    const kpi_window *w, kpi_error *err);

/**
 * Serialise to snapshot.json (format KPI_SNAPSHOT_FORMAT, docs/pack.md):
 * UTF-8, stable key order, numbers as their shortest round-trip decimal,
 * times as ISO-8601 UTC seconds. Parsing the bytes back gives the same
 * snapshot, and writing that gives the same bytes.
 * Sets `snap->sha256` to the SHA-256 of the bytes appended to `out`.
 * @return 0; KPI_EDATA for a value JSON cannot hold (a non-finite number,
 *         text that is not UTF-8), nothing appended then; KPI_ENOMEM.
 */
KPI_EXTERN int kpi_snapshot_write(kpi_buf *out, kpi_snapshot *snap, kpi_error *err);

/**
 * Parse and validate snapshot.json text. `name` (the file name) prefixes
 * error messages. Validation is complete: a truncated, corrupted,
 * wrong-version or inconsistent snapshot (a series of a KPI missing from its
 * catalogue, a week outside the window, an unknown status, verdicts that do
 * not follow from the statuses, a drill-down total that disagrees with its
 * KPI...) is an error, never a crash.
 * @param[out] out the snapshot, sha256 = SHA-256 of `text`; free with
 *             kpi_snapshot_free().
 * @return 0; KPI_EDATA with "name:line:col: what is wrong"; KPI_ENOMEM.
 */
KPI_EXTERN int kpi_snapshot_parse(kpi_snapshot **out, const char *name, const char *text, size_t len,
                                  kpi_error *err);

/** Read and parse a snapshot.json file (kpi_snapshot_parse()).
 *  @return as kpi_snapshot_parse(), or KPI_ENOTFOUND / KPI_EIO. */
KPI_EXTERN int kpi_snapshot_load(kpi_snapshot **out, const char *path, kpi_error *err);

/** Free a snapshot and everything it owns. Accepts NULL. */
KPI_EXTERN void kpi_snapshot_free(kpi_snapshot *snap);

#ifdef __cplusplus
}
#endif
#endif
