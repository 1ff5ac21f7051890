-- adoption_split: share of export jobs enqueued in each period, by path.
-- Periods are consecutive weeks [from + i weeks, least(from + (i+1) weeks, to))
-- in the session TimeZone (kpi sets it to the configured zone).
-- Drill jobs are included: they are real traffic.
-- One index range scan per period (jobs_export_enqueued_idx holds every
-- column it needs), counted per path with FILTER: no grouping of the jobs.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS period_end
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), counts AS (
    SELECT p.k, p.period_start, c.legacy, c.owned
    FROM periods p
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE j.path = 'legacy')::float8 AS legacy,
               count(*) FILTER (WHERE j.path = 'owned')::float8 AS owned
        FROM jobs j
        WHERE j.kind = 'export' AND j.enqueued_at >= p.period_start AND j.enqueued_at < p.period_end
    ) c
)
SELECT c.period_start,
       v.path::text AS path,
       100.0 * v.n / nullif(c.legacy + c.owned, 0) AS value,
       v.n AS numerator,
       c.legacy + c.owned AS denominator
FROM counts c
CROSS JOIN LATERAL (VALUES ('legacy', c.legacy), ('owned', c.owned)) AS v (path, n)
ORDER BY c.k, v.path;
