-- job_latency_seconds: continuous percentiles (p50, p95, p99) of
-- finished_at - enqueued_at in seconds, per kind and path, over non-drill
-- succeeded jobs that finished in the period.
-- Parameters: $1 from, $2 to (timestamptz); $3, $4 unused.
-- No such job: value null (no_data).
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), bounds AS (
    SELECT array_agg(period_start ORDER BY k) AS starts FROM periods
), lat AS (
    SELECT width_bucket(j.finished_at, b.starts) - 1 AS k, j.kind, j.path,
           percentile_cont(ARRAY[0.5, 0.95, 0.99]::float8[])
               WITHIN GROUP (ORDER BY extract(epoch FROM j.finished_at - j.enqueued_at)::float8) AS p
    FROM jobs j CROSS JOIN bounds b
    WHERE j.status = 'succeeded' AND j.drill_id IS NULL
      AND j.finished_at >= $1 AND j.finished_at < $2
    GROUP BY 1, 2, 3
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
