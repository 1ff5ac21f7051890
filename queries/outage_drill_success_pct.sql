-- outage_drill_success_pct: over the drills that started in the period,
-- succeeded / (succeeded + failed) x 100 of their legacy export jobs (drill_id
-- set), whenever those finished; queued and running jobs are ignored.
-- applicable: legacy coverage (as in legacy_coverage_pct.sql) as of each
-- drill's started_at met the target $4 (value >= $4, with a non-empty cohort)
-- for every drill of the period; otherwise the threshold does not apply.
-- A period without drills, or whose drills have no finished job: value null.
-- Parameters: $1 from, $2 to (timestamptz), $3 active_days (int),
--             $4 coverage_target (float8, legacy_coverage_pct's target).
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
), act AS (
    -- bit k: an event in [T_k - active_days, T_k)
    SELECT e.design_id,
           bit_or((1::bigint << width_bucket(e.at, a.ls)) - (1::bigint << width_bucket(e.at, a.ts))) AS m
    FROM design_events e CROSS JOIN arr a
    WHERE e.at >= a.ls[1] AND e.at < a.ts[a.n]
    GROUP BY e.design_id
), legacy AS (
    SELECT d.id, d.created_at, d.migrated_at, act.m
    FROM act JOIN designs d ON d.id = act.design_id AND d.provider = 'legacy'
), rev AS (
    -- A revision is the latest as of T for T in (created_at, valid_to], where
    -- valid_to is the earliest creation of any higher revision.
    SELECT r.design_id, r.revision, r.created_at,
           min(r.created_at) OVER (PARTITION BY r.design_id ORDER BY r.revision DESC
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS valid_to
    FROM decoration_revisions r
    WHERE r.design_id IN (SELECT id FROM legacy)
), revm AS (
    SELECT rev.design_id, rev.revision, rev.created_at,
           (1::bigint << greatest(coalesce(width_bucket(rev.valid_to, a.ts), a.n),
                                  width_bucket(rev.created_at, a.ts)))
           - (1::bigint << width_bucket(rev.created_at, a.ts)) AS latest
    FROM rev CROSS JOIN arr a
), art AS (
    -- bit k: an artifact of the revision that is the latest as of T_k,
    -- created before T_k and not expired at T_k
    SELECT rm.design_id,
           bit_or(rm.latest
                  & ((1::bigint << greatest(coalesce(width_bucket(x.expired_at - interval '1 microsecond', a.ts), a.n),
                                            width_bucket(x.created_at, a.ts)))
                     - (1::bigint << width_bucket(x.created_at, a.ts)))) AS m
    FROM revm rm
    JOIN export_artifacts x ON x.design_id = rm.design_id AND x.revision = rm.revision
    CROSS JOIN arr a
    GROUP BY rm.design_id
), dm AS (
    SELECT l.id,
           l.m & ((1::bigint << a.n) - (1::bigint << width_bucket(greatest(l.created_at, f.first_at), a.ts)))
               AS cohort,
           CASE WHEN l.migrated_at IS NULL THEN 0::bigint
                ELSE (1::bigint << a.n) - (1::bigint << width_bucket(l.migrated_at, a.ts)) END
           | coalesce(art.m, 0) AS covered
    FROM legacy l
    JOIN (SELECT design_id, min(created_at) AS first_at FROM rev GROUP BY design_id) f ON f.design_id = l.id
    LEFT JOIN art ON art.design_id = l.id
    CROSS JOIN arr a
)
, cov AS (
    SELECT dr.k,
           count(dm.id) AS cohort_n,
           count(*) FILTER (WHERE ((dm.covered >> dr.k) & 1) = 1) AS covered_n
    FROM drills dr
    LEFT JOIN dm ON ((dm.cohort >> dr.k) & 1) = 1
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
