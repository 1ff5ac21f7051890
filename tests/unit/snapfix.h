/*
 * Snapshot fixtures for the renderer's tests and benchmark: build a
 * kpi_snapshot in C (catalogue + result + statuses + verdicts + drill-down
 * lists + rollout changes), or read a snapshot.json (the demo packs' of
 * tests/fixtures/render/, see make-demo-fixtures.sh there) with the
 * library's parser.
 *
 * Test code: every failure prints a line to stderr and aborts.
 */
#ifndef KPI_TEST_SNAPFIX_H
#define KPI_TEST_SNAPFIX_H

#include "core/internal.h"

/* A snapshot over `nweeks` weeks ending with `last_week` in zone `tz`,
 * evaluated as of `now` (a `now` inside the last week makes it partial),
 * with the catalogue at `catalog_path` and no rows yet. */
kpi_snapshot *snapfix_new(const char *catalog_path, const char *last_week, int nweeks, const char *tz,
                          int64_t now);

/* The series of catalogue KPI `id`, added on first use. */
kpi_series *snapfix_series(kpi_snapshot *snap, const char *id);

/* A row for week index `week` (0 = oldest) of KPI `id`; `labels` holds one
 * value per label of the KPI (NULL when it has none). Not applicable, partial
 * and incomplete can be set on the returned row before snapfix_finish(). */
kpi_row *snapfix_row(kpi_snapshot *snap, const char *id, int week, const char *const *labels, bool has,
                     double value);

/* Replace a KPI's title (long-title cases). */
void snapfix_title(kpi_snapshot *snap, const char *id, const char *title);

void snapfix_change(kpi_snapshot *snap, int64_t at, const char *layer, const char *key, const char *old_value,
                    const char *new_value, const char *actor);
/* A catalogue KPI the run did not collect (a CloudWatch one, format 2). */
void snapfix_not_collected(kpi_snapshot *snap, const char *id, const char *title, bool gating, const char *reason,
                           const char *detail);
/* A waiver (format 3) of `kpi`, of its rows with label=value when `label`
 * is not NULL, until ISO week `until`. */
void snapfix_waiver(kpi_snapshot *snap, const char *kpi, const char *label, const char *value, const char *reason,
                    const char *by, const char *until);
void snapfix_uncovered(kpi_snapshot *snap, int64_t design, const char *tenant, const char *style, int revision,
                       int64_t revision_at);
void snapfix_mismatch(kpi_snapshot *snap, int64_t id, int64_t at, int64_t design, const char *tenant,
                      const char *decided_by, const char *metadata, const char *outcome);

/* Evaluate every row (kpi_eval_result) and compute the verdicts. */
void snapfix_finish(kpi_snapshot *snap);

/* A snapshot.json read and validated by the library (kpi_snapshot_load()). */
kpi_snapshot *snapfix_read(const char *path);

/* Every KPI of the catalogue at `catalog_path` over `nweeks` weeks ending
 * 2026-W46 with plausible values (deterministic pseudo-random), a few
 * breaches, gaps and rollout changes, the drill-down lists full and, as a
 * collection reads them, in agreement with the last week of the KPIs they
 * back (uncached_legacy_max_age_days: the oldest age and how many;
 * routing_mismatch_critical: how many), so it can be written and parsed
 * back as snapshot.json: the benchmark's and the 52-week tests' input. */
kpi_snapshot *snapfix_synthetic(const char *catalog_path, int nweeks);

/* The same with `open_values` (>= 3) values for each label the catalogue
 * leaves open (the CloudWatch KPIs' load_balancer and queue) of KPI `wide`
 * (NULL: of every KPI; the others keep 3): "alpha", "beta", "gamma" for 3
 * (snapfix_synthetic()), "q00000", "q00001", ... beyond: the
 * many-label-set snapshots of the renderer's tests and benchmark. */
kpi_snapshot *snapfix_synthetic_wide(const char *catalog_path, int nweeks, size_t open_values, const char *wide);

#endif
