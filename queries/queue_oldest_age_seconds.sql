-- queue_oldest_age_seconds: max(T - enqueued_at) in seconds over the jobs
-- queued as of T (see queue_backlog.sql); 0 when none.
-- Parameters: $1 from, $2 to (timestamptz); $3, $4 unused.
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS t
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
                         interval '1 week') WITH ORDINALITY AS g (ws, k)
), first_t AS (
    SELECT min(t) AS t FROM periods
), q AS (
    SELECT p.k, j.kind, extract(epoch FROM max(p.t - j.enqueued_at))::float8 AS age
    FROM jobs j
    JOIN periods p ON j.enqueued_at < p.t
                  AND coalesce(least(j.started_at, j.finished_at), 'infinity') >= p.t
    WHERE coalesce(least(j.started_at, j.finished_at), 'infinity') >= (SELECT t FROM first_t)
      AND j.enqueued_at < $2
    GROUP BY 1, 2
)
SELECT p.period_start,
       kd.kind::text AS kind,
       coalesce(q.age, 0)::float8 AS value,
       NULL::float8 AS numerator,
       NULL::float8 AS denominator
FROM periods p
CROSS JOIN (VALUES ('preview'), ('export')) AS kd (kind)
LEFT JOIN q ON q.k = p.k AND q.kind = kd.kind
ORDER BY p.k, kd.kind;
