-- The scale dataset, for the benchmark (tests/bench/bench_queries.sh): run by
-- `kpi seed scale --scale S [--reset]` after schema.sql, in one multi-statement
-- script (one transaction), with the session setting kpi.scale = S (default 1).
--
-- Per unit of S: 1,000 designs, 10,000 jobs, 20,000 design events, ~1,980
-- decoration revisions, ~2,430 export artifacts, ~9,990 routing decisions (one
-- per non-drill job), plus 8 outage drills and 600 rollout changes in all.
-- S = 1000: 1M designs, 10M jobs, 20M events; loads in about 5 minutes on
-- the 2-core benchmark machine (docs/performance.md).
--
-- Time line (UTC; T_end = 2026-11-16 00:00, the end of 2026-W46, as in the
-- demo): designs created 2024-11-04 .. T_end, ids in creation order; the
-- owned path from 2026-05-04 on, owned designs a growing share of the new
-- ones; legacy designs migrated from 2026-09-14; design events and revisions
-- of active designs from 2026-05-18 (the 90-day look-back of 2026-W35's
-- coverage); jobs enqueued 2026-08-10 .. T_end (2026-W33 .. W46, the 12
-- benchmark weeks and two before them); drills every other Wednesday.
-- Variety: both paths, every job status (queued and running at T_end, stuck
-- jobs cancelled days later, cancelled previews, failures whose rate moves
-- between ok, warn and breach by week), drill weeks and drill-free weeks (one
-- with two drills), expired cache entries (some never refreshed), artifacts
-- that lag their revision by days, migrated designs, legacy designs with no
-- revision, routing mismatches decided by every flag layer (servable
-- migrated ones everywhere, two critical incidents: a tenant flag and a style
-- flag).
--
-- Deterministic: every column is a function of the row's ids through
-- u(k, salt) = hashint8extended(k, salt) mapped to [0, 1) (no random()), so
-- jobs and routing decisions compute their design's attributes without a join.
-- Fast: the secondary indexes, primary keys and foreign keys of the eight
-- tables are dropped first and rebuilt after one INSERT ... SELECT per table
-- (the definitions are read back from the catalogue, so schema.sql stays the
-- only place they are written), then ANALYZE. Run VACUUM afterwards for
-- index-only scans (the benchmark does); it cannot run inside this script.
SET TimeZone = 'UTC';
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '1GB';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM designs) OR EXISTS (SELECT 1 FROM jobs) THEN
        RAISE EXCEPTION 'the reference tables are not empty: use kpi seed scale --reset';
    END IF;
END $$;

