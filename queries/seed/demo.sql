-- The demo dataset: the owned-path rollout told over ISO weeks 2026-W35 ..
-- 2026-W46 (UTC, Monday 2026-08-24 .. Sunday 2026-11-15), with history from
-- 2026-05 (designs, events, owned revisions and artifacts) and jobs from
-- 2026-06-01 (W23). Loaded by `kpi seed demo [--reset]` after schema.sql, in
-- one multi-statement script; deterministic (hash-based pseudo-randomness,
-- no random()), loads in about 10 s. 4,700 designs, 51,000 design events,
-- 9,500 revisions, 10,100 artifacts, 83,600 jobs, 83,000 routing decisions,
-- 5 outage drills, 45 rollout changes.
--
-- The story (T = the week's end, Monday 00:00 UTC; state KPIs are as of T).
-- Values as `kpi query all --week 2026-W46 --weeks 12 --format json` prints
-- them (gating KPIs; ok unless marked):
--
--  week     verdict  what happens
--  2026-W35 HOLD     Owned path at 4.7 % of exports (pilot tenant hooli since
--                    May, acme since July, globex from Mon 08-24). The legacy
--                    revision history is not imported yet: no legacy design has
--                    a revision, the active legacy cohort is empty, so
--                    legacy_coverage_pct is null -> no_data, policy block ->
--                    HOLD. Uncached age 0. No drill: outage_drill no_data (does
--                    not block). The style layer decides nothing yet
--                    (routing_mismatch_rate{style} no_data, informational).
--  2026-W36 HOLD     Still no cohort (no_data -> HOLD). Owned export success
--                    99.03 % (1 failure in 103: warn). Dry-run drill #1, Wed
--                    09-02: nothing is cached, every drill export fails (0 %),
--                    but with no cohort at its start: not_applicable. Style flag
--                    gold-foil pinned to legacy (Tue 09-01).
--  2026-W37 NO-GO    Mon 09-07 01:00 .. Wed 00:00 the import creates revision 1
--                    of every legacy design; on-demand cache and pregenerator
--                    start. Coverage 50.66 % (breach); uncached age 6.96 d
--                    (warn: Monday's imports). Drill #2, Thu 09-10, at ~13 %
--                    coverage: 22.5 % succeed -> not_applicable.
--  2026-W38 NO-GO    Backfill: coverage 80.29 % (breach), uncached age 13.95 d
--                    (breach). Fri 09-18 14:02 deploy-bot syncs a stale config:
--                    tenant acme owned -> legacy until Sat 10:05; acme's owned
--                    designs are routed to legacy: 29 critical routing
--                    mismatches (breach), their exports fail there (legacy
--                    export success 98.56 %, breach). Sun 18:00 .. Mon 02:00 the
--                    legacy renderer is down: backlog at T 101 exports / 69
--                    previews, oldest ~6 h (informational).
--  2026-W39 NO-GO    Coverage 93.21 % (breach), uncached age 20.95 d (breach).
--                    The outage's jobs finish Monday: latency p95/p99 spike.
--  2026-W40 NO-GO    Backfill done Fri 10-02 00:00. Tenant northwind restyles its
--                    catalogue Thu..Sun and the pregenerator lags up to 7 days:
--                    coverage 95.81 % (warn), uncached age 3.51 d. Drill #3, Fri
--                    10-02 14:00, coverage >= 95 % at its start so the target
--                    applies: 6 of 120 drill exports hit restyled, uncached
--                    designs -> 95 % (breach).
--  2026-W41 GO       Migrations start (hooli; servable legacy->owned routing
--                    mismatches from now on). Legacy export success 99.33 %
--                    (warn: vendor timeouts). Warnings do not stop a GO.
--  2026-W42 NO-GO    Tue 10-13 10:00 style flag vintage-poster -> owned (meant for
--                    staging) until Fri 16:00: unmigrated legacy designs of that
--                    style are routed to owned: 35 critical mismatches (breach);
--                    most of their exports fail there with FONT_FALLBACK (owned
--                    export success 98.84 %, breach).
--  2026-W43 GO       Drill #4, Wed 10-21: 150 of 150 drill exports succeed (100 %).
--  2026-W44 NO-GO    The on-demand cache entries of W37 reach their 50-day TTL
--                    from Thu 10-29 and the refresh job is broken until Tue 11-03
--                    06:00: designs imported in W37 lose their artifact
--                    (expired_at) - coverage 97.40 %, uncached age 55.78 d
--                    (breach: an incident).
--  2026-W45 GO       Refresh fixed, entries re-pregenerated Tue..Wed. Tenant
--                    initech restyles Mon 10:00 .. Wed 10:00; the saturated
--                    pregenerator lags 6.6 days: coverage 95.50 % (warn),
--                    uncached age 6.57 d (warn). GO with warnings.
--  2026-W46 GO       New designs default to owned (Mon 11-09); owned path at
--                    69.6 % of exports. Drill #5, Wed 11-11: 160 of 160 (100 %).
--                    Three owned exports stuck in 'queued' since Fri 11-13
--                    (backlog 63 exports at T, oldest 2.35 d); two still running.
--
-- Statuses: ok everywhere else; warn W36, W37, W40, W41, W45; breach W37..W40,
-- W42, W44; no_data W35, W36 (coverage, blocking), drill no_data in weeks
-- without a drill, style mismatch rate W35; not_applicable W36, W37.
--
-- Every week: both paths run preview and export jobs (p50 < p95 < p99); the
-- Sunday-night catalogue batch (60 exports, 23:52..23:59) is picked up after
-- midnight, so each week ends with a queue backlog; routing decisions come
-- from every flag layer (environment = staging designs, tenant = designs of
-- tenants with a flag, style = gold-foil / vintage-poster flags, user = beta
-- users, default = the rest).
SET TimeZone = 'UTC';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM designs) OR EXISTS (SELECT 1 FROM jobs) THEN
        RAISE EXCEPTION 'the reference tables are not empty: use kpi seed demo --reset';
    END IF;
END $$;

-- u(salt, k): a deterministic pseudo-random number in [0, 1).
CREATE FUNCTION pg_temp.u(salt text, k bigint) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ((('x' || substr(md5(salt || ':' || k::text), 1, 8))::bit(32)::int)::float8 + 2147483648.0)
                 / 4294967296.0 $$;
-- ex(u): exponentially distributed with mean 1.
CREATE FUNCTION pg_temp.ex(u float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT -ln(1.0 - u) $$;

-- Tenants: when the tenant flag turned owned (new designs are owned from then
-- on) and when its legacy designs were migrated (a 10-day wave).
CREATE TEMP TABLE t_tenant (ord int, name text, enabled_at timestamptz, migrate_from timestamptz);
INSERT INTO t_tenant VALUES
    (1, 'hooli',     '2026-05-04 09:30', '2026-10-05 08:00'),
    (2, 'acme',      '2026-07-20 10:00', '2026-10-12 08:00'),
    (3, 'globex',    '2026-08-24 09:00', '2026-10-19 08:00'),
    (4, 'contoso',   '2026-09-14 09:00', '2026-10-26 08:00'),
    (5, 'stark',     '2026-09-28 09:00', '2026-11-02 08:00'),
    (6, 'wayne',     '2026-10-12 09:00', NULL),
    (7, 'umbrella',  '2026-10-19 09:00', NULL),
    (8, 'soylent',   '2026-10-26 09:00', NULL),
    (9, 'tyrell',    '2026-11-02 09:00', NULL),
    (10, 'wonka',    '2026-11-02 09:15', NULL),
    (11, 'northwind', NULL, NULL),
    (12, 'initech',  NULL, NULL);

-- Designs. Three groups, then ids in creation order:
--   legacy, imported: 2,600 created 2024-11-01 .. 2026-09-06 on the vendor side
--   legacy, live:       300 created after the import (Mon 09-07 01:00 .. 11-08),
--                           fewer and fewer as tenants move to owned
--   owned:            1,800 created 2026-05-04 .. 2026-11-15, more and more
CREATE TEMP TABLE t_d AS
WITH raw AS (
    SELECT 'imp' AS grp, k,
           timestamptz '2024-11-01' + ((k - 1) + pg_temp.u('c', k)) / 2600.0
               * (timestamptz '2026-09-06 22:00' - timestamptz '2024-11-01') AS created_at
    FROM generate_series(1, 2600) k
    UNION ALL
    SELECT 'live', k,
           timestamptz '2026-09-07 01:00' + power(((k - 1) + pg_temp.u('c', 10000 + k)) / 300.0, 2)
               * (timestamptz '2026-11-08 18:00' - timestamptz '2026-09-07 01:00')
    FROM generate_series(1, 300) k
    UNION ALL
    SELECT 'owned', k,
           timestamptz '2026-05-04 10:00' + sqrt(((k - 1) + pg_temp.u('c', 20000 + k)) / 1800.0)
               * (timestamptz '2026-11-15 20:00' - timestamptz '2026-05-04 10:00')
    FROM generate_series(1, 1800) k
)
SELECT row_number() OVER (ORDER BY created_at, grp, k) AS id, grp, created_at
FROM raw;

ALTER TABLE t_d ADD COLUMN provider text, ADD COLUMN tenant text, ADD COLUMN style text,
    ADD COLUMN user_id text, ADD COLUMN environment text, ADD COLUMN active boolean,
    ADD COLUMN act_from timestamptz, ADD COLUMN act_end timestamptz, ADD COLUMN ival interval,
    ADD COLUMN rev1_at timestamptz, ADD COLUMN migrated_at timestamptz;

UPDATE t_d SET
    provider = CASE WHEN grp = 'owned' THEN 'owned' ELSE 'legacy' END,
    style = (ARRAY['classic', 'modern', 'vintage-poster', 'minimal', 'bold', 'pastel', 'monochrome',
                   'retro', 'floral', 'geometric', 'kraft', 'neon', 'watercolor', 'gold-foil',
                   'chalkboard'])[1 + floor(pg_temp.u('style', id) * 15)::int],
    user_id = 'u' || (1000 + floor(pg_temp.u('user', id) * 900)::int),
    environment = CASE WHEN pg_temp.u('env', id) < 0.05 THEN 'staging' ELSE 'production' END,
    ival = (5 + 13 * pg_temp.u('ival', id)) * interval '1 day';

-- Legacy designs belong to any tenant; owned ones to a tenant enabled when
-- they were created.
UPDATE t_d d SET tenant = t.name
FROM t_tenant t
WHERE d.provider = 'legacy' AND t.ord = 1 + floor(pg_temp.u('tenant', d.id) * 12)::int;
UPDATE t_d d SET tenant = (SELECT t.name FROM t_tenant t WHERE t.enabled_at <= d.created_at
                           ORDER BY t.ord
                           OFFSET floor(pg_temp.u('tenant', d.id)
                                        * (SELECT count(*) FROM t_tenant t2 WHERE t2.enabled_at <= d.created_at))::int
                           LIMIT 1)
WHERE d.provider = 'owned';

-- Activity: 72 % of the imported designs are active (12 % of those stop being
-- used between June and October), the live ones all, owned ones 85 %. An
-- active design has an event every 5..18 days from May (or its creation) on;
-- a dormant one only in its first month.
UPDATE t_d SET
    active = CASE grp WHEN 'imp' THEN pg_temp.u('active', id) < 0.72
                      WHEN 'live' THEN true
                      ELSE pg_temp.u('active', id) < 0.85 END;
UPDATE t_d SET
    act_from = CASE WHEN active THEN greatest(created_at, timestamptz '2026-05-01') ELSE created_at END,
    act_end = CASE WHEN NOT active THEN created_at + interval '30 days'
                   WHEN grp = 'imp' AND pg_temp.u('churn', id) < 0.12
                       THEN timestamptz '2026-06-01' + pg_temp.u('churn_at', id) * interval '140 days'
                   ELSE timestamptz '2026-11-16' END;

-- Revision 1: imported Mon 09-07 01:00 .. Wed 09-09 00:00 for designs created
-- before the import, a minute after creation for the others.
UPDATE t_d SET rev1_at = CASE WHEN grp = 'imp'
                              THEN timestamptz '2026-09-07 01:00' + pg_temp.u('import', id) * interval '47 hours'
                              ELSE created_at + (30 + 60 * pg_temp.u('rev1', id)) * interval '1 second' END;

-- Migrations: 55 % of the active legacy designs of the first five owned
-- tenants, in a 10-day wave per tenant from W41 on.
UPDATE t_d d SET migrated_at = t.migrate_from + pg_temp.u('mig_at', d.id) * interval '10 days'
FROM t_tenant t
WHERE d.grp = 'imp' AND d.active AND d.act_end >= timestamptz '2026-11-16' AND d.tenant = t.name
  AND t.migrate_from IS NOT NULL AND pg_temp.u('mig', d.id) < 0.55;

INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at, migrated_at)
SELECT id, tenant, style, user_id, environment, provider, created_at, migrated_at
FROM t_d ORDER BY id;

-- Design events: 'created', then the activity described above. Two catalogue
-- restyles add edits: northwind Wed 09-30 08:00 .. Sun 10-04 20:00 (W40) and
-- initech Mon 11-02 10:00 .. Sun 11-08 10:00 (W45).
CREATE TEMP TABLE t_ev AS
SELECT d.id AS design_id, d.created_at AS at, 'created'::text AS kind, NULL::text AS surge
FROM t_d d
UNION ALL
SELECT d.id, e.at,
       CASE WHEN x < 0.45 THEN 'viewed' WHEN x < 0.65 THEN 'edited' WHEN x < 0.90 THEN 'exported'
            ELSE 'ordered' END,
       NULL
FROM t_d d
CROSS JOIN LATERAL (
    SELECT d.act_from + (n - 0.7 + 0.7 * pg_temp.u('ev', d.id * 64 + n)) * d.ival AS at,
           pg_temp.u('kind', d.id * 64 + n) AS x
    FROM generate_series(1, 45) n
) e
WHERE e.at > d.created_at AND e.at < least(d.act_end, timestamptz '2026-11-16')
UNION ALL
SELECT d.id, timestamptz '2026-10-01 06:00' + pg_temp.u('nw_at', d.id) * interval '86 hours', 'edited', 'northwind'
FROM t_d d
WHERE d.tenant = 'northwind' AND d.grp = 'imp' AND d.active AND d.act_end >= timestamptz '2026-11-16'
  AND pg_temp.u('nw', d.id) < 0.95
UNION ALL
SELECT d.id, timestamptz '2026-11-02 10:00' + pg_temp.u('in_at', d.id) * interval '2 days', 'edited', 'initech'
FROM t_d d
WHERE d.tenant = 'initech' AND d.grp = 'imp' AND d.active AND d.act_end >= timestamptz '2026-11-16'
  AND pg_temp.u('in', d.id) < 0.75;

INSERT INTO design_events (design_id, at, kind)
SELECT design_id, at, kind FROM t_ev ORDER BY at, design_id;

-- Revisions: revision 1 (above), then one per edit after it.
CREATE TEMP TABLE t_rev AS
SELECT d.id AS design_id, 1 AS revision, d.rev1_at AS created_at, NULL::text AS surge
FROM t_d d
UNION ALL
SELECT e.design_id, 1 + row_number() OVER (PARTITION BY e.design_id ORDER BY e.at)::int, e.at, e.surge
FROM t_ev e JOIN t_d d ON d.id = e.design_id
WHERE e.kind = 'edited' AND e.at > d.rev1_at + interval '1 hour';
ALTER TABLE t_rev ADD COLUMN next_at timestamptz;
UPDATE t_rev r SET next_at = n.created_at
FROM t_rev n WHERE n.design_id = r.design_id AND n.revision = r.revision + 1;

INSERT INTO decoration_revisions (design_id, revision, created_at)
SELECT design_id, revision, created_at FROM t_rev ORDER BY created_at, design_id;

-- Artifacts. Revision 1 of an imported design: the backfill curve - 45 % by
-- Mon 09-14 (on-demand cache and the pregenerator's first batch), 74 % by
-- 09-21, 91 % by 09-28, all by Fri 10-02. Any other revision: cached or
-- pregenerated 5 min .. 40 h after it; northwind's restyle 2 h .. 4.7 d after,
-- initech's 6.6 d after (the pregenerator's queue is saturated).
-- 'cached' artifacts expire after 50 days (the cache TTL); a pregenerated
-- artifact is garbage-collected 7 days after its revision is superseded.
CREATE TEMP TABLE t_art AS
SELECT r.design_id, r.revision, r.next_at,
       CASE WHEN d.grp = 'imp' AND r.revision = 1 THEN
                CASE WHEN b < 0.45 THEN timestamptz '2026-09-09' + (b / 0.45) * interval '5 days'
                     WHEN b < 0.74 THEN timestamptz '2026-09-14' + ((b - 0.45) / 0.29) * interval '7 days'
                     WHEN b < 0.91 THEN timestamptz '2026-09-21' + ((b - 0.74) / 0.17) * interval '7 days'
                     ELSE timestamptz '2026-09-28' + ((b - 0.91) / 0.09) * interval '4 days' END
            WHEN r.surge = 'northwind' THEN r.created_at + interval '2 hours' + l * interval '7 days'
            WHEN r.surge = 'initech' THEN r.created_at + interval '6.6 days' + l * interval '30 minutes'
            ELSE r.created_at + least(interval '5 minutes' + pg_temp.ex(l) * interval '5 hours', interval '40 hours')
       END AS created_at,
       CASE WHEN d.grp = 'imp' AND r.revision = 1 THEN
                CASE WHEN b < 0.45 AND pg_temp.u('src', d.id) < 0.15 THEN 'cached' ELSE 'pregenerated' END
            WHEN r.surge IS NOT NULL THEN 'pregenerated'
            WHEN pg_temp.u('src', d.id * 64 + r.revision) < 0.4 THEN 'cached'
            ELSE 'pregenerated' END AS source
FROM t_rev r
JOIN t_d d ON d.id = r.design_id
CROSS JOIN LATERAL (SELECT pg_temp.u('backfill', d.id) AS b,
                           pg_temp.u('lag', d.id * 64 + r.revision) AS l) x;
-- (the pregenerator skips revisions superseded before their turn)
DELETE FROM t_art WHERE created_at >= timestamptz '2026-11-16' OR next_at <= created_at;
ALTER TABLE t_art ADD COLUMN expired_at timestamptz;
UPDATE t_art SET expired_at = CASE WHEN source = 'cached' THEN created_at + interval '50 days'
                                   ELSE next_at + interval '7 days' END;

-- The refresh job re-pregenerates a cached artifact a day before it expires
-- while its revision is still the latest, except from Thu 10-29 until it was
-- fixed on Tue 11-03 06:00: those entries were regenerated Tue..Wed.
INSERT INTO t_art (design_id, revision, next_at, created_at, source, expired_at)
SELECT a.design_id, a.revision, a.next_at,
       CASE WHEN a.expired_at >= timestamptz '2026-10-29' AND a.expired_at < timestamptz '2026-11-03 06:00'
            THEN timestamptz '2026-11-03 06:00' + pg_temp.u('refresh', a.design_id * 64 + a.revision) * interval '30 hours'
            ELSE a.expired_at - interval '1 day' END,
       'pregenerated', a.next_at + interval '7 days'
FROM t_art a JOIN t_d d ON d.id = a.design_id
WHERE a.source = 'cached' AND a.expired_at < timestamptz '2026-11-16'
  AND (a.next_at IS NULL OR a.next_at > a.expired_at)
  AND (d.migrated_at IS NULL OR d.migrated_at > a.expired_at);

-- Migration carries the latest revision's artifact over to the owned store.
INSERT INTO t_art (design_id, revision, next_at, created_at, source, expired_at)
SELECT d.id, r.revision, r.next_at, d.migrated_at + interval '5 minutes', 'migrated', NULL
FROM t_d d
JOIN t_rev r ON r.design_id = d.id AND r.created_at < d.migrated_at
            AND (r.next_at IS NULL OR r.next_at >= d.migrated_at)
WHERE d.migrated_at + interval '5 minutes' < timestamptz '2026-11-16';

UPDATE t_art SET expired_at = NULL WHERE expired_at >= timestamptz '2026-11-16';

INSERT INTO export_artifacts (design_id, revision, source, created_at, expired_at, sha256)
SELECT design_id, revision, source, created_at, expired_at,
       CASE WHEN source <> 'migrated'
            THEN encode(sha256(convert_to(design_id || '/' || revision || '/' || created_at, 'UTF8')), 'hex') END
FROM t_art ORDER BY created_at, design_id;

-- Outage drills (the legacy vendor is cut off; legacy exports must be served
-- from cached or pregenerated artifacts).
INSERT INTO outage_drills (id, name, started_at, ended_at) VALUES
    (1, 'dry run: vendor outage, staging replay', '2026-09-02 10:00', '2026-09-02 11:00'),
    (2, 'vendor outage drill #1',                 '2026-09-10 10:00', '2026-09-10 12:00'),
    (3, 'vendor outage drill #2',                 '2026-10-02 14:00', '2026-10-02 16:00'),
    (4, 'vendor outage drill #3',                 '2026-10-21 14:00', '2026-10-21 16:00'),
    (5, 'vendor outage drill #4',                 '2026-11-11 14:00', '2026-11-11 16:00');

-- Weeks with jobs: 2026-W23 .. 2026-W46. Export volume, owned share of the
-- jobs and the failure rate of non-drill exports per path (by finish week).
CREATE TEMP TABLE t_w AS
SELECT g, timestamptz '2026-06-01' + g * interval '7 days' AS ws,
       900 + 40 * g AS n_exp,
       CASE WHEN g < 12 THEN 0.01 + 0.03 * g / 11.0
            ELSE (ARRAY[0.06, 0.08, 0.12, 0.18, 0.24, 0.31, 0.38, 0.45, 0.52, 0.58, 0.65, 0.74])[g - 11] END AS p_owned,
       CASE g WHEN 18 THEN 0.007 ELSE 0.0025 END AS f_legacy,   -- W41: vendor timeouts (warn)
       CASE g WHEN 13 THEN 0.009 ELSE 0.002 END AS f_owned      -- W36: 1 failure (warn)
FROM generate_series(0, 23) g;

-- The designs a week's jobs pick from: active designs created before the
-- week; owned = owned designs and legacy ones migrated before the week.
CREATE TEMP TABLE t_pool AS
SELECT w.g, p.path, d.id,
       (row_number() OVER (PARTITION BY w.g, p.path ORDER BY d.id) - 1)::int AS i,
       count(*) OVER (PARTITION BY w.g, p.path)::int AS n
FROM t_w w
CROSS JOIN (VALUES ('legacy'), ('owned')) p (path)
JOIN t_d d ON d.active AND d.created_at < w.ws AND d.act_end >= w.ws + interval '7 days'
          AND CASE p.path WHEN 'legacy' THEN d.provider = 'legacy' AND (d.migrated_at IS NULL OR d.migrated_at >= w.ws)
                          ELSE d.provider = 'owned' OR d.migrated_at < w.ws END;
CREATE TEMP TABLE t_pooln AS SELECT DISTINCT g, path, n FROM t_pool;

-- Jobs: the week's traffic (exports, then 1.5x as many previews), mostly
-- 07:00..22:00; the Sunday catalogue batch; the drills' legacy exports.
CREATE TEMP TABLE t_j AS
SELECT w.g * 100000 + j AS uid, w.g,
       CASE WHEN j <= w.n_exp THEN 'export' ELSE 'preview' END AS kind,
       CASE WHEN pg_temp.u('path', w.g * 100000 + j) < w.p_owned THEN 'owned' ELSE 'legacy' END AS path,
       w.ws + floor(pg_temp.u('day', w.g * 100000 + j) * 7) * interval '1 day'
            + CASE WHEN pg_temp.u('tod0', w.g * 100000 + j) < 0.85
                   THEN 7 + 15 * pg_temp.u('tod', w.g * 100000 + j)
                   ELSE 24 * pg_temp.u('tod', w.g * 100000 + j) END * interval '1 hour' AS enq,
       NULL::int AS drill_id, false AS batch
FROM t_w w, generate_series(1, (w.n_exp * 2.5)::int) j
UNION ALL
SELECT w.g * 100000 + 90000 + r, w.g, 'export',
       CASE WHEN pg_temp.u('path', w.g * 100000 + 90000 + r) < w.p_owned THEN 'owned' ELSE 'legacy' END,
       w.ws + interval '6 days 23 hours 52 minutes' + r * interval '7 seconds', NULL, true
FROM t_w w, generate_series(1, 60) r
UNION ALL
SELECT 9000000 + o.id * 1000 + r, w.g, 'export', 'legacy',
       o.started_at + (r - 0.5) / n.n * (o.ended_at - o.started_at), o.id, false
FROM outage_drills o
JOIN (VALUES (1, 30), (2, 80), (3, 120), (4, 150), (5, 160)) n (id, n) ON n.id = o.id
JOIN t_w w ON o.started_at >= w.ws AND o.started_at < w.ws + interval '7 days'
CROSS JOIN LATERAL generate_series(1, n.n) r;

ALTER TABLE t_j ADD COLUMN design_id bigint, ADD COLUMN started timestamptz, ADD COLUMN finished timestamptz,
    ADD COLUMN status text DEFAULT 'succeeded', ADD COLUMN error_code text, ADD COLUMN forced boolean DEFAULT false;

ALTER TABLE t_j ADD COLUMN pick int;
UPDATE t_j j SET pick = floor(pg_temp.u('pick', j.uid) * pn.n)::int
FROM t_pooln pn WHERE pn.g = j.g AND pn.path = j.path;
ANALYZE t_d, t_j, t_pool;
UPDATE t_j j SET design_id = p.id
FROM t_pool p WHERE p.g = j.g AND p.path = j.path AND p.i = j.pick;

-- W38 Fri 14:02 .. Sat 10:05: tenant acme's flag is legacy by mistake: its
-- owned (production) designs go to the legacy path, which cannot render them.
UPDATE t_j j SET path = 'legacy', status = 'failed', error_code = 'LEGACY_UNKNOWN_DESIGN', forced = true
FROM t_d d
WHERE d.id = j.design_id AND j.drill_id IS NULL AND d.provider = 'owned' AND d.tenant = 'acme'
  AND d.environment = 'production'
  AND j.enq >= timestamptz '2026-09-18 14:02' AND j.enq < timestamptz '2026-09-19 10:05';

-- W42 Tue 10:00 .. Fri 16:00: style vintage-poster -> owned sends legacy,
-- unmigrated designs of tenants without a tenant flag to the owned path;
-- 90 % of those exports fail there (fonts the owned renderer lacks).
UPDATE t_j j SET path = 'owned', forced = true,
       status = CASE WHEN j.kind = 'export' AND pg_temp.u('font', j.uid) < 0.9 THEN 'failed' ELSE 'succeeded' END,
       error_code = CASE WHEN j.kind = 'export' AND pg_temp.u('font', j.uid) < 0.9 THEN 'FONT_FALLBACK' END
FROM t_d d LEFT JOIN t_tenant t ON t.name = d.tenant
WHERE d.id = j.design_id AND j.drill_id IS NULL AND j.path = 'legacy' AND d.style = 'vintage-poster'
  AND d.environment = 'production' AND d.migrated_at IS NULL
  AND (t.enabled_at IS NULL OR t.enabled_at > j.enq)
  AND j.enq >= timestamptz '2026-10-13 10:00' AND j.enq < timestamptz '2026-10-16 16:00';

-- Timing: queue wait and processing time, exponential tails; 1 % of the jobs
-- are retried inside (5x processing time).
UPDATE t_j j SET
    started = j.enq + (CASE j.kind || '/' || j.path
                           WHEN 'export/legacy' THEN 1.5 + 6.0 * pg_temp.ex(pg_temp.u('wait', j.uid))
                           WHEN 'export/owned' THEN 0.8 + 2.5 * pg_temp.ex(pg_temp.u('wait', j.uid))
                           WHEN 'preview/legacy' THEN 0.3 + 1.2 * pg_temp.ex(pg_temp.u('wait', j.uid))
                           ELSE 0.2 + 0.6 * pg_temp.ex(pg_temp.u('wait', j.uid)) END) * interval '1 second';
-- The Sunday batch is throttled: one job every 20 s from Monday 00:00:30.
UPDATE t_j j SET started = date_trunc('week', j.enq) + interval '7 days 30 seconds'
                           + ((j.uid % 100000) - 90001) * interval '20 seconds'
WHERE j.batch;
-- W38 Sun 18:00 .. Mon 02:00: the legacy renderer is down; its queue drains
-- from 02:00 at one job every 10 s.
UPDATE t_j j SET started = timestamptz '2026-09-21 02:00' + (x.rn - 1) * interval '10 seconds'
FROM (SELECT uid, row_number() OVER (ORDER BY enq, uid) AS rn FROM t_j
      WHERE path = 'legacy' AND drill_id IS NULL
        AND enq >= timestamptz '2026-09-20 18:00' AND enq < timestamptz '2026-09-21 02:00') x
WHERE x.uid = j.uid;
UPDATE t_j j SET finished = j.started
    + (CASE WHEN j.drill_id IS NOT NULL THEN 2.0 + 2.0 * pg_temp.u('proc', j.uid)
            WHEN j.status = 'failed' THEN 1.0 + 3.0 * pg_temp.u('proc', j.uid)
            ELSE (CASE j.kind || '/' || j.path
                      WHEN 'export/legacy' THEN 18.0 + 25.0 * pg_temp.ex(pg_temp.u('proc', j.uid))
                      WHEN 'export/owned' THEN 7.0 + 9.0 * pg_temp.ex(pg_temp.u('proc', j.uid))
                      WHEN 'preview/legacy' THEN 1.2 + 1.5 * pg_temp.ex(pg_temp.u('proc', j.uid))
                      ELSE 0.6 + 0.7 * pg_temp.ex(pg_temp.u('proc', j.uid)) END)
                 * CASE WHEN pg_temp.u('retry', j.uid) < 0.01 THEN 5 ELSE 1 END END) * interval '1 second';

-- Previews: 0.3 % cancelled while queued, 0.2 % failed.
UPDATE t_j SET status = 'cancelled', started = NULL,
               finished = enq + (3 + 20 * pg_temp.u('cancel_at', uid)) * interval '1 second'
WHERE kind = 'preview' AND NOT forced AND pg_temp.u('cancel', uid) < 0.003;
UPDATE t_j SET status = 'failed',
               error_code = CASE path WHEN 'legacy' THEN 'VENDOR_TIMEOUT' ELSE 'RENDER_TIMEOUT' END
WHERE kind = 'preview' AND NOT forced AND status = 'succeeded' AND pg_temp.u('pfail', uid) < 0.002;

-- Non-drill exports: exactly round(n x rate) failures per finish week and path.
UPDATE t_j j SET status = 'failed',
       error_code = CASE j.path
                        WHEN 'legacy' THEN (ARRAY['VENDOR_TIMEOUT', 'VENDOR_5XX', 'VENDOR_RATE_LIMITED'])
                                           [1 + floor(pg_temp.u('err', j.uid) * 3)::int]
                        ELSE (ARRAY['RENDER_OOM', 'FONT_MISSING', 'S3_PUT_FAILED'])
                             [1 + floor(pg_temp.u('err', j.uid) * 3)::int] END
FROM (SELECT x.uid
      FROM (SELECT j2.uid, j2.path, w.f_legacy, w.f_owned,
                   row_number() OVER (PARTITION BY w.g, j2.path ORDER BY pg_temp.u('fail', j2.uid)) AS rn,
                   count(*) OVER (PARTITION BY w.g, j2.path) AS n
            FROM t_j j2
            JOIN t_w w ON w.ws = date_trunc('week', j2.finished)
            WHERE j2.kind = 'export' AND j2.drill_id IS NULL AND NOT j2.forced) x
      WHERE x.rn <= round(x.n * CASE x.path WHEN 'legacy' THEN x.f_legacy ELSE x.f_owned END)) f
WHERE f.uid = j.uid;

-- Drill exports succeed exactly when the design is covered at that moment
-- (migrated, or an unexpired artifact of its latest revision).
UPDATE t_j j SET
    status = CASE WHEN c.covered THEN 'succeeded' ELSE 'failed' END,
    error_code = CASE WHEN c.covered THEN NULL ELSE 'NO_CACHED_ARTIFACT' END
FROM (SELECT j2.uid,
             coalesce(d.migrated_at < j2.enq, false) OR EXISTS (
                 SELECT 1 FROM export_artifacts x
                 WHERE x.design_id = j2.design_id AND x.created_at < j2.enq
                   AND (x.expired_at IS NULL OR x.expired_at > j2.enq)
                   AND x.revision = (SELECT max(r.revision) FROM decoration_revisions r
                                     WHERE r.design_id = j2.design_id AND r.created_at < j2.enq)) AS covered
      FROM t_j j2 JOIN designs d ON d.id = j2.design_id
      WHERE j2.drill_id IS NOT NULL) c
WHERE c.uid = j.uid;

-- W46's end: three owned exports stuck in 'queued' (a poison message) and
-- two exports still running.
UPDATE t_j SET status = 'queued', started = NULL, finished = NULL, error_code = NULL
WHERE uid IN (SELECT uid FROM t_j WHERE g = 23 AND kind = 'export' AND path = 'owned' AND drill_id IS NULL
                AND NOT batch AND enq >= timestamptz '2026-11-13 15:00' AND enq < timestamptz '2026-11-14 12:00'
              ORDER BY pg_temp.u('stuck', uid) LIMIT 3);
UPDATE t_j SET status = 'running', finished = NULL, error_code = NULL
WHERE uid IN (SELECT uid FROM t_j WHERE g = 23 AND kind = 'export' AND drill_id IS NULL AND NOT batch
                AND enq >= timestamptz '2026-11-15 21:00'
              ORDER BY enq DESC LIMIT 2);
UPDATE t_j SET finished = NULL, status = 'running' WHERE finished >= timestamptz '2026-11-16';
UPDATE t_j SET started = NULL, status = 'queued' WHERE started >= timestamptz '2026-11-16';

INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at, error_code, drill_id)
SELECT row_number() OVER (ORDER BY enq, uid), design_id, kind, path, status, enq, started, finished,
       error_code, drill_id
