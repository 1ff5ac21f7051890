-- uncached_legacy_max_age_days: over the active legacy cohort's uncovered
-- designs as of T (definitions as in legacy_coverage_pct.sql), the largest
-- T - created_at of the design's latest revision as of T, in days (float);
-- 0 when none. numerator = how many designs are uncovered.
-- The cohort and its coverage as of the periods' ends are
-- fragments/legacy_cohort.sql (the bitmask technique is explained there);
-- the uncovered designs are counted per distinct mask as well, and the
-- oldest latest revision is found per distinct mask of its uncovered T_k.
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
, unc AS (
    -- the designs uncovered as of some T_k (bit k of u), with their revisions
    -- (an entry per artifact: repeats change no minimum)
    SELECT dm.cohort & ~dm.covered AS u, dm.lats, dm.rcs
    FROM dm
    WHERE (dm.cohort & ~dm.covered) <> 0
), un AS MATERIALIZED (
    SELECT unc.u, count(*) AS n FROM unc GROUP BY unc.u
), uo AS MATERIALIZED (
    -- each uncovered (design, T_k) has exactly one latest revision
    SELECT unc.u & r.latest AS u, min(r.created_at) AS oldest
    FROM unc CROSS JOIN LATERAL unnest(unc.lats, unc.rcs) AS r (latest, created_at)
    WHERE (unc.u & r.latest) <> 0
    GROUP BY 1
)
SELECT p.period_start,
       coalesce(extract(epoch FROM p.t - (SELECT min(uo.oldest) FROM uo WHERE ((uo.u >> p.k) & 1) = 1)) / 86400.0,
                0)::float8 AS value,
       coalesce((SELECT sum(un.n) FROM un WHERE ((un.u >> p.k) & 1) = 1), 0)::float8 AS numerator,
       NULL::float8 AS denominator
FROM periods p
ORDER BY p.k;
