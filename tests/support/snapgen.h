/*
 * Synthetic snapshots for the tests and the render benchmark: every KPI of a
 * catalogue over N weeks with deterministic pseudo-random values around
 * their thresholds (so every status occurs), drill-down lists that agree
 * with their KPIs, statuses and verdicts evaluated by libkpi. No database.
 */
#ifndef KPI_TEST_SNAPGEN_H
#define KPI_TEST_SNAPGEN_H

#include "kpi/kpi.h"

typedef struct snapgen_opts {
	const char *catalog;   /* catalogue file; NULL: the shipped templates/catalog.json */
	const char *week;      /* the last week; NULL: "2026-W46" */
	int nweeks;            /* 0: 12 */
	const char *tz;        /* NULL: "UTC" */
	int64_t now;           /* 0: 2026-12-01T00:00:00Z (every week over) */
	unsigned seed;         /* the values follow from it */
	size_t nchanges;       /* rollout changes spread over the window */
	/* Called after the rows are made and before evaluation, to shape them. */
	void (*edit)(void *ctx, kpi_snapshot *snap);
	void *ctx;
} snapgen_opts;

/* Build a snapshot (free with kpi_snapshot_free); sha256 is "" until written. */
int snapgen_build(kpi_snapshot **out, const snapgen_opts *o, kpi_error *err);

/* After `edit` changed the rows of uncached_legacy_max_age_days or
 * routing_mismatch_critical: make the drill-down lists agree again. */
int snapgen_sync_lists(kpi_snapshot *snap, kpi_error *err);

/* Replace a string owned by the snapshot. */
void snapgen_set(char **dst, const char *value);

#endif