FROM t_j ORDER BY enq, uid;

-- Rollout flag changes (layer order: environment, tenant, style, user, default).
CREATE TEMP TABLE t_beta AS
SELECT 'u' || (1000 + n) AS user_id,
       timestamptz '2026-06-15 11:00' + (n % 7) * interval '3 days 2 hours' AS since
FROM generate_series(0, 899) n WHERE pg_temp.u('beta', n) < 0.03;

INSERT INTO rollout_changes (id, changed_at, layer, key, old_value, new_value, actor)
SELECT row_number() OVER (ORDER BY changed_at, key), changed_at, layer, key, old_value, new_value, actor
FROM (
    SELECT * FROM (VALUES
        ('2026-05-04 09:12'::timestamptz, 'environment', 'staging', 'legacy', 'owned', 'j.moreau'),
        ('2026-09-01 10:00', 'style', 'gold-foil', NULL, 'legacy', 'p.lindqvist'),
        ('2026-09-18 14:02', 'tenant', 'acme', 'owned', 'legacy', 'deploy-bot'),
        ('2026-09-19 10:05', 'tenant', 'acme', 'legacy', 'owned', 'j.moreau'),
        ('2026-10-13 10:00', 'style', 'vintage-poster', NULL, 'owned', 'm.schulz'),
        ('2026-10-16 16:00', 'style', 'vintage-poster', 'owned', NULL, 'j.moreau'),
        ('2026-11-09 08:00', 'default', 'new_designs', 'legacy', 'owned', 'j.moreau')
    ) v (changed_at, layer, key, old_value, new_value, actor)
    UNION ALL
    SELECT enabled_at, 'tenant', name, NULL, 'owned',
           CASE WHEN ord % 2 = 0 THEN 'a.okafor' ELSE 'j.moreau' END
    FROM t_tenant WHERE enabled_at IS NOT NULL
    UNION ALL
    SELECT since, 'user', user_id, NULL, 'owned', 'a.okafor' FROM t_beta
) c;

