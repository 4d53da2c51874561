-- veille.alerts: one row per incident state change (opened, updated, escalated,
-- resolved, acknowledged); the latest row per incident_id (highest version) is
-- its current state. Query with FINAL.
CREATE TABLE IF NOT EXISTS {{.DB}}.{{.Local "alerts"}} {{.OnCluster}} (
    incident_id String,
    brand String,
    rule String,
    event String,
    severity UInt8,
    status Enum8('open' = 1, 'acknowledged' = 2, 'resolved' = 3),
    opened_at DateTime,
    updated_at DateTime,
    resolved_at DateTime,
    window_start DateTime,
    window_end DateTime,
    count_total UInt32,
    count_neg UInt32,
    count_neu UInt32,
    count_pos UInt32,
    count_influencer UInt32,
    count_toxic UInt32,
    top_mention_ids Array(String),
    summary String,
    deliveries String,
    version UInt64
) ENGINE = {{.Engine "alerts" "ReplacingMergeTree(version)"}}
ORDER BY (brand, incident_id);
{{if .Cluster}}
CREATE TABLE IF NOT EXISTS {{.DB}}.alerts {{.OnCluster}} AS {{.DB}}.alerts_local
ENGINE = Distributed({{.Cluster}}, {{.DB}}, alerts_local, cityHash64(incident_id));
{{end}}
