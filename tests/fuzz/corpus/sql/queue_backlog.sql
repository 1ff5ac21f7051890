-- queue_backlog: jobs queued as of T, the end of each period (now for the
-- current one): enqueued before T and neither started nor finished before T
-- (fragments/queued_jobs.sql finds them), counted per kind; 0 when none.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH
-- @include fragments/b.sql
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

--8<--

--8<--
-- fragments/queued_jobs.sql: the jobs queued as of T, the end of each period
-- (now for the current one): enqueued before T and neither started nor
-- finished before T. Written once for queue_backlog.sql and
-- queue_oldest_age_seconds.sql; included with "-- @include" as the first
-- entries of the query's WITH list. It uses the including query's
-- parameters by name: ${from} and ${to}, the window (timestamptz).
--
-- A job is queued during (enqueued_at, open_until], open_until =
-- least(started_at, finished_at) (null while neither is set: still queued).
-- Only two kinds of job can be queued as of some T_k, and an index finds each:
--   long waits (an hour or more, or still queued) still open at the first T:
--     the partial index jobs_long_wait_idx;
--   short waits (under an hour) enqueued in the hour before a T_k (capped at
--     the previous T, which then finds the job first): jobs_enqueued_at_idx.
-- With the T_k in a sorted array, width_bucket (a binary search) gives the
-- first k with T_k > enqueued_at and the first with T_k > open_until: the
-- job is queued as of the T_k in between.
-- Defines: periods (k, period_start, t), arr (ts), and
--   queued (k, kind, enqueued_at): one row per job and period k it is
--   queued at the end of.
periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', ${to}::timestamptz) AS t
    FROM generate_series(${from}::timestamptz, ${to}::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), arr AS (
    SELECT array_agg(t ORDER BY k) AS ts FROM periods
), near AS (
    SELECT greatest(p.t - interval '1 hour', lag(p.t) OVER (ORDER BY p.k)) AS lo, p.t AS hi FROM periods p
), open AS (
    -- the first T is least(from + 1 week, to), the last one is to
    SELECT j.kind, j.enqueued_at, least(j.started_at, j.finished_at) AS until
    FROM jobs j
    WHERE (least(j.started_at, j.finished_at) IS NULL
           OR least(j.started_at, j.finished_at) - j.enqueued_at >= interval '1 hour')
      AND coalesce(least(j.started_at, j.finished_at), 'infinity') >= least(${from}::timestamptz + interval '1 week', ${to}::timestamptz)
      AND j.enqueued_at < ${to}::timestamptz
    UNION ALL
    SELECT j.kind, j.enqueued_at, least(j.started_at, j.finished_at)
    FROM near n
    JOIN jobs j ON j.enqueued_at >= n.lo AND j.enqueued_at < n.hi
    WHERE least(j.started_at, j.finished_at) - j.enqueued_at < interval '1 hour'
), queued AS (
    SELECT s.k, o.kind, o.enqueued_at
    FROM open o
    CROSS JOIN arr a
    CROSS JOIN LATERAL generate_series(width_bucket(o.enqueued_at, a.ts),
                                       coalesce(width_bucket(o.until, a.ts), cardinality(a.ts)) - 1) AS s (k)
)
