-- legacy_coverage_pct: covered / cohort x 100 for the active legacy cohort as
-- of T, the end of each period (now for the current one).
--   cohort at T:  provider 'legacy', created_at < T, a revision created before
--                 T, and a design event with at in [T - active_days, T)
--                 (calendar days in the session TimeZone)
--   covered at T: migrated_at < T, or an artifact of the latest revision as of
--                 T (the highest revision number created before T) with
--                 created_at < T and (expired_at null or expired_at > T)
-- The as-of instants are the periods' ends; the cohort and its coverage
-- are fragments/legacy_cohort.sql, and the per-period counts come from
-- testing bit k of its masks. Up to 60 periods (bigint masks); kpi never
-- asks for more.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
-- @param $3 active_days int: the cohort's activity window in days
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS t
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), arr AS (
    SELECT array_agg(t ORDER BY k) AS ts,
           array_agg(t - make_interval(days => $3::int) ORDER BY k) AS ls,
           count(*)::int AS n
    FROM periods
),
-- @include fragments/b.sql
, masks AS (
    SELECT dm.cohort, dm.covered, count(*) AS n
    FROM dm
    WHERE dm.cohort <> 0
    GROUP BY dm.cohort, dm.covered
)
SELECT p.period_start,
       (100.0 * coalesce(sum(m.n) FILTER (WHERE ((m.covered >> p.k) & 1) = 1), 0)::bigint
        / nullif(coalesce(sum(m.n), 0)::bigint, 0))::float8 AS value,
       coalesce(sum(m.n) FILTER (WHERE ((m.covered >> p.k) & 1) = 1), 0)::float8 AS numerator,
       coalesce(sum(m.n), 0)::float8 AS denominator
FROM periods p
LEFT JOIN masks m ON ((m.cohort >> p.k) & 1) = 1
GROUP BY p.k, p.period_start
ORDER BY p.k;

--8<--
-- a fragment
SELECT 1

--8<--
-- fragments/legacy_cohort.sql: the active legacy cohort and its coverage as
-- of a sorted set of instants T_k, written once for every query that needs
-- it (legacy_coverage_pct.sql, uncached_legacy_max_age_days.sql,
-- outage_drill_success_pct.sql). Included with "-- @include"; it declares no
-- parameters and uses one of the including query's by name: ${to}, the end
-- of its window (timestamptz).
--   cohort at T:  provider 'legacy', created_at < T, a revision created before
--                 T, and a design event with at in [T - active_days, T)
--                 (calendar days in the session TimeZone)
--   latest revision as of T: the highest revision number created before T
--   covered at T: migrated_at < T, or an artifact of the latest revision as of
--                 T with created_at < T and (expired_at null or expired_at > T)
-- The including query defines, before this fragment, the CTE
--   arr (ts timestamptz[], ls timestamptz[], n int): the instants T_k
--       (k = 0..n-1) in ascending order, all before ${to},
--       ls[k] = T_k - active_days,
-- and ends its WITH list with a comma before the include. The fragment
-- defines, for the query after it:
--   dm (id, cohort, covered, lats, rcs): per legacy design with a revision,
--       bitmask over k: in the cohort as of T_k, covered as of T_k; and its
--       revisions' "latest as of T_k" masks with their created_at.
--
-- How it stays one pass per table: width_bucket(x, Ts) (a binary search in
-- the sorted array) tells how many T_k are <= x. Each legacy design gets
-- bitmasks over k (bit k = "true as of T_k"), OR-ed over its events (one
-- index range scan per design, in id order: cheaper than grouping the events
-- by design), revisions and artifacts (merged in design order); designs are
-- then counted per distinct pair of masks (a few hundred) by the query. Up to
-- 60 instants (bigint masks). The unused outputs lats and rcs cost nothing:
-- the planner drops unused columns of inlined CTEs. The revisions and events
-- are bounded by ${to} (a parameter, not an expression over arr: the planner
-- then knows the bound, and scans the revisions in design order).
act AS (
    -- per legacy design, bit k: an event in [T_k - active_days, T_k) (one
    -- index range scan per design, bounded by the first and last instants)
    SELECT d.id, d.created_at, d.migrated_at, x.m
    FROM designs d
    CROSS JOIN LATERAL (
        SELECT bit_or((1::bigint << width_bucket(e.at, (SELECT ls FROM arr)))
                      - (1::bigint << width_bucket(e.at, (SELECT ts FROM arr)))) AS m
        FROM design_events e
        WHERE e.design_id = d.id
          AND e.at >= (SELECT ls[1] FROM arr) AND e.at < ${to}::timestamptz
    ) x
    WHERE d.provider = 'legacy'
), rev AS (
    -- A revision is the latest as of T for T in (created_at, valid_to], where
    -- valid_to is the earliest creation of any higher revision (revisions
    -- created at or after the last T change nothing); first_at is the
    -- design's first revision.
    SELECT r.design_id, r.revision, r.created_at,
           min(r.created_at) OVER (PARTITION BY r.design_id ORDER BY r.revision
                                   ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS valid_to,
           min(r.created_at) OVER (PARTITION BY r.design_id) AS first_at
    FROM decoration_revisions r
    WHERE r.created_at < ${to}::timestamptz
), revm AS (
    -- bit k: the latest revision as of T_k (only revisions that are, for
    -- some T_k: every design with a revision has one)
    SELECT m.* FROM (
        SELECT rev.design_id, rev.revision, rev.created_at, rev.first_at,
               (1::bigint << greatest(coalesce(width_bucket(rev.valid_to, a.ts), a.n),
                                      width_bucket(rev.created_at, a.ts)))
               - (1::bigint << width_bucket(rev.created_at, a.ts)) AS latest
        FROM rev CROSS JOIN arr a
    ) m
    WHERE m.latest <> 0
), art AS (
    -- per design: its first revision, its revisions' masks and creation
    -- times, and bit k: an artifact of the revision that is the latest as
    -- of T_k, created before T_k and not expired at T_k
    SELECT rm.design_id, min(rm.first_at) AS first_at,
           array_agg(rm.latest) AS lats, array_agg(rm.created_at) AS rcs,
           coalesce(bit_or(rm.latest
                           & ((1::bigint << greatest(coalesce(width_bucket(x.expired_at - interval '1 microsecond', a.ts), a.n),
                                                     width_bucket(x.created_at, a.ts)))
                              - (1::bigint << width_bucket(x.created_at, a.ts)))), 0) AS m
    FROM revm rm
    LEFT JOIN export_artifacts x ON x.design_id = rm.design_id AND x.revision = rm.revision
    CROSS JOIN arr a
    GROUP BY rm.design_id
), dm AS (
    SELECT d.id,
           coalesce(d.m, 0) & ((1::bigint << a.n) - (1::bigint << width_bucket(greatest(d.created_at, art.first_at), a.ts)))
               AS cohort,
           CASE WHEN d.migrated_at IS NULL THEN 0::bigint
                ELSE (1::bigint << a.n) - (1::bigint << width_bucket(d.migrated_at, a.ts)) END
           | art.m AS covered,
           art.lats, art.rcs
    FROM act d
    JOIN art ON art.design_id = d.id
    CROSS JOIN arr a
)
