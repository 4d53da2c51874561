-- A post whose page showed no readable date is flagged, never dated
-- silently: published_at then holds the collection time (the table's
-- DateTime has no "unknown"), and date_missing = 1 says so. 18.16 has no
-- ADD COLUMN IF NOT EXISTS: the migration runner accepts "already exists"
-- for ADD COLUMN (several services migrate at once). On a cluster the
-- column goes to the local tables, and the Distributed table over them is re-created.
ALTER TABLE {{.DB}}.{{.Local "mentions"}} {{.OnCluster}} ADD COLUMN {{if .AtLeast 20 1}}IF NOT EXISTS {{end}}date_missing UInt8 DEFAULT 0;
{{.Redistribute "mentions" "cityHash64(id)"}}
