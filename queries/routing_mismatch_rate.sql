-- routing_mismatch_rate: all mismatches (provider_metadata <> route_outcome,
-- the servable legacy->owned ones included) / decisions x 100, by the flag
-- layer that decided. No decision by a layer: value null (no_data).
-- One index range scan per period (routing_decisions_decided_at_idx holds
-- every column it needs), grouped by layer in a hash of five entries (one
-- text hash and one comparison a row, where a FILTER per layer and count
-- compared each row's layer ten times: 28 % less CPU at scale 1000, the same
-- rows; docs/performance.md); the periods x layers grid is completed after.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS period_end
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), counts AS (
    SELECT p.k, c.decided_by, c.mis, c.n
    FROM periods p
    CROSS JOIN LATERAL (
        SELECT r.decided_by,
               count(*) FILTER (WHERE r.provider_metadata <> r.route_outcome)::float8 AS mis,
               count(*)::float8 AS n
        FROM routing_decisions r
        WHERE r.decided_at >= p.period_start AND r.decided_at < p.period_end
        GROUP BY r.decided_by
    ) c
)
SELECT p.period_start,
       l.layer::text AS decided_by,
       100.0 * coalesce(c.mis, 0) / nullif(coalesce(c.n, 0), 0) AS value,
       coalesce(c.mis, 0) AS numerator,
       coalesce(c.n, 0) AS denominator
FROM periods p
CROSS JOIN (VALUES (1, 'environment'), (2, 'tenant'), (3, 'style'), (4, 'user'), (5, 'default')) AS l (ord, layer)
LEFT JOIN counts c ON c.k = p.k AND c.decided_by = l.layer
ORDER BY p.k, l.ord;
