package store

import (
	"errors"
	"testing"
)

func TestColumnExists(t *testing.T) {
	exists := errors.New("code: 44, message: Cannot add column date_missing: column with this name already exists")
	for _, c := range []struct {
		stmt string
		err  error
		want bool
	}{
		{"ALTER TABLE db.mentions ADD COLUMN date_missing UInt8 DEFAULT 0", exists, true},
		{"alter table db.mentions add column x String", exists, true},
		{"CREATE TABLE db.t (x String) ENGINE = Memory", errors.New("code: 57, message: Table db.t already exists"), false},
		{"ALTER TABLE db.mentions ADD COLUMN date_missing UInt8", errors.New("code: 60, message: Table db.mentions doesn't exist"), false},
	} {
		if got := columnExists(c.stmt, c.err); got != c.want {
			t.Errorf("columnExists(%q, %v) = %v, want %v", c.stmt, c.err, got, c.want)
		}
	}
}
