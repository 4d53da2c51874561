-- The analysts' layer, part 1: hourly aggregates of veille.mentions per
-- brand x sentiment x source kind x language, kept up to date by a
-- materialized view on every insert.
--
-- Why uniqExact states rather than a SummingMergeTree of counts: mentions is a
-- ReplacingMergeTree, so the same mention id is inserted again whenever a post
-- is edited, re-enriched or re-collected beyond the NATS duplicate window. A
-- materialized view sees every insert, and a plain count would count every
-- copy. Here each bucket keeps the set of mention ids (uniqExactState: a
-- 16-byte hash per id), so a re-inserted mention that lands in the same bucket
-- counts once, and the same holds for the backfill below running again.
-- Limit: a new version that moves a mention to another bucket (its sentiment
-- label changed on re-enrichment, its published_at was re-parsed) is counted
-- in both buckets; for exact figures query veille.mentions FINAL.
--
-- Storage: mentions_hourly_agg (AggregatingMergeTree, query it with the
-- -Merge functions); mentions_hourly is a view with plain numbers.
CREATE TABLE IF NOT EXISTS {{.DB}}.{{.Local "mentions_hourly_agg"}} {{.OnCluster}} (
    hour DateTime,
    brand String,
    brand_group String,
    sentiment_label Enum8('' = 0, 'neg' = 1, 'neu' = 2, 'pos' = 3),
    source_kind Enum8('web' = 1, 'rss' = 2, 'forum' = 3),
    lang String,
    mentions AggregateFunction(uniqExact, String),
    influencer_mentions AggregateFunction(uniqExactIf, String, UInt8),
    toxic_mentions AggregateFunction(uniqExactIf, String, UInt8),
    authors AggregateFunction(uniqExactIf, String, UInt8),
    max_influence AggregateFunction(max, Float32)
) ENGINE = {{.Engine "mentions_hourly_agg" "AggregatingMergeTree()"}}
PARTITION BY toYYYYMM(hour)
ORDER BY (brand, hour, brand_group, sentiment_label, source_kind, lang);
{{if .Cluster}}
CREATE TABLE IF NOT EXISTS {{.DB}}.mentions_hourly_agg {{.OnCluster}} AS {{.DB}}.mentions_hourly_agg_local
ENGINE = Distributed({{.Cluster}}, {{.DB}}, mentions_hourly_agg_local, rand());
{{end}}
-- On a cluster the view reads each shard's local mentions and writes the
-- shard's local aggregates; the Distributed table merges the states.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.mentions_hourly_mv {{.OnCluster}}
TO {{.DB}}.{{.Local "mentions_hourly_agg"}} AS
SELECT
    toStartOfHour(published_at) AS hour,
    brand, brand_group, sentiment_label, source_kind, lang,
    uniqExactState(id) AS mentions,
    uniqExactIfState(id, is_influencer = 1) AS influencer_mentions,
    uniqExactIfState(id, toxic = 1) AS toxic_mentions,
    uniqExactIfState(author_key, author_key != '') AS authors,
    maxState(influence_score) AS max_influence
FROM {{.DB}}.{{.Local "mentions"}}
GROUP BY hour, brand, brand_group, sentiment_label, source_kind, lang;

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

-- Backfill what was stored before the view existed. Rows inserted while this
-- runs may be seen twice (by the view and here): the id sets absorb it.
INSERT INTO {{.DB}}.mentions_hourly_agg
    (hour, brand, brand_group, sentiment_label, source_kind, lang, mentions, influencer_mentions, toxic_mentions, authors, max_influence)
SELECT
    toStartOfHour(published_at) AS hour,
    brand, brand_group, sentiment_label, source_kind, lang,
    uniqExactState(id), uniqExactIfState(id, is_influencer = 1), uniqExactIfState(id, toxic = 1),
    uniqExactIfState(author_key, author_key != ''), maxState(influence_score)
FROM {{.DB}}.mentions
GROUP BY hour, brand, brand_group, sentiment_label, source_kind, lang;
