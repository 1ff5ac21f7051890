-- job_latency_seconds: continuous percentiles (p50, p95, p99) of
-- finished_at - enqueued_at in seconds, per kind and path, over non-drill
-- succeeded jobs that finished in the period.
-- No such job: value null (no_data).
-- Exact, without sorting every job: percentile_cont(p) over n sorted values
-- is x[floor(h)] + (h - floor(h)) * (x[ceil(h)] - x[floor(h)]), h = p (n - 1)
-- (0-based ranks; the value itself when h is whole), computed in float8
-- exactly as PostgreSQL's percentile_cont does. Only the values at those
-- ranks are needed:
--   smp: a sample, the jobs that finished in a 49 s slice every 2452 s
--        (2 % of the time, spread evenly over the period, so a burst of slow
--        jobs is sampled in proportion), sorted per period and (kind, path);
--   cut: for each p, a bracket of the sample around rank p m (m sampled
--        values) with a margin of 4 standard deviations of that rank, as
--        intervals: [lo, hi]. Few samples: the bracket is open-ended;
--   band: one index range scan per period (jobs_succeeded_finished_idx holds
--        every column it needs) numbers each job by its (kind, path) and the
--        band of its latency among the brackets' bounds (width_bucket over
--        intervals, no seconds computed), counts the jobs per band and keeps
--        the seconds of the jobs inside a bracket only (about a tenth);
--   pick: the bands give each wanted rank's band and the rank in it; inside
--        a bracket it is read from that band's sorted seconds;
--   fb:  a rank outside every bracket (a sample far off) falls back to
--        percentile_cont over that period and (kind, path): the same values.
-- The latency order is the interval order (finished_at - enqueued_at has no
-- month part) and the seconds are a non-decreasing function of it, so the
-- values at the ranks are those of the sorted seconds, ties included.
-- The seconds: extract(epoch ...) computes a numeric and converts it to
-- float8 through its text. Under a day the interval (finished_at - enqueued_at)
-- has only a microseconds part, and date_part's float8 epoch is that part /
-- 1e6, one correctly rounded division: the same double as the exact numeric
-- rounded. From a day on date_part would add the days in a second rounding,
-- so those (and negative ones) keep the numeric path. The same values, bit
-- for bit.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS period_end
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), grp (g, kind, path) AS (
    VALUES (0, 'preview', 'legacy'), (1, 'preview', 'owned'), (2, 'export', 'legacy'), (3, 'export', 'owned')
), stat (t, stat, p) AS (
    VALUES (1, 'p50', 0.5::float8), (2, 'p95', 0.95::float8), (3, 'p99', 0.99::float8)
), smp AS (
    SELECT p.k,
           CASE WHEN j.kind = 'preview' THEN CASE WHEN j.path = 'legacy' THEN 0 ELSE 1 END
                ELSE CASE WHEN j.path = 'legacy' THEN 2 ELSE 3 END END AS g,
           array_agg(j.finished_at - j.enqueued_at ORDER BY j.finished_at - j.enqueued_at) AS d
    FROM periods p
    CROSS JOIN LATERAL generate_series(p.period_start, p.period_end - interval '1 microsecond',
                                       interval '2452 seconds') AS sl (t)
    JOIN jobs j ON j.finished_at >= sl.t AND j.finished_at < least(sl.t + interval '49.04 seconds', p.period_end)
    WHERE j.status = 'succeeded' AND j.drill_id IS NULL
    GROUP BY 1, 2
), cut AS (
    -- per period, group and p: bounds 2t - 1 (lo) and 2t (hi + 1 us), made
    -- non-decreasing (overlapping brackets merge)
    SELECT p.k, gr.g, c.i,
           max(c.cut) OVER (PARTITION BY p.k, gr.g ORDER BY c.i) AS cut
    FROM periods p
    CROSS JOIN grp gr
    LEFT JOIN smp sm ON sm.k = p.k AND sm.g = gr.g
    CROSS JOIN stat st
    CROSS JOIN LATERAL (SELECT coalesce(cardinality(sm.d), 0) AS m) m
    CROSS JOIN LATERAL (SELECT floor(st.p * m.m - 4 * sqrt(m.m * st.p * (1 - st.p)))::int AS a,
                               ceil(st.p * m.m + 4 * sqrt(m.m * st.p * (1 - st.p)))::int + 1 AS b) r
    CROSS JOIN LATERAL (VALUES
        (2 * st.t - 1, CASE WHEN r.a >= 1 THEN sm.d[r.a] ELSE interval '-1000000 years' END),
        (2 * st.t, CASE WHEN r.b <= m.m THEN sm.d[r.b] + interval '1 microsecond' ELSE interval '1000000 years' END))
        AS c (i, cut)
), cuts AS (
    SELECT p.k, p.period_start, p.period_end,
           array_agg(c.cut ORDER BY c.i) FILTER (WHERE c.g = 0) AS c0,
           array_agg(c.cut ORDER BY c.i) FILTER (WHERE c.g = 1) AS c1,
           array_agg(c.cut ORDER BY c.i) FILTER (WHERE c.g = 2) AS c2,
           array_agg(c.cut ORDER BY c.i) FILTER (WHERE c.g = 3) AS c3
    FROM periods p
    JOIN cut c ON c.k = p.k
    GROUP BY p.k, p.period_start, p.period_end
), band AS (
    -- code = 8 g + band, band 0..6: odd bands are inside a bracket
    SELECT c.k, h.code / 8 AS g, h.code % 8 AS b, h.n, h.v
    FROM cuts c
    CROSS JOIN LATERAL (
        SELECT l.code, count(*) AS n,
               array_agg(CASE WHEN l.d >= interval '0' AND l.d < interval '1 day' THEN date_part('epoch', l.d)
                              ELSE extract(epoch FROM l.d)::float8 END) FILTER (WHERE l.code % 2 = 1) AS v
        FROM (SELECT CASE WHEN j.kind = 'preview'
                          THEN CASE WHEN j.path = 'legacy' THEN width_bucket(j.finished_at - j.enqueued_at, c.c0)
                                    ELSE 8 + width_bucket(j.finished_at - j.enqueued_at, c.c1) END
                          ELSE CASE WHEN j.path = 'legacy' THEN 16 + width_bucket(j.finished_at - j.enqueued_at, c.c2)
                                    ELSE 24 + width_bucket(j.finished_at - j.enqueued_at, c.c3) END END AS code,
                     j.finished_at - j.enqueued_at AS d
              FROM jobs j
              WHERE j.status = 'succeeded' AND j.drill_id IS NULL
                AND j.finished_at >= c.period_start AND j.finished_at < c.period_end
              OFFSET 0) l
        GROUP BY l.code) h
), bandc AS (
    SELECT b.k, b.g, b.b, b.n,
           (sum(b.n) OVER (PARTITION BY b.k, b.g ORDER BY b.b))::bigint - b.n AS below,
           (sum(b.n) OVER (PARTITION BY b.k, b.g))::bigint AS total,
           (SELECT array_agg(x ORDER BY x) FROM unnest(b.v) x) AS v
    FROM band b
), tgt AS (
    SELECT DISTINCT bc.k, bc.g, st.t, r.h, r.r1, r.r2
    FROM bandc bc
    CROSS JOIN stat st
    CROSS JOIN LATERAL (SELECT st.p * (bc.total - 1)::float8 AS h) h
    CROSS JOIN LATERAL (SELECT h.h, floor(h.h)::bigint AS r1, ceil(h.h)::bigint AS r2) r
), pick AS (
    SELECT t.k, t.g, t.t, t.h, t.r1, t.r2,
           lo.v[t.r1 - lo.below + 1] AS x1, hi.v[t.r2 - hi.below + 1] AS x2
    FROM tgt t
    LEFT JOIN bandc lo ON lo.k = t.k AND lo.g = t.g AND lo.b % 2 = 1 AND t.r1 >= lo.below AND t.r1 < lo.below + lo.n
    LEFT JOIN bandc hi ON hi.k = t.k AND hi.g = t.g AND hi.b % 2 = 1 AND t.r2 >= hi.below AND t.r2 < hi.below + hi.n
), miss AS (
    SELECT pk.k, pk.g, bool_or(pk.x1 IS NULL OR pk.x2 IS NULL) AS miss
    FROM pick pk
    GROUP BY pk.k, pk.g
), fb AS (
    -- only run when m.miss (a one-time filter): otherwise p is null
    SELECT m.k, m.g, f.p
    FROM miss m
    JOIN periods p ON p.k = m.k
    JOIN grp gr ON gr.g = m.g
    CROSS JOIN LATERAL (
        SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]::float8[]) WITHIN GROUP (ORDER BY l.s) AS p
        FROM (SELECT CASE WHEN d.d >= interval '0' AND d.d < interval '1 day' THEN date_part('epoch', d.d)
                          ELSE extract(epoch FROM d.d)::float8 END AS s
              FROM jobs j CROSS JOIN LATERAL (SELECT j.finished_at - j.enqueued_at AS d) d
              WHERE j.status = 'succeeded' AND j.drill_id IS NULL
                AND j.finished_at >= p.period_start AND j.finished_at < p.period_end
                AND j.kind = gr.kind AND j.path = gr.path AND m.miss) l
    ) f
), res AS (
    SELECT pk.k, pk.g, pk.t,
           CASE WHEN f.p IS NOT NULL THEN f.p[pk.t]
                WHEN pk.r2 = pk.r1 THEN pk.x1
                ELSE pk.x1 + ((pk.h - floor(pk.h)) * (pk.x2 - pk.x1)) END AS value
    FROM pick pk
    LEFT JOIN fb f ON f.k = pk.k AND f.g = pk.g
)
SELECT p.period_start,
       gr.kind::text AS kind,
       gr.path::text AS path,
       st.stat::text AS stat,
       r.value::float8 AS value,
       NULL::float8 AS numerator,
       NULL::float8 AS denominator
FROM periods p
CROSS JOIN grp gr
CROSS JOIN stat st
LEFT JOIN res r ON r.k = p.k AND r.g = gr.g AND r.t = st.t
ORDER BY p.k, gr.kind, gr.path, st.t;
