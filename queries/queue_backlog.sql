-- queue_backlog: jobs queued as of T, the end of each period (now for the
-- current one): enqueued before T and neither started nor finished before T
-- (fragments/queued_jobs.sql finds them), counted per kind; 0 when none.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH
-- @include fragments/queued_jobs.sql
, q AS (
    SELECT queued.k, queued.kind, count(*)::float8 AS n
    FROM queued
    GROUP BY 1, 2
)
SELECT p.period_start,
       kd.kind::text AS kind,
       coalesce(q.n, 0)::float8 AS value,
       NULL::float8 AS numerator,
       NULL::float8 AS denominator
FROM periods p
CROSS JOIN (VALUES ('preview'), ('export')) AS kd (kind)
LEFT JOIN q ON q.k = p.k AND q.kind = kd.kind
ORDER BY p.k, kd.kind;
