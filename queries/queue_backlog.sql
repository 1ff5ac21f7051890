-- queue_backlog: jobs queued as of T, the end of each period (now for the
-- current one): enqueued before T and neither started nor finished before T.
-- Parameters: $1 from, $2 to (timestamptz); $3, $4 unused.
-- A job is queued during (enqueued_at, least(started_at, finished_at)]; the
-- expression index jobs_open_until_idx finds the jobs still open at the first T.
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS t
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), first_t AS (
    SELECT min(t) AS t FROM periods
), q AS (
    SELECT p.k, j.kind, count(*)::float8 AS n
    FROM jobs j
    JOIN periods p ON j.enqueued_at < p.t
                  AND coalesce(least(j.started_at, j.finished_at), 'infinity') >= p.t
    WHERE coalesce(least(j.started_at, j.finished_at), 'infinity') >= (SELECT t FROM first_t)
      AND j.enqueued_at < $2
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
