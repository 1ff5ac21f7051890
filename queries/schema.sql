-- Reference schema of the platform tables the shipped KPI queries read
-- (docs/requirements.md). Sites keep their own tables; this file is for the demo, the
-- tests and the benchmark. Extra indexes only, never renamed columns.
CREATE TABLE IF NOT EXISTS designs (
    id          bigint PRIMARY KEY,
    tenant_id   text NOT NULL,
    style_id    text NOT NULL,
    user_id     text NOT NULL,
    environment text NOT NULL,
    provider    text NOT NULL CHECK (provider IN ('legacy', 'owned')),
    created_at  timestamptz NOT NULL,
    migrated_at timestamptz NULL
);

CREATE TABLE IF NOT EXISTS design_events (
    design_id bigint NOT NULL REFERENCES designs (id),
    at        timestamptz NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('created', 'edited', 'viewed', 'exported', 'ordered'))
);

CREATE TABLE IF NOT EXISTS decoration_revisions (
    design_id  bigint NOT NULL REFERENCES designs (id),
    revision   int NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (design_id, revision)
);

CREATE TABLE IF NOT EXISTS export_artifacts (
    design_id  bigint NOT NULL,
    revision   int NOT NULL,
    source     text NOT NULL CHECK (source IN ('cached', 'pregenerated', 'migrated')),
    created_at timestamptz NOT NULL,
    expired_at timestamptz NULL,
    sha256     text NULL,
    FOREIGN KEY (design_id, revision) REFERENCES decoration_revisions (design_id, revision)
);

CREATE TABLE IF NOT EXISTS outage_drills (
    id         int PRIMARY KEY,
    name       text NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at   timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS jobs (
    id          bigint PRIMARY KEY,
    design_id   bigint NOT NULL REFERENCES designs (id),
    kind        text NOT NULL CHECK (kind IN ('preview', 'export')),
    path        text NOT NULL CHECK (path IN ('legacy', 'owned')),
    status      text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    enqueued_at timestamptz NOT NULL,
    started_at  timestamptz NULL,
    finished_at timestamptz NULL,
    error_code  text NULL,
    drill_id    int NULL REFERENCES outage_drills (id)
);

CREATE TABLE IF NOT EXISTS routing_decisions (
    id                bigint PRIMARY KEY,
    decided_at        timestamptz NOT NULL,
    design_id         bigint NOT NULL REFERENCES designs (id),
    environment       text NOT NULL,
    tenant_id         text NOT NULL,
    style_id          text NOT NULL,
    user_id           text NOT NULL,
    decided_by        text NOT NULL CHECK (decided_by IN ('environment', 'tenant', 'style', 'user', 'default')),
    provider_metadata text NOT NULL CHECK (provider_metadata IN ('legacy', 'owned')),
    route_outcome     text NOT NULL CHECK (route_outcome IN ('legacy', 'owned')),
    design_migrated   boolean NOT NULL
);

CREATE TABLE IF NOT EXISTS rollout_changes (
    id         bigint PRIMARY KEY,
    changed_at timestamptz NOT NULL,
    layer      text NOT NULL,
    key        text NOT NULL,
    old_value  text NULL,
    new_value  text NULL,
    actor      text NOT NULL
);

-- Indexes the KPI queries use. Each flow KPI reads one index range per
-- period, from a partial index that holds every column it needs (an
-- index-only scan reads a fraction of the table's pages; docs/performance.md
-- has the figures).
CREATE INDEX IF NOT EXISTS jobs_enqueued_at_idx ON jobs (enqueued_at);
-- adoption_split
CREATE INDEX IF NOT EXISTS jobs_export_enqueued_idx ON jobs (enqueued_at) INCLUDE (path) WHERE kind = 'export';
-- export_success_rate
CREATE INDEX IF NOT EXISTS jobs_export_finished_idx ON jobs (finished_at) INCLUDE (path, status)
    WHERE kind = 'export' AND drill_id IS NULL AND status IN ('succeeded', 'failed');
-- job_latency_seconds
CREATE INDEX IF NOT EXISTS jobs_succeeded_finished_idx ON jobs (finished_at) INCLUDE (kind, path, enqueued_at)
    WHERE status = 'succeeded' AND drill_id IS NULL;
-- Queue KPIs: a job is queued until it starts or finishes. The jobs that
-- waited an hour or more (or still wait), by the end of their wait: few, so
-- the queue queries read this instead of every job open at the first as-of
-- instant (the short waits they find with jobs_enqueued_at_idx).
CREATE INDEX IF NOT EXISTS jobs_long_wait_idx
    ON jobs ((coalesce(least(started_at, finished_at), 'infinity'::timestamptz)))
    INCLUDE (kind, enqueued_at)
    WHERE least(started_at, finished_at) IS NULL OR least(started_at, finished_at) - enqueued_at >= interval '1 hour';
CREATE INDEX IF NOT EXISTS jobs_drill_idx ON jobs (drill_id) WHERE drill_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS design_events_at_idx ON design_events (at) INCLUDE (design_id);
CREATE INDEX IF NOT EXISTS design_events_design_idx ON design_events (design_id, at);
CREATE INDEX IF NOT EXISTS designs_legacy_idx ON designs (id) INCLUDE (created_at, migrated_at) WHERE provider = 'legacy';
CREATE INDEX IF NOT EXISTS export_artifacts_design_idx ON export_artifacts (design_id, revision);
-- routing_mismatch_rate: the decisions of a layer in a week, and its
-- mismatches (a few percent of them), each one index range whose entries
-- are only counted; routing_mismatch_critical: the critical mismatches only
-- (normally none)
CREATE INDEX IF NOT EXISTS routing_decisions_layer_idx ON routing_decisions (decided_by, decided_at);
CREATE INDEX IF NOT EXISTS routing_decisions_layer_mismatch_idx ON routing_decisions (decided_by, decided_at)
    WHERE provider_metadata <> route_outcome;
CREATE INDEX IF NOT EXISTS routing_decisions_critical_idx ON routing_decisions (decided_at)
    WHERE provider_metadata <> route_outcome
      AND NOT (provider_metadata = 'legacy' AND route_outcome = 'owned' AND design_migrated);
CREATE INDEX IF NOT EXISTS outage_drills_started_at_idx ON outage_drills (started_at);
CREATE INDEX IF NOT EXISTS rollout_changes_changed_at_idx ON rollout_changes (changed_at);
