-- routing_mismatch_critical: routing decisions in the period whose route
-- outcome differs from the provider metadata, except legacy metadata routed
-- to owned for a migrated design (servable). 0 when none.
-- Parameters: $1 from, $2 to (timestamptz); $3, $4 unused.
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), bounds AS (
    SELECT array_agg(period_start ORDER BY k) AS starts FROM periods
), c AS (
    SELECT width_bucket(r.decided_at, b.starts) - 1 AS k, count(*)::float8 AS n
    FROM routing_decisions r CROSS JOIN bounds b
    WHERE r.decided_at >= $1 AND r.decided_at < $2
      AND r.provider_metadata <> r.route_outcome
      AND NOT (r.provider_metadata = 'legacy' AND r.route_outcome = 'owned' AND r.design_migrated)
    GROUP BY 1
)
SELECT p.period_start,
       coalesce(c.n, 0)::float8 AS value,
       NULL::float8 AS numerator,
       NULL::float8 AS denominator
FROM periods p
LEFT JOIN c ON c.k = p.k
ORDER BY p.k;
