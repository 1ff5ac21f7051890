-- uncovered_designs: the backfill list of the outage playbook (docs/requirements.md, rollout design) —
-- the oldest uncovered designs of the active legacy cohort as of T, the end
-- of the pack's last week (now for the current one). Same rules as
-- legacy_coverage_pct and uncached_legacy_max_age_days (legacy_coverage.sql), for one T:
--   cohort at T:  provider 'legacy', created_at < T, a revision created before
--                 T, and a design event with at in [T - active_days, T)
--                 (calendar days in the session TimeZone)
--   latest revision as of T: the highest revision number created before T
--   covered at T: migrated_at < T, or an artifact of the latest revision with
--                 created_at < T and (expired_at null or expired_at > T)
-- One row per uncovered design, oldest latest revision first (ties by id):
-- age_days = (T - its created_at) in days, computed exactly as the KPI
-- computes it, so the first row's age_days equals uncached_legacy_max_age_days
-- and `total` (every uncovered design, before the limit) equals its numerator.
-- revision_at is whole UTC seconds since the epoch (floored).
-- @param $1 as_of timestamptz: T
-- @param $2 active_days int: the cohort's activity window in days
-- @param $3 max_rows int: how many rows at most
-- Columns: design_id bigint, tenant_id text, style_id text, revision int,
--          revision_at bigint, age_days float8, total bigint.
WITH t AS (
    SELECT $1::timestamptz AS t, $1::timestamptz - make_interval(days => $2::int) AS since
), active AS (
    SELECT DISTINCT e.design_id
    FROM design_events e CROSS JOIN t
    WHERE e.at >= t.since AND e.at < t.t
), cohort AS (
    SELECT d.id, d.tenant_id, d.style_id, d.migrated_at, lr.revision, lr.created_at AS revision_at
    FROM active a
    JOIN designs d ON d.id = a.design_id AND d.provider = 'legacy'
    CROSS JOIN t
    CROSS JOIN LATERAL (
        SELECT r.revision, r.created_at
        FROM decoration_revisions r
        WHERE r.design_id = d.id AND r.created_at < t.t
        ORDER BY r.revision DESC
        LIMIT 1
    ) lr
    WHERE d.created_at < t.t
), uncovered AS (
    SELECT c.*
    FROM cohort c CROSS JOIN t
    WHERE NOT coalesce(c.migrated_at < t.t, false)
      AND NOT EXISTS (
          SELECT 1 FROM export_artifacts x
          WHERE x.design_id = c.id AND x.revision = c.revision
            AND x.created_at < t.t AND (x.expired_at IS NULL OR x.expired_at > t.t))
)
SELECT u.id AS design_id, u.tenant_id, u.style_id, u.revision,
       floor(extract(epoch FROM u.revision_at))::bigint AS revision_at,
       (extract(epoch FROM t.t - u.revision_at) / 86400.0)::float8 AS age_days,
       count(*) OVER () AS total
FROM uncovered u CROSS JOIN t
ORDER BY u.revision_at, u.id
LIMIT $3::int;
