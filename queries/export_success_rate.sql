-- export_success_rate: succeeded / (succeeded + failed) x 100 per path over
-- non-drill export jobs that finished in the period with one of those statuses.
-- Parameters: $1 from, $2 to (timestamptz); $3, $4 unused. See adoption_split.sql
-- for the period rules. No finished job on a path: value null (no_data).
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), bounds AS (
    SELECT array_agg(period_start ORDER BY k) AS starts FROM periods
), counts AS (
    SELECT width_bucket(j.finished_at, b.starts) - 1 AS k, j.path,
           count(*) FILTER (WHERE j.status = 'succeeded')::float8 AS ok,
           count(*)::float8 AS n
    FROM jobs j CROSS JOIN bounds b
    WHERE j.kind = 'export' AND j.drill_id IS NULL AND j.status IN ('succeeded', 'failed')
      AND j.finished_at >= $1 AND j.finished_at < $2
    GROUP BY 1, 2
)
SELECT p.period_start,
       v.path::text AS path,
       100.0 * c.ok / nullif(c.n, 0) AS value,
       coalesce(c.ok, 0)::float8 AS numerator,
       coalesce(c.n, 0)::float8 AS denominator
FROM periods p
CROSS JOIN (VALUES ('legacy'), ('owned')) AS v (path)
LEFT JOIN counts c ON c.k = p.k AND c.path = v.path
ORDER BY p.k, v.path;
