// Package schemas embeds veille's contracts: the mention JSON Schema and the
// numbered ClickHouse migrations, so every binary carries the exact version
// it was built with.
package schemas

import "embed"

// MentionV1 is the JSON Schema of version 1 mentions.
//
//go:embed mention.v1.schema.json
var MentionV1 []byte

// ClickHouse holds the migrations, clickhouse/NNNN_name.sql, applied in order.
//
//go:embed clickhouse/*.sql
var ClickHouse embed.FS
