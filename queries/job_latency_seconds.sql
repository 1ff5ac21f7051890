-- job_latency_seconds: continuous percentiles (p50, p95, p99) of
-- finished_at - enqueued_at in seconds, per kind and path, over non-drill
-- succeeded jobs that finished in the period.
-- No such job: value null (no_data).
-- One index range scan per period (jobs_succeeded_finished_idx holds every
-- column it needs), with one percentile_cont per (kind, path) filtered from
-- it: no sort of all the jobs to group them, only each group's own sort.
-- The seconds: extract(epoch ...) computes a numeric and converts it to
-- float8 through its text (about a quarter of the query's CPU at scale
-- 1000). Under a day the interval (finished_at - enqueued_at) has only a
-- microseconds part, and date_part's float8 epoch is that part / 1e6, one
-- correctly rounded division: the same double as the exact numeric rounded.
-- From a day on date_part would add the days in a second rounding, so those
-- (and negative ones) keep the numeric path. The same values, bit for bit.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS period_end
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), lat AS (
    SELECT p.k, x.kind, x.path, x.p
    FROM periods p
    CROSS JOIN LATERAL (
        SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]::float8[]) WITHIN GROUP (ORDER BY l.s)
                   FILTER (WHERE l.kind = 'preview' AND l.path = 'legacy') AS preview_legacy,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]::float8[]) WITHIN GROUP (ORDER BY l.s)
                   FILTER (WHERE l.kind = 'preview' AND l.path = 'owned') AS preview_owned,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]::float8[]) WITHIN GROUP (ORDER BY l.s)
                   FILTER (WHERE l.kind = 'export' AND l.path = 'legacy') AS export_legacy,
               percentile_cont(ARRAY[0.5, 0.95, 0.99]::float8[]) WITHIN GROUP (ORDER BY l.s)
                   FILTER (WHERE l.kind = 'export' AND l.path = 'owned') AS export_owned
        FROM (SELECT j.kind, j.path,
                     CASE WHEN d.d >= interval '0' AND d.d < interval '1 day' THEN date_part('epoch', d.d)
                          ELSE extract(epoch FROM d.d)::float8 END AS s
              FROM jobs j CROSS JOIN LATERAL (SELECT j.finished_at - j.enqueued_at AS d) d
              WHERE j.status = 'succeeded' AND j.drill_id IS NULL
                AND j.finished_at >= p.period_start AND j.finished_at < p.period_end) l
    ) a
    CROSS JOIN LATERAL (VALUES ('preview', 'legacy', a.preview_legacy), ('preview', 'owned', a.preview_owned),
                               ('export', 'legacy', a.export_legacy), ('export', 'owned', a.export_owned))
        AS x (kind, path, p)
)
SELECT p.period_start,
       kd.kind::text AS kind,
       v.path::text AS path,
       st.stat::text AS stat,
       l.p[st.i]::float8 AS value,
       NULL::float8 AS numerator,
       NULL::float8 AS denominator
FROM periods p
CROSS JOIN (VALUES ('preview'), ('export')) AS kd (kind)
CROSS JOIN (VALUES ('legacy'), ('owned')) AS v (path)
CROSS JOIN (VALUES ('p50', 1), ('p95', 2), ('p99', 3)) AS st (stat, i)
LEFT JOIN lat l ON l.k = p.k AND l.kind = kd.kind AND l.path = v.path
ORDER BY p.k, kd.kind, v.path, st.i;
