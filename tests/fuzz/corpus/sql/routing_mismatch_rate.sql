-- routing_mismatch_rate: all mismatches (provider_metadata <> route_outcome,
-- the servable legacy->owned ones included) / decisions x 100, by the flag
-- layer that decided. No decision by a layer: value null (no_data).
-- One index range scan per period (routing_decisions_decided_at_idx holds
-- every column it needs), counted per layer with FILTER: no grouping.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS period_end
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), counts AS (
    SELECT p.k, p.period_start, c.*
    FROM periods p
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE r.decided_by = 'environment' AND r.provider_metadata <> r.route_outcome)::float8 AS environment_mis,
               count(*) FILTER (WHERE r.decided_by = 'environment')::float8 AS environment_n,
               count(*) FILTER (WHERE r.decided_by = 'tenant' AND r.provider_metadata <> r.route_outcome)::float8 AS tenant_mis,
               count(*) FILTER (WHERE r.decided_by = 'tenant')::float8 AS tenant_n,
               count(*) FILTER (WHERE r.decided_by = 'style' AND r.provider_metadata <> r.route_outcome)::float8 AS style_mis,
               count(*) FILTER (WHERE r.decided_by = 'style')::float8 AS style_n,
               count(*) FILTER (WHERE r.decided_by = 'user' AND r.provider_metadata <> r.route_outcome)::float8 AS user_mis,
               count(*) FILTER (WHERE r.decided_by = 'user')::float8 AS user_n,
               count(*) FILTER (WHERE r.decided_by = 'default' AND r.provider_metadata <> r.route_outcome)::float8 AS default_mis,
               count(*) FILTER (WHERE r.decided_by = 'default')::float8 AS default_n
        FROM routing_decisions r
        WHERE r.decided_at >= p.period_start AND r.decided_at < p.period_end
    ) c
)
SELECT c.period_start,
       l.layer::text AS decided_by,
       100.0 * l.mis / nullif(l.n, 0) AS value,
       l.mis AS numerator,
       l.n AS denominator
FROM counts c
CROSS JOIN LATERAL (VALUES (1, 'environment', c.environment_mis, c.environment_n),
                           (2, 'tenant', c.tenant_mis, c.tenant_n),
                           (3, 'style', c.style_mis, c.style_n),
                           (4, 'user', c.user_mis, c.user_n),
                           (5, 'default', c.default_mis, c.default_n)) AS l (ord, layer, mis, n)
ORDER BY c.k, l.ord;
