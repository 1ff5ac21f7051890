-- routing_mismatch_rate: all mismatches (provider_metadata <> route_outcome,
-- the servable legacy->owned ones included) / decisions x 100, by the flag
-- layer that decided. No decision by a layer: value null (no_data).
-- Parameters: $1 from, $2 to (timestamptz); $3, $4 unused.
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), bounds AS (
    SELECT array_agg(period_start ORDER BY k) AS starts FROM periods
), c AS (
    SELECT width_bucket(r.decided_at, b.starts) - 1 AS k, r.decided_by,
           count(*) FILTER (WHERE r.provider_metadata <> r.route_outcome)::float8 AS mis,
           count(*)::float8 AS n
    FROM routing_decisions r CROSS JOIN bounds b
    WHERE r.decided_at >= $1 AND r.decided_at < $2
    GROUP BY 1, 2
)
SELECT p.period_start,
       l.layer::text AS decided_by,
       100.0 * c.mis / nullif(c.n, 0) AS value,
       coalesce(c.mis, 0)::float8 AS numerator,
       coalesce(c.n, 0)::float8 AS denominator
FROM periods p
CROSS JOIN (VALUES (1, 'environment'), (2, 'tenant'), (3, 'style'), (4, 'user'), (5, 'default'))
    AS l (ord, layer)
LEFT JOIN c ON c.k = p.k AND c.decided_by = l.layer
ORDER BY p.k, l.ord;
