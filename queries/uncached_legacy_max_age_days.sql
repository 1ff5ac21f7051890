-- uncached_legacy_max_age_days: over the active legacy cohort's uncovered
-- designs as of T (definitions as in legacy_coverage_pct.sql), the largest
-- T - created_at of the design's latest revision as of T, in days (float);
-- 0 when none. numerator = how many designs are uncovered.
-- Parameters: $1 from, $2 to (timestamptz), $3 active_days (int); $4 unused.
-- The bitmask technique is explained in legacy_coverage_pct.sql; the
-- uncovered designs are counted per distinct mask as well, and the oldest
-- latest revision is found per distinct mask of its uncovered T_k.
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
), act AS (
    -- per legacy design, bit k: an event in [T_k - active_days, T_k) (one
    -- index range scan per design; the first T is least(from + 1 week, to),
    -- the last one is to)
    SELECT d.id, d.created_at, d.migrated_at, x.m
    FROM designs d
    CROSS JOIN LATERAL (
        SELECT bit_or((1::bigint << width_bucket(e.at, (SELECT ls FROM arr)))
                      - (1::bigint << width_bucket(e.at, (SELECT ts FROM arr)))) AS m
        FROM design_events e
        WHERE e.design_id = d.id
          AND e.at >= least($1::timestamptz + interval '1 week', $2::timestamptz) - make_interval(days => $3::int)
          AND e.at < $2::timestamptz
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
    WHERE r.created_at < $2::timestamptz
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
    -- per design: its first revision, and bit k: an artifact of the revision
    -- that is the latest as of T_k, created before T_k and not expired at T_k
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
), unc AS (
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
