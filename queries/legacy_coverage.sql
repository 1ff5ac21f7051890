-- legacy_coverage.sql: the legacy cohort's coverage family, three KPIs from
-- one computation (a text column `kpi` names the KPI of each row; kpi runs
-- this once for all three when a run reads them for the same window):
--   legacy_coverage_pct: covered / cohort x 100 for the active legacy cohort
--     as of T, the end of each period (now for the current one);
--   uncached_legacy_max_age_days: over that cohort's uncovered designs as of
--     T, the largest T - created_at of the design's latest revision as of T,
--     in days (float); 0 when none; numerator = how many are uncovered;
--   outage_drill_success_pct: over the drills that started in the period,
--     succeeded / (succeeded + failed) x 100 of their legacy export jobs
--     (drill_id set), whenever those finished (queued and running jobs are
--     ignored); applicable when legacy coverage as of each drill's start met
--     the target $4 (value >= $4, with a non-empty cohort) for every drill of
--     the period; a period without drills, or whose drills have no finished
--     job: value null.
-- Definitions:
--   cohort at T:  provider 'legacy', created_at < T, a revision created before
--                 T, and a design event with at in [T - active_days, T)
--                 (calendar days in the session TimeZone)
--   latest revision as of T: the highest revision number created before T
--   covered at T: migrated_at < T, or an artifact of the latest revision as of
--                 T with created_at < T and (expired_at null or expired_at > T)
--
-- How: two sorted sets of as-of instants, the periods' ends T_k (ts) and the
-- drills' starts D_j (dts), at most 60 each. width_bucket(x, Ts) (a binary
-- search in the sorted array) tells how many instants are <= x. Each legacy
-- design gets bitmasks over k (bit k = "true as of T_k") and over j, OR-ed
-- over its events (one index range scan per design), its revisions and
-- artifacts (read in design order, merged); designs are then counted per
-- distinct combination of masks (a few thousand). What a timestamp x gives
-- depends only on the segment between two consecutive boundaries it falls
-- in, so each row costs one binary search in the merged boundaries and
-- array look-ups of precomputed masks (seg): for an event the instants whose
-- look-back holds it, for a revision's or artifact's times the
-- instants at or before them. A design "has a revision before T_k" exactly
-- when one of its revisions is the latest as of T_k, so the OR of its
-- revisions' "latest" masks says it. The three parts at the end read the
-- same per-design masks. docs/performance.md has the figures.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
-- @param $3 active_days int: the cohort's activity window in days
-- @param $4 coverage_target float8: legacy coverage's target (the catalogue
--           says: the threshold of legacy_coverage_pct)
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS t
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), drills AS (
    -- the drills' starts; pk = the period
    SELECT (row_number() OVER (ORDER BY o.started_at, o.id) - 1)::int AS k, o.id, o.started_at AS t,
           width_bucket(o.started_at, (SELECT array_agg(period_start ORDER BY k) FROM periods)) - 1 AS pk
    FROM outage_drills o
    WHERE o.started_at >= $1 AND o.started_at < $2
), arr AS (
    -- ts/ls: T_k and T_k - active_days (n of them); dts/dls: the same for
    -- the drills (dn, possibly none: empty arrays)
    SELECT p.ts, p.ls, p.n, d.ts AS dts, d.ls AS dls, d.n AS dn, d.guard
    FROM (SELECT array_agg(t ORDER BY k) AS ts,
                 array_agg(t - make_interval(days => $3::int) ORDER BY k) AS ls,
                 count(*)::int AS n
          FROM periods) p,
         (SELECT coalesce(array_agg(t ORDER BY k), '{}') AS ts,
                 coalesce(array_agg(t - make_interval(days => $3::int) ORDER BY k), '{}') AS ls,
                 count(*)::int AS n,
                 -- bigint masks hold 60 instants: fail loudly rather than miscount
                 (CASE WHEN count(*) > 60 THEN 'more than 60 drills in the window: ask for fewer weeks' END)::int
                     AS guard
          FROM drills) d
), seg AS (
    -- the sorted boundaries: every T_k, D_j and the same minus active_days.
    -- Segment s is [bs[s], bs[s + 1]) (s = 0: before bs[1]); for x in it,
    -- pm[s + 1] / dm[s + 1] are the masks of an event at x (bit k: x in
    -- [T_k - active_days, T_k); bit j likewise) and fp[s + 1] / fd[s + 1]
    -- the instants at or before x (bit k: T_k <= x; bit j: D_j <= x)
    SELECT b.bs,
           array_agg((1::bigint << width_bucket(z.x, a.ls)) - (1::bigint << width_bucket(z.x, a.ts)) ORDER BY z.s) AS pm,
           array_agg((1::bigint << width_bucket(z.x, a.dls)) - (1::bigint << width_bucket(z.x, a.dts)) ORDER BY z.s) AS dm,
           array_agg((1::bigint << width_bucket(z.x, a.ts)) - 1 ORDER BY z.s) AS fp,
           array_agg((1::bigint << width_bucket(z.x, a.dts)) - 1 ORDER BY z.s) AS fd
    FROM arr a
    CROSS JOIN LATERAL (SELECT array_agg(u.b ORDER BY u.b) AS bs FROM unnest(a.ls || a.ts || a.dls || a.dts) AS u (b)) b
    CROSS JOIN LATERAL (SELECT 0 AS s, '-infinity'::timestamptz AS x
                        UNION ALL
                        SELECT i, b.bs[i] FROM generate_subscripts(b.bs, 1) AS i) z
    GROUP BY b.bs
), act AS (
    -- per legacy design: its event masks, OR-ed over its events in the
    -- window and look-back (one index range scan per design, in id order:
    -- as cheap as grouping every event by design from the ordered index at
    -- 1M designs, and it reads no event before the look-back, however long
    -- the history; a design without events has null masks)
    SELECT d.id, d.created_at, d.migrated_at, x.m, x.dm
    FROM designs d
    CROSS JOIN LATERAL (
        SELECT bit_or((SELECT pm FROM seg)[width_bucket(e.at, (SELECT bs FROM seg)) + 1]) AS m,
               bit_or((SELECT dm FROM seg)[width_bucket(e.at, (SELECT bs FROM seg)) + 1]) AS dm
        FROM design_events e
        WHERE e.design_id = d.id AND e.at >= (SELECT bs[1] FROM seg) AND e.at < $2::timestamptz
    ) x
    WHERE d.provider = 'legacy'
), rev AS (
    -- A revision is the latest as of T for T in (created_at, valid_to], where
    -- valid_to is the earliest creation of any higher revision (revisions
    -- created at or after the last T change nothing).
    SELECT r.design_id, r.revision, r.created_at,
           min(r.created_at) OVER (PARTITION BY r.design_id ORDER BY r.revision
                                   ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS valid_to
    FROM decoration_revisions r
    WHERE r.created_at < $2::timestamptz
), revm AS (
    -- bit k (j): the latest revision as of T_k (D_j), i.e. the instant is
    -- at or before valid_to (or there is none) and not at or before
    -- created_at; only revisions that are, for some instant
    SELECT m.* FROM (
        SELECT v.design_id, v.revision, v.created_at,
               coalesce(t.fp[v.sv], (1::bigint << a.n) - 1) & ~t.fp[v.sc] AS latest,
               coalesce(t.fd[v.sv], (1::bigint << a.dn) - 1) & ~t.fd[v.sc] AS dlatest
        FROM (SELECT rev.design_id, rev.revision, rev.created_at,
                     width_bucket(rev.created_at, (SELECT bs FROM seg)) + 1 AS sc,
                     width_bucket(rev.valid_to, (SELECT bs FROM seg)) + 1 AS sv
              FROM rev) v
        CROSS JOIN arr a CROSS JOIN seg t
    ) m
    WHERE m.latest <> 0 OR m.dlatest <> 0
), art AS (
    -- per design: the instants with a revision before them (revs, drevs),
    -- its revisions' "latest" masks and creation times (for the uncached
    -- ages), and bit k (j): an artifact of the revision that is the latest
    -- as of the instant, created before it and not expired at it
    SELECT rm.design_id, bit_or(rm.latest) AS revs, bit_or(rm.dlatest) AS drevs,
           array_agg(rm.latest) AS lats, array_agg(rm.created_at) AS rcs,
           coalesce(bit_or(rm.latest & coalesce(t.fp[x.se], (1::bigint << a.n) - 1) & ~t.fp[x.sc]), 0) AS m,
           coalesce(bit_or(rm.dlatest & coalesce(t.fd[x.se], (1::bigint << a.dn) - 1) & ~t.fd[x.sc]), 0) AS dm
    FROM revm rm
    LEFT JOIN (SELECT x.design_id, x.revision,
                      width_bucket(x.created_at, (SELECT bs FROM seg)) + 1 AS sc,
                      width_bucket(x.expired_at - interval '1 microsecond', (SELECT bs FROM seg)) + 1 AS se
               FROM export_artifacts x) x ON x.design_id = rm.design_id AND x.revision = rm.revision
    CROSS JOIN arr a CROSS JOIN seg t
    GROUP BY rm.design_id
), dm AS (
    -- per legacy design with a revision: in the cohort and covered, as of
    -- each T_k (cohort, covered) and each D_j (dcohort, dcovered)
    SELECT coalesce(d.m, 0) & art.revs & ((1::bigint << a.n) - (1::bigint << width_bucket(d.created_at, a.ts)))
               AS cohort,
           CASE WHEN d.migrated_at IS NULL THEN 0::bigint
                ELSE (1::bigint << a.n) - (1::bigint << width_bucket(d.migrated_at, a.ts)) END
           | art.m AS covered,
           coalesce(d.dm, 0) & art.drevs & ((1::bigint << a.dn) - (1::bigint << width_bucket(d.created_at, a.dts)))
               AS dcohort,
           CASE WHEN d.migrated_at IS NULL THEN 0::bigint
                ELSE (1::bigint << a.dn) - (1::bigint << width_bucket(d.migrated_at, a.dts)) END
           | art.dm AS dcovered,
           art.lats, art.rcs
    FROM act d
    JOIN art ON art.design_id = d.id
    CROSS JOIN arr a
), masks AS MATERIALIZED (
    SELECT dm.cohort, dm.covered, dm.dcohort, dm.dcovered, count(*) AS n
    FROM dm
    WHERE dm.cohort <> 0 OR dm.dcohort <> 0
    GROUP BY 1, 2, 3, 4
), unc AS (
    -- the designs uncovered as of some T_k (bit k of u), with their revisions
    -- (an entry per artifact: repeats change no minimum)
    SELECT dm.cohort & ~dm.covered AS u, dm.lats, dm.rcs
    FROM dm
    WHERE (dm.cohort & ~dm.covered) <> 0
), uo AS MATERIALIZED (
    -- each uncovered (design, T_k) has exactly one latest revision
    SELECT unc.u & r.latest AS u, min(r.created_at) AS oldest
    FROM unc CROSS JOIN LATERAL unnest(unc.lats, unc.rcs) AS r (latest, created_at)
    WHERE (unc.u & r.latest) <> 0
    GROUP BY 1
), cov AS (
    -- legacy coverage as of each drill's start
    SELECT dr.k,
           coalesce(sum(m.n), 0)::bigint AS cohort_n,
           coalesce(sum(m.n) FILTER (WHERE ((m.dcovered >> dr.k) & 1) = 1), 0)::bigint AS covered_n
    FROM drills dr
    LEFT JOIN masks m ON ((m.dcohort >> dr.k) & 1) = 1
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
SELECT 'legacy_coverage_pct'::text AS kpi, p.period_start,
       (100.0 * coalesce(sum(m.n) FILTER (WHERE ((m.covered >> p.k) & 1) = 1), 0)::bigint
        / nullif(coalesce(sum(m.n), 0)::bigint, 0))::float8 AS value,
       coalesce(sum(m.n) FILTER (WHERE ((m.covered >> p.k) & 1) = 1), 0)::float8 AS numerator,
       coalesce(sum(m.n), 0)::float8 AS denominator,
       NULL::boolean AS applicable
FROM periods p
LEFT JOIN masks m ON ((m.cohort >> p.k) & 1) = 1
GROUP BY p.k, p.period_start
UNION ALL
SELECT 'uncached_legacy_max_age_days', p.period_start,
       coalesce(extract(epoch FROM p.t - (SELECT min(uo.oldest) FROM uo WHERE ((uo.u >> p.k) & 1) = 1)) / 86400.0,
                0)::float8,
       coalesce((SELECT sum(m.n) FROM masks m WHERE ((m.cohort >> p.k) & 1) = 1 AND ((m.covered >> p.k) & 1) = 0),
                0)::float8,
       NULL::float8,
       NULL::boolean
FROM periods p
UNION ALL
SELECT 'outage_drill_success_pct', p.period_start,
       100.0 * dj.ok / nullif(dj.n, 0),
       coalesce(dj.ok, 0)::float8,
       coalesce(dj.n, 0)::float8,
       coalesce(app.applicable, true)
FROM periods p
CROSS JOIN arr
LEFT JOIN app ON app.pk = p.k
LEFT JOIN dj ON dj.pk = p.k
WHERE arr.guard IS NULL
ORDER BY 1, 2;
