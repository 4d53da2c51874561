// Package cookbook reads the analysts' SQL cookbook (docs/cookbook.md): every
// fenced ```sql block whose first line is "-- name: <slug>" is a ready query.
// It also builds the sample data set the cookbook's tests run every query
// against (Fixture, Load), which doubles as a way to try the queries on a
// fresh database.
package cookbook

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// MaxBytes bounds the markdown Parse reads.
const MaxBytes = 4 << 20

// errFormat is wrapped by every parse error; the message names the line.
var errFormat = errors.New("cookbook format")

// Query is one ready query of the cookbook.
type Query struct {
	// Name is the slug of the "-- name:" line, unique in the cookbook.
	Name string
	// Title is the nearest markdown heading above the block.
	Title string
	// SQL is the block's text, the name line included.
	SQL string
	// Line is the 1-based line of the opening fence.
	Line int
}

var (
	slug     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	nameLine = regexp.MustCompile(`^--\s*name:\s*(\S*)\s*$`)
)

// Parse extracts the named sql blocks. A sql block without a name line, a
// bad or repeated slug, or an unclosed fence is an error naming its line.
func Parse(md []byte) ([]Query, error) {
	if len(md) > MaxBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", errFormat, MaxBytes)
	}
	var (
		out   []Query
		seen  = map[string]int{}
		title string
		in    bool
		cur   Query
		body  []string
	)
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(make([]byte, 64<<10), MaxBytes)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		trim := strings.TrimSpace(line)
		switch {
		case !in && strings.HasPrefix(trim, "#"):
			title = strings.TrimSpace(strings.TrimLeft(trim, "#"))
		case !in && strings.HasPrefix(trim, "```sql"):
			in, cur, body = true, Query{Title: title, Line: n}, nil
		case in && trim == "```":
			in = false
			if len(body) == 0 {
				return nil, fmt.Errorf("%w: line %d: empty sql block", errFormat, cur.Line)
			}
			m := nameLine.FindStringSubmatch(strings.TrimSpace(body[0]))
			if m == nil {
				return nil, fmt.Errorf("%w: line %d: sql block must start with \"-- name: <slug>\", got %q", errFormat, cur.Line+1, body[0])
			}
			if !slug.MatchString(m[1]) {
				return nil, fmt.Errorf("%w: line %d: name %q is not a lowercase-dashed slug", errFormat, cur.Line+1, m[1])
			}
			if prev, dup := seen[m[1]]; dup {
				return nil, fmt.Errorf("%w: line %d: name %q already used at line %d", errFormat, cur.Line+1, m[1], prev)
			}
			seen[m[1]] = cur.Line + 1
			cur.Name = m[1]
			cur.SQL = strings.TrimSpace(strings.Join(body, "\n"))
			out = append(out, cur)
		case in:
			body = append(body, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", errFormat, err)
	}
	if in {
		return nil, fmt.Errorf("%w: line %d: sql block not closed", errFormat, cur.Line)
	}
	return out, nil
}

// ForDatabase rewrites the query for a database other than veille.
func (q Query) ForDatabase(db string) string {
	if db == "veille" {
		return q.SQL
	}
	return strings.ReplaceAll(q.SQL, "veille.", db+".")
}
