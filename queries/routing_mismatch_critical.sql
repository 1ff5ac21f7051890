-- routing_mismatch_critical: routing decisions in the period whose route
-- outcome differs from the provider metadata, except legacy metadata routed
-- to owned for a migrated design (servable). 0 when none.
-- One index range scan per period over routing_decisions_critical_idx, a
-- partial index of the critical mismatches only (normally none).
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS period_end
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
)
SELECT p.period_start,
       c.n AS value,
       NULL::float8 AS numerator,
       NULL::float8 AS denominator
FROM periods p
CROSS JOIN LATERAL (
    SELECT count(*)::float8 AS n
    FROM routing_decisions r
    WHERE r.decided_at >= p.period_start AND r.decided_at < p.period_end
      AND r.provider_metadata <> r.route_outcome
      AND NOT (r.provider_metadata = 'legacy' AND r.route_outcome = 'owned' AND r.design_migrated)
) c
ORDER BY p.k;
