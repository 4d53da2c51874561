-- The analysts' layer, part 2: per author x brand x day, what the author said
-- about the brand (mentions, sentiment counts, toxic posts), when, and how
-- influential the author was. Fed by a materialized view on veille.mentions;
-- like mentions_hourly it keeps sets of mention ids (uniqExact states) so that
-- re-inserted versions of a mention count once (same caveat: a mention whose
-- label or day changed between versions counts in both). Anonymous mentions
-- (empty author_key) are left out. The other aggregates (max, min, argMax)
-- are insensitive to duplicates by nature.
--
-- Storage: author_daily_agg (AggregatingMergeTree); views: author_daily (one
-- row per day) and author_brands (one row per author and brand, all time).
CREATE TABLE IF NOT EXISTS {{.DB}}.{{.Local "author_daily_agg"}} {{.OnCluster}} (
    day Date,
    brand String,
    brand_group String,
    author_key String,
    author_name AggregateFunction(argMax, String, DateTime),
    author_url AggregateFunction(argMax, String, DateTime),
    mentions AggregateFunction(uniqExact, String),
    neg AggregateFunction(uniqExactIf, String, UInt8),
    neu AggregateFunction(uniqExactIf, String, UInt8),
    pos AggregateFunction(uniqExactIf, String, UInt8),
    toxic_mentions AggregateFunction(uniqExactIf, String, UInt8),
    first_seen AggregateFunction(min, DateTime),
    last_seen AggregateFunction(max, DateTime),
    max_influence AggregateFunction(max, Float32),
    influencer AggregateFunction(max, UInt8),
    max_followers AggregateFunction(max, UInt32),
    max_post_count AggregateFunction(max, UInt32)
) ENGINE = {{.Engine "author_daily_agg" "AggregatingMergeTree()"}}
PARTITION BY toYYYYMM(day)
ORDER BY (brand, author_key, day, brand_group);
{{if .Cluster}}
CREATE TABLE IF NOT EXISTS {{.DB}}.author_daily_agg {{.OnCluster}} AS {{.DB}}.author_daily_agg_local
ENGINE = Distributed({{.Cluster}}, {{.DB}}, author_daily_agg_local, rand());
{{end}}
CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.author_daily_mv {{.OnCluster}}
TO {{.DB}}.{{.Local "author_daily_agg"}} AS
SELECT
    toDate(published_at) AS day,
    brand, brand_group, author_key,
    argMaxState(author_name, published_at) AS author_name,
    argMaxState(author_url, published_at) AS author_url,
    uniqExactState(id) AS mentions,
    uniqExactIfState(id, sentiment_label = 'neg') AS neg,
    uniqExactIfState(id, sentiment_label = 'neu') AS neu,
    uniqExactIfState(id, sentiment_label = 'pos') AS pos,
    uniqExactIfState(id, toxic = 1) AS toxic_mentions,
    minState(published_at) AS first_seen,
    maxState(published_at) AS last_seen,
    maxState(influence_score) AS max_influence,
    maxState(is_influencer) AS influencer,
    maxState(author_followers) AS max_followers,
    maxState(author_post_count) AS max_post_count
FROM {{.DB}}.{{.Local "mentions"}}
WHERE author_key != ''
GROUP BY day, brand, brand_group, author_key;

CREATE VIEW IF NOT EXISTS {{.DB}}.author_daily {{.OnCluster}} AS
SELECT
    day, brand, brand_group, author_key,
    argMaxMerge(author_name) AS author_name,
    argMaxMerge(author_url) AS author_url,
    uniqExactMerge(mentions) AS mentions,
    uniqExactIfMerge(neg) AS neg,
    uniqExactIfMerge(neu) AS neu,
    uniqExactIfMerge(pos) AS pos,
    uniqExactIfMerge(toxic_mentions) AS toxic_mentions,
    minMerge(first_seen) AS first_seen,
    maxMerge(last_seen) AS last_seen,
    maxMerge(max_influence) AS max_influence,
    maxMerge(influencer) AS influencer,
    maxMerge(max_followers) AS max_followers,
    maxMerge(max_post_count) AS max_post_count
FROM {{.DB}}.author_daily_agg
GROUP BY day, brand, brand_group, author_key;

CREATE VIEW IF NOT EXISTS {{.DB}}.author_brands {{.OnCluster}} AS
SELECT
    brand, author_key,
    any(brand_group) AS brand_group,
    argMaxMerge(author_name) AS author_name,
    argMaxMerge(author_url) AS author_url,
    uniqExactMerge(mentions) AS mentions,
    uniqExactIfMerge(neg) AS neg,
    uniqExactIfMerge(neu) AS neu,
    uniqExactIfMerge(pos) AS pos,
    round((pos - neg) * 100 / mentions, 1) AS net_sentiment,
    uniqExactIfMerge(toxic_mentions) AS toxic_mentions,
    minMerge(first_seen) AS first_seen,
    maxMerge(last_seen) AS last_seen,
    maxMerge(max_influence) AS max_influence,
    maxMerge(influencer) AS influencer,
    maxMerge(max_followers) AS max_followers,
    maxMerge(max_post_count) AS max_post_count
FROM {{.DB}}.author_daily_agg
GROUP BY brand, author_key;

INSERT INTO {{.DB}}.author_daily_agg
    (day, brand, brand_group, author_key, author_name, author_url, mentions, neg, neu, pos, toxic_mentions,
     first_seen, last_seen, max_influence, influencer, max_followers, max_post_count)
SELECT
    toDate(published_at) AS day,
    brand, brand_group, author_key,
    argMaxState(author_name, published_at), argMaxState(author_url, published_at),
    uniqExactState(id),
    uniqExactIfState(id, sentiment_label = 'neg'), uniqExactIfState(id, sentiment_label = 'neu'), uniqExactIfState(id, sentiment_label = 'pos'),
    uniqExactIfState(id, toxic = 1),
    minState(published_at), maxState(published_at), maxState(influence_score), maxState(is_influencer),
    maxState(author_followers), maxState(author_post_count)
FROM {{.DB}}.mentions
WHERE author_key != ''
GROUP BY day, brand, brand_group, author_key;
