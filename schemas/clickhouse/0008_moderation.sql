-- veille.moderation: a community manager's decision on a toxic mention of
-- the console's moderation queue. One row per decision; the latest (highest
-- version) per (brand, mention_id) is the current one: query with FINAL.
-- status: pending (back in the queue), handled ("traité"), ignored
-- ("ignoré"); moderated_by is the console user name, moderated_at when (UTC).
-- Plain DateTime and Enum8: works on ClickHouse 18.16 as on 24.x.
CREATE TABLE IF NOT EXISTS {{.DB}}.{{.Local "moderation"}} {{.OnCluster}} (
    mention_id String,
    brand String,
    status Enum8('pending' = 0, 'handled' = 1, 'ignored' = 2),
    moderated_by String,
    moderated_at DateTime,
    version UInt64
) ENGINE = {{.Engine "moderation" "ReplacingMergeTree(version)"}}
ORDER BY (brand, mention_id);
{{if .Cluster}}
CREATE TABLE IF NOT EXISTS {{.DB}}.moderation {{.OnCluster}} AS {{.DB}}.moderation_local
ENGINE = Distributed({{.Cluster}}, {{.DB}}, moderation_local, cityHash64(mention_id));
{{end}}
