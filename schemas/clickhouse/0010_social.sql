-- Social networks as sources (issue 20): one source_kind per network, the
-- posts' engagement beyond likes and replies, the parent a reply answers,
-- deleted posts, the author's handle, following count and badge, and the
-- reasons a post looks inauthentic.
-- Works on ClickHouse 18.16 and 24.x: extending an Enum8 is a metadata-only
-- change (also on a key column), and ADD COLUMN without IF NOT EXISTS (not in
-- 18.16); store.Migrate accepts "column already exists" on a re-run.
-- The hourly aggregates carry source_kind too: their view inserts the new
-- values, so their Enum8 grows alike.
ALTER TABLE {{.DB}}.{{.Local "mentions"}} {{.OnCluster}}
    MODIFY COLUMN source_kind Enum8('web' = 1, 'rss' = 2, 'forum' = 3, 'bluesky' = 4, 'mastodon' = 5, 'reddit' = 6, 'youtube' = 7, 'facebook' = 8, 'instagram' = 9, 'x' = 10);

ALTER TABLE {{.DB}}.{{.Local "mentions"}} {{.OnCluster}}
    ADD COLUMN reposts UInt32,
    ADD COLUMN quotes UInt32,
    ADD COLUMN views UInt64,
    ADD COLUMN parent_url String,
    ADD COLUMN deleted UInt8,
    ADD COLUMN author_handle String,
    ADD COLUMN author_following UInt32,
    ADD COLUMN author_verified UInt8,
    ADD COLUMN suspicious Array(String);

ALTER TABLE {{.DB}}.{{.Local "mentions_hourly_agg"}} {{.OnCluster}}
    MODIFY COLUMN source_kind Enum8('web' = 1, 'rss' = 2, 'forum' = 3, 'bluesky' = 4, 'mastodon' = 5, 'reddit' = 6, 'youtube' = 7, 'facebook' = 8, 'instagram' = 9, 'x' = 10);

{{.Redistribute "mentions" "cityHash64(id)"}}
{{.Redistribute "mentions_hourly_agg" "rand()"}}

-- A plain view keeps the column types it was created with: mentions_hourly
-- is re-created so that its source_kind knows the new values.
DROP TABLE IF EXISTS {{.DB}}.mentions_hourly {{.OnCluster}};

CREATE VIEW IF NOT EXISTS {{.DB}}.mentions_hourly {{.OnCluster}} AS
SELECT
    hour, brand, brand_group, sentiment_label, source_kind, lang,
    uniqExactMerge(mentions) AS mentions,
    uniqExactIfMerge(influencer_mentions) AS influencer_mentions,
    uniqExactIfMerge(toxic_mentions) AS toxic_mentions,
    uniqExactIfMerge(authors) AS authors,
    maxMerge(max_influence) AS max_influence
FROM {{.DB}}.mentions_hourly_agg
GROUP BY hour, brand, brand_group, sentiment_label, source_kind, lang;
