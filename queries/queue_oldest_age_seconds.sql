-- queue_oldest_age_seconds: max(T - enqueued_at) in seconds over the jobs
-- queued as of T (fragments/queued_jobs.sql finds them, as for
-- queue_backlog), per kind; 0 when none.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH
-- @include fragments/queued_jobs.sql
, q AS (
    SELECT queued.k, queued.kind, min(queued.enqueued_at) AS oldest
    FROM queued
    GROUP BY 1, 2
)
SELECT p.period_start,
       kd.kind::text AS kind,
       coalesce(extract(epoch FROM p.t - q.oldest), 0)::float8 AS value,
       NULL::float8 AS numerator,
       NULL::float8 AS denominator
FROM periods p
CROSS JOIN (VALUES ('preview'), ('export')) AS kd (kind)
LEFT JOIN q ON q.k = p.k AND q.kind = kd.kind
ORDER BY p.k, kd.kind;
