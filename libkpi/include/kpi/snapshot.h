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

#ifdef __cplusplus
extern "C" {
#endif

/** The version of the snapshot.json format this library reads and writes. */
#define KPI_SNAPSHOT_FORMAT 1

/** How many of the oldest uncovered legacy designs a pack lists. */
#define KPI_SNAPSHOT_UNCOVERED_MAX 25

/** How many of the last week's critical routing mismatches a pack lists. */
#define KPI_SNAPSHOT_MISMATCHES_MAX 50

/** One uncovered design of the active legacy cohort as of the last week's T
 *  (the backfill list of the outage playbook, seed 000). */
typedef struct kpi_uncovered {
	int64_t design_id;
	char *tenant_id;
	char *style_id;
	int revision;             /**< latest revision as of T */
	int64_t revision_at;      /**< its created_at (UTC seconds) */
	double age_days;          /**< (T - revision_at) / 86400 */
} kpi_uncovered;

/** One critical routing mismatch of the last week (SPEC §4). */
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

/** Where the data came from, without secrets. */
typedef struct kpi_source_info {
	char *kind;               /**< "postgres", "cloudwatch" */
	char *where;              /**< "host=/tmp/x port=5432 dbname=kpi user=kpi_ro", "us-east-1 http://127.0.0.1:5000" */
} kpi_source_info;

/** A snapshot. Every pointer is owned by the snapshot. */
typedef struct kpi_snapshot {
	int format;                   /**< KPI_SNAPSHOT_FORMAT */
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
	kpi_change *changes;          /**< rollout_changes in [from, as_of), oldest first */
	size_t nchanges;
	kpi_source_info *sources;
	size_t nsources;
	char sha256[65];              /**< SHA-256 (hex) of the snapshot.json bytes this snapshot was
	                                   written as or read from; "" before serialisation */
} kpi_snapshot;

/** Free a snapshot and everything it owns. Accepts NULL. */
KPI_EXTERN void kpi_snapshot_free(kpi_snapshot *snap);

#ifdef __cplusplus
}
#endif
#endif
