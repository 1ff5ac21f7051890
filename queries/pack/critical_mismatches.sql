-- critical_mismatches: the critical routing mismatches of the pack's last
-- week, newest first (ties by id): decisions whose route outcome differs from
-- the provider metadata, except legacy metadata routed to owned for a
-- migrated design (servable) — the rule of routing_mismatch_critical.sql, so
-- `total` (every such decision, before the limit) equals that KPI's value for
-- the week. decided_at is whole UTC seconds since the epoch (floored).
-- @param $1 from timestamptz: the week's start
-- @param $2 to timestamptz: T, its end (or now)
-- @param $3 max_rows int: how many rows at most
-- Columns: id bigint, decided_at bigint, design_id bigint, environment,
--          tenant_id, style_id, user_id, decided_by, provider_metadata,
--          route_outcome text, design_migrated boolean, total bigint.
SELECT r.id, floor(extract(epoch FROM r.decided_at))::bigint AS decided_at, r.design_id,
       r.environment, r.tenant_id, r.style_id, r.user_id, r.decided_by,
       r.provider_metadata, r.route_outcome, r.design_migrated,
       count(*) OVER () AS total
FROM routing_decisions r
WHERE r.decided_at >= $1::timestamptz AND r.decided_at < $2::timestamptz
  AND r.provider_metadata <> r.route_outcome
  AND NOT (r.provider_metadata = 'legacy' AND r.route_outcome = 'owned' AND r.design_migrated)
ORDER BY r.decided_at DESC, r.id DESC
LIMIT $3::int;
