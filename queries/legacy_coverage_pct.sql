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
-- @include fragments/legacy_cohort.sql
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
