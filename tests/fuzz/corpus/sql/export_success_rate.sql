-- export_success_rate: succeeded / (succeeded + failed) x 100 per path over
-- non-drill export jobs that finished in the period with one of those statuses.
-- See adoption_split.sql for the period rules. No finished job on a path:
-- value null (no_data).
-- One index range scan per period (jobs_export_finished_idx holds every
-- column it needs), counted per path with FILTER: no grouping of the jobs.
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
        SELECT count(*) FILTER (WHERE j.path = 'legacy' AND j.status = 'succeeded')::float8 AS legacy_ok,
               count(*) FILTER (WHERE j.path = 'legacy')::float8 AS legacy_n,
               count(*) FILTER (WHERE j.path = 'owned' AND j.status = 'succeeded')::float8 AS owned_ok,
               count(*) FILTER (WHERE j.path = 'owned')::float8 AS owned_n
        FROM jobs j
        WHERE j.kind = 'export' AND j.drill_id IS NULL AND j.status IN ('succeeded', 'failed')
          AND j.finished_at >= p.period_start AND j.finished_at < p.period_end
    ) c
)
SELECT c.period_start,
       v.path::text AS path,
       100.0 * v.ok / nullif(v.n, 0) AS value,
       v.ok AS numerator,
       v.n AS denominator
FROM counts c
CROSS JOIN LATERAL (VALUES ('legacy', c.legacy_ok, c.legacy_n), ('owned', c.owned_ok, c.owned_n)) AS v (path, ok, n)
ORDER BY c.k, v.path;
