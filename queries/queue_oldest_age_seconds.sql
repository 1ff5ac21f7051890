-- queue_oldest_age_seconds: max(T - enqueued_at) in seconds over the jobs
-- queued as of T (see queue_backlog.sql, which finds them the same way); 0
-- when none.
-- @param $1 from timestamptz: start of the first period
-- @param $2 to timestamptz: end of the last period (a week's end, or now)
WITH periods AS (
    SELECT (g.k - 1)::int AS k, g.ws AS period_start,
           least(g.ws + interval '1 week', $2::timestamptz) AS t
    FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond',
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
      AND coalesce(least(j.started_at, j.finished_at), 'infinity') >= least($1::timestamptz + interval '1 week', $2::timestamptz)
      AND j.enqueued_at < $2::timestamptz
    UNION ALL
    SELECT j.kind, j.enqueued_at, least(j.started_at, j.finished_at)
    FROM near n
    JOIN jobs j ON j.enqueued_at >= n.lo AND j.enqueued_at < n.hi
    WHERE least(j.started_at, j.finished_at) - j.enqueued_at < interval '1 hour'
), q AS (
    SELECT s.k, o.kind, min(o.enqueued_at) AS oldest
    FROM open o
    CROSS JOIN arr a
    CROSS JOIN LATERAL generate_series(width_bucket(o.enqueued_at, a.ts),
                                       coalesce(width_bucket(o.until, a.ts), cardinality(a.ts)) - 1) AS s (k)
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
