-- legacy_coverage_pct: covered / cohort x 100 for the active legacy cohort as
-- of T, the end of each period (now for the current one).
--   cohort at T:  provider 'legacy', created_at < T, a revision created before
--                 T, and a design event with at in [T - active_days, T)
--                 (calendar days in the session TimeZone)
--   covered at T: migrated_at < T, or an artifact of the latest revision as of
--                 T (the highest revision number created before T) with
--                 created_at < T and (expired_at null or expired_at > T)
-- Parameters: $1 from, $2 to (timestamptz), $3 active_days (int); $4 unused.
--
-- How it stays one pass per table: every as-of instant T_k goes into a sorted
-- array, and width_bucket(x, Ts) (a binary search) tells how many T_k are <= x.
-- Each design then gets bitmasks over k (bit k = "true as of T_k"), OR-ed
-- over its events, revisions and artifacts; the per-period counts come from
-- testing bit k. Up to 60 periods (bigint masks); kpi never asks for more.
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
SELECT p.period_start,
       (100.0 * count(*) FILTER (WHERE ((dm.covered >> p.k) & 1) = 1) / nullif(count(dm.id), 0))::float8 AS value,
       count(*) FILTER (WHERE ((dm.covered >> p.k) & 1) = 1)::float8 AS numerator,
       count(dm.id)::float8 AS denominator
FROM periods p
LEFT JOIN dm ON ((dm.cohort >> p.k) & 1) = 1
GROUP BY p.k, p.period_start
ORDER BY p.k;
