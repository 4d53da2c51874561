-- veille.incident_actions: what people (and the alerter, for links between
-- incidents) did to an incident: acknowledged, resolved, reopened, assigned,
-- note, linked (this incident follows a resolved one: the crisis grew
-- again), followed (a new incident follows this one). One row per action,
-- idempotent on action_id (ReplacingMergeTree): query with FINAL.
-- The detector's own events stay in veille.alerts; the console's timeline
-- merges both. detail is JSON (the regrowth of a linked incident).
CREATE TABLE IF NOT EXISTS {{.DB}}.{{.Local "incident_actions"}} {{.OnCluster}} (
    incident_id String,
    brand String,
    action_id String,
    action String,
    actor String,
    at DateTime,
    assignee String,
    note String,
    linked_incident String,
    detail String
) ENGINE = {{.Engine "incident_actions" "ReplacingMergeTree()"}}
ORDER BY (brand, incident_id, action_id);
{{if .Cluster}}
CREATE TABLE IF NOT EXISTS {{.DB}}.incident_actions {{.OnCluster}} AS {{.DB}}.incident_actions_local
ENGINE = Distributed({{.Cluster}}, {{.DB}}, incident_actions_local, cityHash64(incident_id));
{{end}}
