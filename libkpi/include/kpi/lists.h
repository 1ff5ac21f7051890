/**
 * @file kpi/lists.h
 * @brief The list behind a KPI, read for the shell: the backfill list of the
 *        outage playbook (`kpi uncovered`), the oldest uncovered designs of
 *        the active legacy cohort, read with the query of the pack's
 *        drill-down (queries/pack/uncovered_designs.sql).
 *
 * The list is read in kpi's read-only session (the same transaction
 * settings, statement_timeout, deadlines and standby rules as every run), so
 * its first age is `uncached_legacy_max_age_days` and its total that KPI's
 * numerator, for the same instant.
 */
#ifndef KPI_LISTS_H
#define KPI_LISTS_H

#include "common.h"
#include "config.h"
#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One uncovered design of the active legacy cohort as of T (the backfill
 *  list of the outage playbook, the rollout design (docs/requirements.md)). */
typedef struct kpi_uncovered {
	int64_t design_id;
	char *tenant_id;
	char *style_id;
	int revision;             /**< latest revision as of T */
	int64_t revision_at;      /**< its created_at (UTC seconds) */
	double age_days;          /**< (T - revision_at) / 86400 */
} kpi_uncovered;

/** How many designs `kpi uncovered` lists unless told (`--limit`). */
#define KPI_UNCOVERED_LIMIT_DEFAULT 100

/** The most designs one list may hold (`--limit` 1..this). */
#define KPI_UNCOVERED_LIMIT_MAX 10000

/** The oldest uncovered designs as of an instant, and how many there are. */
typedef struct kpi_uncovered_list {
	int64_t as_of;            /**< T (UTC seconds): the end of the week, or now for the current one */
	kpi_week week;            /**< the ISO week T ends (or is in, when partial) */
	bool partial;             /**< the week is not over: T is now */
	int active_days;          /**< the cohort's activity window (config active_days) */
	size_t limit;             /**< the most designs asked for */
	kpi_uncovered *designs;   /**< oldest latest revision first, ties by design id; NULL when none */
	size_t ndesigns;          /**< how many are listed (<= limit, <= total) */
	size_t total;             /**< how many are uncovered in all (the KPI's numerator) */
	char *query;              /**< the query file, relative to the query directory */
	char sha256[65];          /**< SHA-256 of its text (includes expanded) */
	char *source;             /**< where it was read, secret-free ("host=... port=... dbname=... user=...") */
} kpi_uncovered_list;

/**
 * Read the oldest uncovered legacy designs as of the end of `w`'s last week
 * (w->as_of: now for the current week), at most `limit`, and how many are
 * uncovered in all, from PostgreSQL in kpi's read-only session.
 * @param[out] out the list (caller frees with kpi_uncovered_list_free()); NULL on failure.
 * @param limit 1..KPI_UNCOVERED_LIMIT_MAX.
 * @return 0; KPI_EUSAGE for a limit out of range; KPI_ESOURCE (unreachable,
 *         authentication, a hot standby lagging past database.max_lag, whose
 *         list would be stale), KPI_ETIMEOUT, KPI_ECONTRACT (the query file
 *         breaks its columns), KPI_ECONFIG.
 */
KPI_EXTERN int kpi_uncovered_read(kpi_uncovered_list **out, const kpi_config *cfg, const kpi_window *w,
                                  size_t limit, kpi_error *err);

/** Free a list and everything in it. Accepts NULL. */
KPI_EXTERN void kpi_uncovered_list_free(kpi_uncovered_list *l);

#ifdef __cplusplus
}
#endif
#endif
