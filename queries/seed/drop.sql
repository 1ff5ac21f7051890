-- Drop the reference tables (kpi seed --reset). Throwaway databases only.
DROP TABLE IF EXISTS rollout_changes, routing_decisions, jobs, outage_drills, export_artifacts,
    decoration_revisions, design_events, designs CASCADE;
