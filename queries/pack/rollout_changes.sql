-- rollout_changes: the audited rollout flag changes in the pack's window
-- [from, T), for the charts' vertical markers and the drill-down sheet. The
-- newest max_rows ($3) of them (a runaway flag must not flood the pack), oldest first
-- (ties by id); `total` counts every change in the window, before the limit.
-- changed_at is whole UTC seconds since the epoch (floored).
-- @param $1 from timestamptz: the window's start
-- @param $2 to timestamptz: T, its end (or now)
-- @param $3 max_rows int: how many rows at most
-- Columns: id bigint, changed_at bigint, layer, key text, old_value,
--          new_value text NULL, actor text, total bigint.
SELECT c.id, floor(extract(epoch FROM c.changed_at))::bigint AS changed_at,
       c.layer, c.key, c.old_value, c.new_value, c.actor, c.total
FROM (
    SELECT rc.*, count(*) OVER () AS total
    FROM rollout_changes rc
    WHERE rc.changed_at >= $1::timestamptz AND rc.changed_at < $2::timestamptz
    ORDER BY rc.changed_at DESC, rc.id DESC
    LIMIT $3::int
) c
ORDER BY c.changed_at, c.id;
