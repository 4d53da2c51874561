-- mentions.published_clamped: 1 when the source gave a publication time more
-- than 5 minutes after collected_at (a date without an offset read in the
-- wrong zone, a wrong clock, a scheduled post shown early) and published_at
-- was set to collected_at instead. Rows written before this migration read 0.
-- ADD COLUMN IF NOT EXISTS is newer than ClickHouse 18.16: on older servers
-- the runner takes "column already exists" as done (services migrate at
-- start concurrently), and schema_migrations records it once.
ALTER TABLE {{.DB}}.{{.Local "mentions"}} {{.OnCluster}} ADD COLUMN {{if .AtLeast 20 1}}IF NOT EXISTS {{end}}published_clamped UInt8 DEFAULT 0 AFTER collected_at;
{{.Redistribute "mentions" "cityHash64(id)"}}
