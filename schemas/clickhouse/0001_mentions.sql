-- veille.mentions: the analysts' contract. One row per (document or post, brand),
-- idempotent on id: ReplacingMergeTree keeps the row with the highest version
-- (an edited post re-published under the same id replaces the old one).
-- Query with FINAL (or argMax by version) to see each mention exactly once.
-- The table is not partitioned by date on purpose: ReplacingMergeTree only
-- deduplicates inside a partition, and published_at may be re-parsed differently
-- on a later pass (relative dates such as "il y a 3 jours").
-- Every column is documented in schemas/clickhouse/README.md.
CREATE DATABASE IF NOT EXISTS {{.DB}} {{.OnCluster}};

CREATE TABLE IF NOT EXISTS {{.DB}}.{{.Local "mentions"}} {{.OnCluster}} (
    id String,
    brand String,
    brand_group String,
    matched_terms Array(String),
    source_kind Enum8('web' = 1, 'rss' = 2, 'forum' = 3),
    source_name String,
    source_url String,
    url String,
    anchor String,
    thread_url String,
    thread_title String,
    title String,
    text String,
    author_name String,
    author_url String,
    author_key String,
    author_post_count UInt32,
    author_followers UInt32,
    published_at DateTime,
    collected_at DateTime,
    lang_hint String,
    lang String,
    lang_confidence Float32,
    sentiment_label Enum8('' = 0, 'neg' = 1, 'neu' = 2, 'pos' = 3),
    sentiment_score Float32,
    sentiment_confidence Float32,
    sentiment_evidence Array(String),
    toxic UInt8,
    toxicity Array(String),
    entities Array(String),
    influence_score Float32,
    is_influencer UInt8,
    dup_cluster String,
    position UInt32,
    likes UInt32,
    replies UInt32,
    content_hash String,
    enriched_at DateTime,
    version UInt64
) ENGINE = {{.Engine "mentions" "ReplacingMergeTree(version)"}}
ORDER BY (brand, id)
SETTINGS index_granularity = 8192;
{{if .Cluster}}
CREATE TABLE IF NOT EXISTS {{.DB}}.mentions {{.OnCluster}} AS {{.DB}}.mentions_local
ENGINE = Distributed({{.Cluster}}, {{.DB}}, mentions_local, cityHash64(id));
{{end}}
