-- routing_mismatch_rate: all mismatches (provider_metadata <> route_outcome,
-- the servable legacy->owned ones included) / decisions x 100, by the flag
-- layer that decided. No decision by a layer: value null (no_data).
-- Per period and layer two counts, each one index range scan whose entries
-- are only counted: the decisions from routing_decisions_layer_idx
-- (decided_by, decided_at), the mismatches from the partial
-- routing_decisions_layer_mismatch_idx. No row is grouped or compared: a
-- third less CPU at scale 1000 than one scan per period grouped by layer,
-- the same rows (docs/performance.md).
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS period_end
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), layers (ord, layer) AS (
    VALUES (1, 'environment'), (2, 'tenant'), (3, 'style'), (4, 'user'), (5, 'default')
)
SELECT p.period_start,
       l.layer::text AS decided_by,
       100.0 * c.mis / nullif(c.n, 0) AS value,
       c.mis AS numerator,
       c.n AS denominator
FROM periods p
CROSS JOIN layers l
CROSS JOIN LATERAL (
    SELECT (SELECT count(*) FROM routing_decisions r
            WHERE r.decided_by = l.layer AND r.decided_at >= p.period_start AND r.decided_at < p.period_end)::float8 AS n,
           (SELECT count(*) FROM routing_decisions r
            WHERE r.decided_by = l.layer AND r.decided_at >= p.period_start AND r.decided_at < p.period_end
              AND r.provider_metadata <> r.route_outcome)::float8 AS mis
    OFFSET 0 -- each count once (not once per use in the select list)
) c
ORDER BY p.k, l.ord;