-- Fixed instants. n (the number of designs) is read once per statement, as
-- (SELECT pg_temp.n_designs() AS n OFFSET 0) p; OFFSET 0 also keeps the
-- inner subqueries below from being flattened, so that a value computed in
-- one is computed once per row rather than once per use.
CREATE FUNCTION pg_temp.n_designs() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT 1000 * coalesce(nullif(current_setting('kpi.scale', true), ''), '1')::bigint $$;
CREATE FUNCTION pg_temp.t_first() RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT timestamptz '2024-11-04 00:00+00' $$;
CREATE FUNCTION pg_temp.t_owned() RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT timestamptz '2026-05-04 00:00+00' $$;
CREATE FUNCTION pg_temp.t_active() RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT timestamptz '2026-05-18 00:00+00' $$;
CREATE FUNCTION pg_temp.t_jobs() RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT timestamptz '2026-08-10 00:00+00' $$;
CREATE FUNCTION pg_temp.t_end() RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT timestamptz '2026-11-16 00:00+00' $$;
-- Drill start times (2 h each): every other Wednesday 14:00 from W34, and a
-- second drill on the Friday of W44.
CREATE FUNCTION pg_temp.drill_starts() RETURNS timestamptz[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ARRAY['2026-08-19 14:00+00', '2026-09-02 14:00+00', '2026-09-16 14:00+00',
                       '2026-09-30 14:00+00', '2026-10-14 14:00+00', '2026-10-28 14:00+00',
                       '2026-10-30 14:00+00', '2026-11-11 14:00+00']::timestamptz[] $$;

-- u(k, salt): a deterministic pseudo-random number in [0, 1); ex(u): an
-- exponentially distributed one with mean 1.
CREATE FUNCTION pg_temp.u(k bigint, salt bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (hashint8extended(k, salt) & 9007199254740991)::float8 / 9007199254740992.0 $$;
CREATE FUNCTION pg_temp.ex(u float8) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT -ln(1.0 - u) $$;

-- A design's attributes as functions of its id (and of one another, so
-- that jobs and routing decisions need no join to find them).
-- Created 2024-11-04 .. T_end in id order.
CREATE FUNCTION pg_temp.d_at(id bigint, n bigint) RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT pg_temp.t_first() + ((id - 1) + pg_temp.u(id, 1)) / n * (pg_temp.t_end() - pg_temp.t_first()) $$;
-- Owned: from 2026-05-04, 5 % of the new designs rising to 85 % at T_end.
CREATE FUNCTION pg_temp.d_owned(id bigint, at timestamptz) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT at >= pg_temp.t_owned()
                 AND pg_temp.u(id, 2) < 0.05 + 0.8 * extract(epoch FROM at - pg_temp.t_owned())
                                                   / extract(epoch FROM pg_temp.t_end() - pg_temp.t_owned()) $$;
-- 30 % of the legacy designs migrate, 2026-09-14 .. 11-23 (null: not yet).
CREATE FUNCTION pg_temp.d_mig_at(id bigint, at timestamptz) RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT greatest(at + interval '1 day', timestamptz '2026-09-14 00:00+00' + pg_temp.u(id, 3) * interval '70 days') $$;
CREATE FUNCTION pg_temp.d_migrated(id bigint, at timestamptz, owned boolean) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN NOT owned AND pg_temp.u(id, 4) < 0.3 AND pg_temp.d_mig_at(id, at) < pg_temp.t_end()
                      THEN pg_temp.d_mig_at(id, at) END $$;
CREATE FUNCTION pg_temp.d_tenant(id bigint) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 1 + floor(pg_temp.u(id, 5) * 200)::int $$;
CREATE FUNCTION pg_temp.d_style(id bigint) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 1 + floor(pg_temp.u(id, 6) * 40)::int $$;
CREATE FUNCTION pg_temp.d_user(id bigint, n bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 1 + floor(pg_temp.u(id, 7) * greatest(n / 20, 1))::bigint $$;
CREATE FUNCTION pg_temp.d_staging(id bigint) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT pg_temp.u(id, 8) < 0.03 $$;
-- 75 % of the designs stay in use; the others only have events in their first month.
CREATE FUNCTION pg_temp.d_active(id bigint) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT pg_temp.u(id, 9) < 0.75 $$;
-- Revisions: 1 % of the designs have none (never imported), the others 1..3.
CREATE FUNCTION pg_temp.d_revs(id bigint) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN pg_temp.u(id, 10) < 0.01 THEN 0 ELSE 1 + floor(pg_temp.u(id, 11) * 3)::int END $$;
-- Revision r of a design created at `at` (null beyond its last one or at or
-- after T_end): the first a minute after the design, the others in order
-- from 2026-05-18 (or the design's creation) to T_end.
CREATE FUNCTION pg_temp.rev_t(id bigint, r int, at timestamptz) RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN r = 1 THEN at + (30 + 60 * pg_temp.u(id, 12)) * interval '1 second'
                      ELSE greatest(at + interval '1 hour', pg_temp.t_active())
                           + ((r - 2) + pg_temp.u(id * 4 + r, 13)) / nullif(pg_temp.d_revs(id) - 1, 0)
                             * (pg_temp.t_end() - greatest(at + interval '1 hour', pg_temp.t_active())) END $$;
CREATE FUNCTION pg_temp.rev_at(id bigint, r int, at timestamptz) RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN r > pg_temp.d_revs(id) THEN NULL
                      WHEN pg_temp.rev_t(id, r, at) < pg_temp.t_end() THEN pg_temp.rev_t(id, r, at) END $$;

-- Schema objects that slow a bulk load: dropped here, rebuilt at the end.
CREATE TEMP TABLE t_ddl AS
SELECT CASE c.contype WHEN 'f' THEN 3 ELSE 1 END AS build_order,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS build,
       format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS undo
FROM pg_constraint c
WHERE c.contype IN ('p', 'f')
  AND c.conrelid IN ('designs'::regclass, 'design_events'::regclass, 'decoration_revisions'::regclass,
                     'export_artifacts'::regclass, 'outage_drills'::regclass, 'jobs'::regclass,
                     'routing_decisions'::regclass, 'rollout_changes'::regclass)
UNION ALL
SELECT 2, pg_get_indexdef(i.indexrelid), format('DROP INDEX %s', i.indexrelid::regclass)
FROM pg_index i
WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
  AND i.indrelid IN ('designs'::regclass, 'design_events'::regclass, 'decoration_revisions'::regclass,
                     'export_artifacts'::regclass, 'outage_drills'::regclass, 'jobs'::regclass,
                     'routing_decisions'::regclass, 'rollout_changes'::regclass);

DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT undo FROM t_ddl ORDER BY build_order DESC LOOP
        EXECUTE s;
    END LOOP;
END $$;

INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at, migrated_at)
SELECT id,
       't' || lpad(pg_temp.d_tenant(id)::text, 3, '0'),
       's' || lpad(pg_temp.d_style(id)::text, 2, '0'),
       'u' || pg_temp.d_user(id, n),
       CASE WHEN pg_temp.d_staging(id) THEN 'staging' ELSE 'production' END,
       CASE WHEN owned THEN 'owned' ELSE 'legacy' END,
       at,
       pg_temp.d_migrated(id, at, owned)
FROM (SELECT id, n, at, pg_temp.d_owned(id, at) AS owned
      FROM (SELECT id, p.n, pg_temp.d_at(id, p.n) AS at
            FROM (SELECT pg_temp.n_designs() AS n OFFSET 0) p, generate_series(1, p.n) id
            OFFSET 0) a
      OFFSET 0) b;

-- 20 events per design: 'created', then 19 spread over its active time
-- (2026-05-18 or its creation .. T_end), or its first month if it is dormant;
-- stored in time order, as an append-only event table is.
INSERT INTO design_events (design_id, at, kind)
SELECT d.id,
       CASE WHEN k = 1 THEN d.created_at
            WHEN pg_temp.d_active(d.id)
                THEN greatest(d.created_at, pg_temp.t_active())
                     + pg_temp.u(d.id * 32 + k, 14) * (pg_temp.t_end() - greatest(d.created_at, pg_temp.t_active()))
            ELSE d.created_at + pg_temp.u(d.id * 32 + k, 14) * least(interval '30 days', pg_temp.t_end() - d.created_at) END,
       CASE WHEN k = 1 THEN 'created'
            WHEN pg_temp.u(d.id * 32 + k, 15) < 0.45 THEN 'viewed'
            WHEN pg_temp.u(d.id * 32 + k, 15) < 0.65 THEN 'edited'
            WHEN pg_temp.u(d.id * 32 + k, 15) < 0.90 THEN 'exported'
            ELSE 'ordered' END
FROM designs d, generate_series(1, 20) k
ORDER BY 2;

-- Revisions, and their artifacts. Revision r of design id was created at rc
-- and superseded at rn (null: still the latest at T_end). Artifacts:
--   a  40 % 'cached' by the on-demand cache, which expire after the 50-day
--      TTL; the others 'pregenerated', garbage-collected 7 days after their
--      revision is superseded. The pregenerator started on 2026-09-07 and
--      backfilled the older revisions by 10-02 (W37..W40); since then an
--      artifact follows its revision by 5 min + ~6 h (at most 40 h; 3 % of
--      them 2 h .. 4.6 days), except that the pregenerator lagged up to 6.6
--      days behind the revisions of 2026-09-28 12:00 .. 10-04 20:00 (W40).
--      None for a revision superseded before its turn.
--   b  the refresh job re-pregenerates a cached artifact a day before it
--      expires while its revision is the latest, except while it was broken,
--      2026-10-29 .. 11-03 06:00 (W44): those expired and were refreshed
--      11-03 06:00 .. 11-04 12:00.
--   c  a migration carries the latest revision's artifact over ('migrated').
-- Expiries after T_end are null; nothing is created at or after T_end.
CREATE TEMP TABLE t_rev AS
SELECT id, r, rc, rn, migrated_at AS m
FROM (SELECT d.id, r, d.migrated_at,
             pg_temp.rev_at(d.id, r, d.created_at) AS rc, pg_temp.rev_at(d.id, r + 1, d.created_at) AS rn
      FROM designs d, LATERAL generate_series(1, pg_temp.d_revs(d.id)) r
      OFFSET 0) x
WHERE rc IS NOT NULL;

INSERT INTO decoration_revisions (design_id, revision, created_at)
SELECT id, r, rc FROM t_rev;

INSERT INTO export_artifacts (design_id, revision, source, created_at, expired_at, sha256)
SELECT id, r, v.source, v.created_at,
       CASE WHEN v.expired_at < pg_temp.t_end() THEN v.expired_at END,
       CASE WHEN v.source <> 'migrated'
            THEN encode(sha256(convert_to(id || '/' || r || '/' || v.created_at, 'UTF8')), 'hex') END
FROM (
    SELECT id, r, rc, rn, m, cached, a_at, a_exp,
           CASE WHEN a_exp >= timestamptz '2026-10-29 00:00+00' AND a_exp < timestamptz '2026-11-03 06:00+00'
                THEN timestamptz '2026-11-03 06:00+00' + pg_temp.u(id * 4 + r, 20) * interval '30 hours'
                ELSE a_exp - interval '1 day' END AS b_at
    FROM (
        SELECT id, r, rc, rn, m, cached,
               CASE WHEN a_at < pg_temp.t_end() AND (rn IS NULL OR a_at < rn) THEN a_at END AS a_at,
               CASE WHEN cached THEN a_at + interval '50 days' ELSE rn + interval '7 days' END AS a_exp
        FROM (
            SELECT id, r, rc, rn, m, cached,
                   CASE WHEN rc < timestamptz '2026-09-07 00:00+00' AND NOT cached
                        THEN greatest(rc, timestamptz '2026-09-07 00:00+00' + pg_temp.u(id * 4 + r, 18) * interval '25 days')
                        WHEN rc >= timestamptz '2026-09-28 12:00+00' AND rc < timestamptz '2026-10-04 20:00+00'
                        THEN rc + interval '2 hours' + pg_temp.u(id * 4 + r, 18) * interval '6.5 days'
                        WHEN pg_temp.u(id * 4 + r, 19) < 0.03
                        THEN rc + interval '2 hours' + pg_temp.u(id * 4 + r, 18) * interval '4.5 days'
                        ELSE rc + least(interval '40 hours',
                                        interval '5 minutes' + pg_temp.ex(pg_temp.u(id * 4 + r, 18)) * interval '6 hours')
                   END AS a_at
            FROM (SELECT id, r, rc, rn, m,
                         pg_temp.u(id * 4 + r, 17) < 0.4
                         AND NOT (rc >= timestamptz '2026-09-28 12:00+00' AND rc < timestamptz '2026-10-04 20:00+00') AS cached
                  FROM t_rev OFFSET 0) x
            OFFSET 0) y
        OFFSET 0) z
    OFFSET 0) w
CROSS JOIN LATERAL (VALUES
    (CASE WHEN cached THEN 'cached' ELSE 'pregenerated' END, a_at, a_exp),
    ('pregenerated',
     CASE WHEN cached AND a_at IS NOT NULL AND b_at < pg_temp.t_end() AND (rn IS NULL OR rn > b_at) THEN b_at END,
     rn + interval '7 days'),
    ('migrated',
     CASE WHEN rc < m AND (rn IS NULL OR rn >= m) AND m + interval '5 minutes' < pg_temp.t_end()
          THEN m + interval '5 minutes' END,
     NULL)
) v (source, created_at, expired_at)
WHERE v.created_at IS NOT NULL;

INSERT INTO outage_drills (id, name, started_at, ended_at)
SELECT k, 'vendor outage drill #' || k, t, t + interval '2 hours'
FROM unnest(pg_temp.drill_starts()) WITH ORDINALITY AS d (t, k);

-- Jobs, ids in enqueue order, 40 % exports, each on a design created before
-- it (recent designs more often). The path is the design's: owned for owned
-- designs and migrated legacy ones, except during two flag incidents:
--   1  tenant t007 set to legacy 2026-09-18 14:02 .. 09-19 10:05 (W38): its
--      owned designs go to the legacy path, which cannot render them;
--   2  style s13 set to owned 2026-10-13 10:00 .. 10-16 16:00 (W42): its
--      unmigrated legacy designs go to the owned path (90 % of exports fail).
-- During a drill 30 % of the legacy exports are drill jobs; fewer of them fail
-- drill after drill (30 % .. 0 %). Export failure rates per week and path
-- move between ok, warn and breach; 0.3 % of the previews are cancelled and
-- 0.2 % fail; 1 job in 20,000 is stuck and cancelled 1..6 days later. The
-- legacy renderer is down 2026-09-20 18:00 .. 09-21 02:00 (a backlog at the
-- end of W38), its queue drained by 04:00.
-- Queued / running at T_end: whatever had not started / finished by then.
INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at, error_code, drill_id)
SELECT j, design_id, kind, path,
       CASE WHEN coalesce(started, finished) >= pg_temp.t_end() THEN 'queued'
            WHEN finished >= pg_temp.t_end() THEN 'running' ELSE status END,
       enq,
       CASE WHEN started < pg_temp.t_end() THEN started END,
       CASE WHEN finished < pg_temp.t_end() THEN finished END,
       CASE WHEN finished < pg_temp.t_end() THEN error_code END,
       drill_id
FROM (
    SELECT j, design_id, kind, path, enq, drill_id, status,
           CASE WHEN status = 'cancelled' THEN NULL ELSE enq + wait END AS started,
           CASE WHEN stuck THEN enq + (1 + 5 * pg_temp.u(j, 30)) * interval '1 day'
                WHEN status = 'cancelled' THEN enq + (3 + 20 * pg_temp.u(j, 30)) * interval '1 second'
                WHEN status = 'failed' THEN enq + wait + (1 + 3 * pg_temp.u(j, 30)) * interval '1 second'
                ELSE enq + wait + proc END AS finished,
           CASE WHEN status <> 'failed' THEN NULL
                WHEN drill_id IS NOT NULL THEN 'NO_CACHED_ARTIFACT'
                WHEN incident = 1 THEN 'LEGACY_UNKNOWN_DESIGN'
                WHEN incident = 2 AND kind = 'export' THEN 'FONT_FALLBACK'
                WHEN path = 'legacy'
                    THEN (ARRAY['VENDOR_TIMEOUT', 'VENDOR_5XX', 'VENDOR_RATE_LIMITED'])[1 + floor(3 * pg_temp.u(j, 31))::int]
                ELSE (ARRAY['RENDER_OOM', 'FONT_MISSING', 'S3_PUT_FAILED'])[1 + floor(3 * pg_temp.u(j, 31))::int] END
               AS error_code
    FROM (
        SELECT j, design_id, kind, path, enq, drill_id, incident, stuck,
               CASE WHEN stuck THEN 'cancelled'
                    WHEN drill_id IS NOT NULL
                        THEN CASE WHEN pg_temp.u(j, 26) < 0.3 - 0.06 * least(drill_id - 1, 5) THEN 'failed' ELSE 'succeeded' END
                    WHEN incident = 1 THEN 'failed'
                    WHEN incident = 2 AND kind = 'export'
                        THEN CASE WHEN pg_temp.u(j, 26) < 0.9 THEN 'failed' ELSE 'succeeded' END
                    WHEN kind = 'preview'
                        THEN CASE WHEN pg_temp.u(j, 26) < 0.003 THEN 'cancelled'
                                  WHEN pg_temp.u(j, 26) < 0.005 THEN 'failed' ELSE 'succeeded' END
                    WHEN pg_temp.u(j, 26) < CASE path
                             WHEN 'legacy' THEN (ARRAY[0.004, 0.004, 0.005, 0.006, 0.012, 0.004, 0.003, 0.008, 0.004, 0.003,
                                                       0.003, 0.015, 0.004, 0.003])[week]
                             ELSE (ARRAY[0.010, 0.020, 0.006, 0.005, 0.004, 0.003, 0.009, 0.002, 0.013, 0.002,
                                         0.002, 0.003, 0.002, 0.001])[week] END THEN 'failed'
                    ELSE 'succeeded' END AS status,
               CASE WHEN drill_id IS NOT NULL THEN 1 + 2 * pg_temp.u(j, 27)
                    WHEN path = 'legacy' AND enq >= timestamptz '2026-09-20 18:00+00' AND enq < timestamptz '2026-09-21 02:00+00'
                    THEN extract(epoch FROM timestamptz '2026-09-21 02:00+00' - enq)::float8 + 7200 * pg_temp.u(j, 27)
                    ELSE CASE kind || '/' || path WHEN 'export/legacy' THEN 1.5 + 6.0 * pg_temp.ex(pg_temp.u(j, 27))
                                                  WHEN 'export/owned' THEN 0.8 + 2.5 * pg_temp.ex(pg_temp.u(j, 27))
                                                  WHEN 'preview/legacy' THEN 0.3 + 1.2 * pg_temp.ex(pg_temp.u(j, 27))
                                                  ELSE 0.2 + 0.6 * pg_temp.ex(pg_temp.u(j, 27)) END
               END * interval '1 second' AS wait,
               CASE WHEN drill_id IS NOT NULL THEN 2 + 2 * pg_temp.u(j, 28)
                    ELSE CASE kind || '/' || path WHEN 'export/legacy' THEN 18.0 + 25.0 * pg_temp.ex(pg_temp.u(j, 28))
                                                  WHEN 'export/owned' THEN 7.0 + 9.0 * pg_temp.ex(pg_temp.u(j, 28))
                                                  WHEN 'preview/legacy' THEN 1.2 + 1.5 * pg_temp.ex(pg_temp.u(j, 28))
                                                  ELSE 0.6 + 0.7 * pg_temp.ex(pg_temp.u(j, 28)) END
                         * CASE WHEN pg_temp.u(j, 29) < 0.01 THEN 5 ELSE 1 END
               END * interval '1 second' AS proc
        FROM (
            SELECT j, design_id, kind, enq, week, incident, stuck,
                   CASE incident WHEN 1 THEN 'legacy' WHEN 2 THEN 'owned' ELSE path END AS path,
                   CASE WHEN incident = 0 AND path = 'legacy' AND kind = 'export' AND NOT stuck AND drill > 0
                             AND enq < (pg_temp.drill_starts())[drill] + interval '2 hours' AND pg_temp.u(j, 25) < 0.3
                        THEN drill END AS drill_id
            FROM (
                SELECT j, design_id, kind, enq, week, path, pg_temp.u(j, 24) < 0.00005 AS stuck,
                       width_bucket(enq, pg_temp.drill_starts()) AS drill,
                       CASE WHEN path = 'owned' AND NOT migrated AND pg_temp.d_tenant(design_id) = 7
                                 AND enq >= timestamptz '2026-09-18 14:02+00' AND enq < timestamptz '2026-09-19 10:05+00' THEN 1
                            WHEN path = 'legacy' AND pg_temp.d_style(design_id) = 13
                                 AND enq >= timestamptz '2026-10-13 10:00+00' AND enq < timestamptz '2026-10-16 16:00+00' THEN 2
                            ELSE 0 END AS incident
                FROM (
                    SELECT j, design_id, kind, enq, week, coalesce(m < enq, false) AS migrated,
                           CASE WHEN owned OR m < enq THEN 'owned' ELSE 'legacy' END AS path
                    FROM (
                        SELECT j, design_id, kind, enq, week, owned, pg_temp.d_migrated(design_id, d_at, owned) AS m
                        FROM (
                            SELECT j, design_id, kind, enq, week, d_at, pg_temp.d_owned(design_id, d_at) AS owned
                            FROM (
                                SELECT j, design_id, kind, enq, week, pg_temp.d_at(design_id, n) AS d_at
                                FROM (
                                    SELECT j, n, enq,
                                           CASE WHEN pg_temp.u(j, 21) < 0.4 THEN 'export' ELSE 'preview' END AS kind,
                                           1 + floor(extract(epoch FROM enq - pg_temp.t_jobs()) / (7 * 86400))::int AS week,
                                           1 + floor(sqrt(pg_temp.u(j, 22))
                                                     * greatest(1, floor(extract(epoch FROM enq - pg_temp.t_first())
                                                                         / extract(epoch FROM pg_temp.t_end() - pg_temp.t_first())
                                                                         * n)))::bigint AS design_id
                                    FROM (
                                        SELECT j, p.n, pg_temp.t_jobs() + ((j - 1) + pg_temp.u(j, 20)) / (10 * p.n)
                                                           * (pg_temp.t_end() - pg_temp.t_jobs()) AS enq
                                        FROM (SELECT pg_temp.n_designs() AS n OFFSET 0) p, generate_series(1, 10 * p.n) j
                                        OFFSET 0) a0
                                    OFFSET 0) a
                                OFFSET 0) b
                            OFFSET 0) c
                        OFFSET 0) d
                    OFFSET 0) e
                OFFSET 0) f
            OFFSET 0) g
        OFFSET 0) h
    OFFSET 0) i;

-- Routing decisions: one per non-drill job, 40 ms before it was enqueued, by
-- the first flag layer with a say: environment (staging designs), tenant
-- (tenants t001..t080 got a flag every other day from 2026-05-04 09:00; t007's
-- incident), style (s14 pinned from 2026-09-01; s13's incident), user (5 % of
-- the users are beta users), default. Metadata = the design's provider,
-- outcome = the job's path.
INSERT INTO routing_decisions (id, decided_at, design_id, environment, tenant_id, style_id, user_id,
                               decided_by, provider_metadata, route_outcome, design_migrated)
SELECT id, at, design_id,
       CASE WHEN staging THEN 'staging' ELSE 'production' END,
       't' || lpad(tenant::text, 3, '0'),
       's' || lpad(style::text, 2, '0'),
       'u' || usr,
       CASE WHEN staging THEN 'environment'
            WHEN tenant <= 80 AND timestamptz '2026-05-04 09:00+00' + (tenant - 1) * interval '2 days' <= at THEN 'tenant'
            WHEN style = 14 AND at >= timestamptz '2026-09-01 10:00+00' THEN 'style'
            WHEN style = 13 AND at >= timestamptz '2026-10-13 10:00+00' AND at < timestamptz '2026-10-16 16:00+00' THEN 'style'
            WHEN pg_temp.u(usr, 32) < 0.05 THEN 'user'
            ELSE 'default' END,
       CASE WHEN owned THEN 'owned' ELSE 'legacy' END,
       path,
       coalesce(pg_temp.d_migrated(design_id, d_at, owned) < at, false)
FROM (
    SELECT id, at, design_id, path, d_at, usr, staging, tenant, style, pg_temp.d_owned(design_id, d_at) AS owned
    FROM (
        SELECT j.id, j.enqueued_at - interval '40 milliseconds' AS at, j.design_id, j.path,
               pg_temp.d_at(j.design_id, p.n) AS d_at, pg_temp.d_user(j.design_id, p.n) AS usr,
               pg_temp.d_staging(j.design_id) AS staging, pg_temp.d_tenant(j.design_id) AS tenant,
               pg_temp.d_style(j.design_id) AS style
        FROM (SELECT pg_temp.n_designs() AS n OFFSET 0) p, jobs j
        WHERE j.drill_id IS NULL
        OFFSET 0) a
    OFFSET 0) b;

-- Rollout flag changes: 600 over 2026-05-04 .. T_end.
INSERT INTO rollout_changes (id, changed_at, layer, key, old_value, new_value, actor)
SELECT k, pg_temp.t_owned() + ((k - 1) + pg_temp.u(k, 40)) / 600.0 * (pg_temp.t_end() - pg_temp.t_owned()),
       layer,
       CASE layer WHEN 'environment' THEN 'staging'
                  WHEN 'tenant' THEN 't' || lpad((1 + floor(200 * pg_temp.u(k, 42)))::int::text, 3, '0')
                  WHEN 'style' THEN 's' || lpad((1 + floor(40 * pg_temp.u(k, 42)))::int::text, 2, '0')
                  WHEN 'user' THEN 'u' || (1 + floor(1000 * pg_temp.u(k, 42)))::int
                  ELSE 'new_designs' END,
       CASE WHEN pg_temp.u(k, 43) < 0.3 THEN NULL WHEN pg_temp.u(k, 44) < 0.5 THEN 'legacy' ELSE 'owned' END,
       CASE WHEN pg_temp.u(k, 44) < 0.5 THEN 'owned' ELSE 'legacy' END,
       (ARRAY['j.moreau', 'a.okafor', 'p.lindqvist', 'm.schulz', 'deploy-bot'])[1 + floor(5 * pg_temp.u(k, 45))::int]
FROM (SELECT k, (ARRAY['environment', 'tenant', 'style', 'user', 'default'])[1 + floor(5 * pg_temp.u(k, 41))::int] AS layer
      FROM generate_series(1, 600) k) c;

-- Rebuild what was dropped: primary keys, then indexes, then foreign keys
-- (each validated in one pass).
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT build FROM t_ddl ORDER BY build_order LOOP
        EXECUTE s;
    END LOOP;
END $$;

ANALYZE designs, design_events, decoration_revisions, export_artifacts, outage_drills, jobs,
    routing_decisions, rollout_changes;
