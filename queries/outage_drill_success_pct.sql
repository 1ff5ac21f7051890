-- outage_drill_success_pct: over the drills that started in the period,
-- succeeded / (succeeded + failed) x 100 of their legacy export jobs (drill_id
-- set), whenever those finished; queued and running jobs are ignored.
-- applicable: legacy coverage (as in legacy_coverage_pct.sql) as of each
-- drill's started_at met the target $4 (value >= $4, with a non-empty cohort)
-- for every drill of the period; otherwise the threshold does not apply.
-- A period without drills, or whose drills have no finished job: value null.
-- The cohort and coverage as of each drill start are
-- fragments/legacy_cohort.sql, with the drills' start times as its instants.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
-- @param $3 active_days int: the cohort's activity window in days
-- @param $4 coverage_target float8: legacy coverage's target (the catalogue
--           says: the threshold of legacy_coverage_pct)
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), drills AS (
    -- the as-of instants are the drills' start times; pk = the period
    SELECT (row_number() OVER (ORDER BY o.started_at, o.id) - 1)::int AS k, o.id, o.started_at AS t,
           width_bucket(o.started_at, (SELECT array_agg(period_start ORDER BY k) FROM periods)) - 1 AS pk
    FROM outage_drills o
    WHERE o.started_at >= $1 AND o.started_at < $2
), arr AS (
    SELECT array_agg(t ORDER BY k) AS ts,
           array_agg(t - make_interval(days => $3::int) ORDER BY k) AS ls,
           count(*)::int AS n,
           -- bigint masks hold 60 instants: fail loudly rather than miscount
           (CASE WHEN count(*) > 60 THEN 'more than 60 drills in the window: ask for fewer weeks' END)::int AS guard
    FROM drills
),
-- @include fragments/legacy_cohort.sql
, masks AS (
    SELECT dm.cohort, dm.covered, count(*) AS n
    FROM dm
    WHERE dm.cohort <> 0
    GROUP BY dm.cohort, dm.covered
)
, cov AS (
    SELECT dr.k,
           coalesce(sum(m.n), 0)::bigint AS cohort_n,
           coalesce(sum(m.n) FILTER (WHERE ((m.covered >> dr.k) & 1) = 1), 0)::bigint AS covered_n
    FROM drills dr
    LEFT JOIN masks m ON ((m.cohort >> dr.k) & 1) = 1
    GROUP BY dr.k
), app AS (
    SELECT dr.pk,
           bool_and(cov.cohort_n > 0 AND (100.0 * cov.covered_n / cov.cohort_n)::float8 >= $4::float8) AS applicable
    FROM drills dr JOIN cov ON cov.k = dr.k
    GROUP BY dr.pk
), dj AS (
    SELECT dr.pk,
           count(*) FILTER (WHERE j.status = 'succeeded')::float8 AS ok,
           count(*)::float8 AS n
    FROM drills dr
    JOIN jobs j ON j.drill_id = dr.id
    WHERE j.kind = 'export' AND j.path = 'legacy' AND j.status IN ('succeeded', 'failed')
    GROUP BY dr.pk
)
SELECT p.period_start,
       100.0 * dj.ok / nullif(dj.n, 0) AS value,
       coalesce(dj.ok, 0)::float8 AS numerator,
       coalesce(dj.n, 0)::float8 AS denominator,
       coalesce(app.applicable, true) AS applicable
FROM periods p
CROSS JOIN arr
LEFT JOIN app ON app.pk = p.k
LEFT JOIN dj ON dj.pk = p.k
WHERE arr.guard IS NULL
ORDER BY p.k;