-- Routing decisions: one per (non-drill) job, 40 ms before it was enqueued,
-- by the first flag layer that has a say.
INSERT INTO routing_decisions (id, decided_at, design_id, environment, tenant_id, style_id, user_id,
                               decided_by, provider_metadata, route_outcome, design_migrated)
SELECT j.id, j.enqueued_at - interval '40 milliseconds', d.id, d.environment, d.tenant_id, d.style_id,
       d.user_id,
       CASE WHEN d.environment = 'staging' THEN 'environment'
            WHEN t.enabled_at <= j.enqueued_at THEN 'tenant'
            WHEN d.style_id = 'gold-foil' AND j.enqueued_at >= timestamptz '2026-09-01 10:00' THEN 'style'
            WHEN d.style_id = 'vintage-poster' AND j.enqueued_at >= timestamptz '2026-10-13 10:00'
                 AND j.enqueued_at < timestamptz '2026-10-16 16:00' THEN 'style'
            WHEN b.since <= j.enqueued_at THEN 'user'
            ELSE 'default' END,
       d.provider, j.path, coalesce(d.migrated_at < j.enqueued_at, false)
FROM jobs j
JOIN designs d ON d.id = j.design_id
LEFT JOIN t_tenant t ON t.name = d.tenant_id
LEFT JOIN t_beta b ON b.user_id = d.user_id
WHERE j.drill_id IS NULL
ORDER BY j.id;

ANALYZE designs, design_events, decoration_revisions, export_artifacts, outage_drills, jobs,
    routing_decisions, rollout_changes;
