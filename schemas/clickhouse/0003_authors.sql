-- veille.authors: one row per author snapshot written by the enricher's
-- influence tracker (pkg/influence, InsertAuthors). ReplacingMergeTree keeps
-- the highest version per author_key: query with FINAL (or argMax by version).
-- author_key is the key veille.mentions.author_key carries, so the two join.
-- Per-brand figures are parallel arrays aligned with brands (same length and
-- order): brand_mentions, brand_pos / brand_neg / brand_neu (sentiment
-- counts) and brand_influencer (1 = flagged for that brand).
-- Components (reach 0-40, authority 0-30, engagement 0-20, activity 0-10) sum
-- to score (0-100); the formula is in docs/influence.md.
CREATE TABLE IF NOT EXISTS {{.DB}}.{{.Local "authors"}} {{.OnCluster}} (
    author_key String,
    display_name String,
    site String,
    profile_url String,
    first_seen DateTime,
    last_seen DateTime,
    mentions UInt64,
    mentions_decayed Float32,
    feed_share Float32,
    brands Array(String),
    brand_mentions Array(UInt32),
    brand_pos Array(UInt32),
    brand_neg Array(UInt32),
    brand_neu Array(UInt32),
    brand_influencer Array(UInt8),
    likes UInt64,
    replies UInt64,
    quotes UInt64,
    followers UInt32,
    post_count UInt32,
    reputation Int32,
    active_days UInt16,
    inlink_domains UInt32,
    pagerank Float32,
    reach Float32,
    authority Float32,
    engagement Float32,
    activity Float32,
    score Float32,
    updated_at DateTime,
    version UInt64
) ENGINE = {{.Engine "authors" "ReplacingMergeTree(version)"}}
ORDER BY author_key;
{{if .Cluster}}
CREATE TABLE IF NOT EXISTS {{.DB}}.authors {{.OnCluster}} AS {{.DB}}.authors_local
ENGINE = Distributed({{.Cluster}}, {{.DB}}, authors_local, cityHash64(author_key));
{{end}}
