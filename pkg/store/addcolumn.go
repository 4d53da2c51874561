package store

import "strings"

// columnExists reports whether err says that an ALTER … ADD COLUMN
// statement found its column already there: ClickHouse 18.16 has no ADD
// COLUMN IF NOT EXISTS, so a migration that another process (or an
// interrupted run) already applied fails this way; the column is what the
// migration wanted.
func columnExists(stmt string, err error) bool {
	return strings.Contains(strings.ToUpper(stmt), "ADD COLUMN") && strings.Contains(err.Error(), "already exists")
}
