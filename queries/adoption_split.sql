-- adoption_split: share of export jobs enqueued in each period, by path.
-- Parameters: $1 from (timestamptz, start of the first period)
--             $2 to   (timestamptz, end of the last period: a week end, or now)
--             $3 active_days, $4 coverage_target (unused here)
-- Periods are consecutive weeks [from + i weeks, least(from + (i+1) weeks, to))
-- in the session TimeZone (kpi sets it to the configured zone).
-- Drill jobs are included: they are real traffic.
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), bounds AS (
    SELECT array_agg(period_start ORDER BY k) AS starts FROM periods
), counts AS (
    SELECT width_bucket(j.enqueued_at, b.starts) - 1 AS k, j.path, count(*)::float8 AS n
    FROM jobs j CROSS JOIN bounds b
    WHERE j.kind = 'export' AND j.enqueued_at >= $1 AND j.enqueued_at < $2
    GROUP BY 1, 2
), totals AS (
    SELECT k, sum(n) AS n FROM counts GROUP BY k
)
SELECT p.period_start,
       v.path::text AS path,
       100.0 * coalesce(c.n, 0) / nullif(t.n, 0) AS value,
       coalesce(c.n, 0)::float8 AS numerator,
       coalesce(t.n, 0)::float8 AS denominator
FROM periods p
CROSS JOIN (VALUES ('legacy'), ('owned')) AS v (path)
LEFT JOIN counts c ON c.k = p.k AND c.path = v.path
LEFT JOIN totals t ON t.k = p.k
ORDER BY p.k, v.path;
