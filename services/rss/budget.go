package rss

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxFeedBytes bounds the part of a feed document handed to gofeed. gofeed
// builds the whole feed in memory (~35x the document for short items), so
// the budget is applied while reading, before gofeed sees anything.
const MaxFeedBytes = 2 << 20

// ErrFeedBudget: not even one item fits in the byte budget.
var ErrFeedBudget = errors.New("feed over budget")

// boundFeed returns the prefix of doc that holds at most maxItems items
// (RSS <item>, Atom <entry>, JSON Feed items) within maxBytes bytes, closed
// so that gofeed parses it as a whole feed. A streaming pass (encoding/xml
// tokens, encoding/json tokens) finds the cut and stops there: its work and
// memory are bounded by the budget, not by the document. cut says whether
// items were left out. A document the pass cannot read is returned as is
// when it fits the byte budget (gofeed reports what is wrong with it).
func boundFeed(doc string, maxItems, maxBytes int) (out string, cut bool, err error) {
	if t := strings.TrimLeft(doc, " \t\r\n\ufeff"); strings.HasPrefix(t, "{") {
		return boundJSONFeed(doc, maxItems, maxBytes)
	}
	return boundXMLFeed(doc, maxItems, maxBytes)
}

func rawName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func boundXMLFeed(doc string, maxItems, maxBytes int) (string, bool, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = false
	// The text is UTF-8 already (the declaration's encoding was stripped).
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		stack     []string // open elements, raw names
		itemDepth int      // len(stack) inside the current item, 0 outside
		items     int
		lastEnd   int64    // offset just after the last complete item
		closeWith []string // the elements open around that item
	)
	cutAt := func() (string, bool, error) {
		if items == 0 {
			return "", false, fmt.Errorf("%w: no complete item in the first %d bytes", ErrFeedBudget, maxBytes)
		}
		var b strings.Builder
		b.Grow(int(lastEnd) + 64)
		b.WriteString(doc[:lastEnd])
		for i := len(closeWith) - 1; i >= 0; i-- {
			b.WriteString("</" + closeWith[i] + ">")
		}
		return b.String(), true, nil
	}
	for {
		tok, err := d.RawToken()
		if d.InputOffset() > int64(maxBytes) {
			return cutAt()
		}
		if err == io.EOF {
			return doc, false, nil
		}
		if err != nil {
			if len(doc) <= maxBytes {
				return doc, false, nil
			}
			return cutAt()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, rawName(t.Name))
			if itemDepth == 0 && (t.Name.Local == "item" || t.Name.Local == "entry") {
				if items >= maxItems {
					return cutAt() // one item too many: cut before it
				}
				itemDepth = len(stack)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			if itemDepth > 0 && len(stack) == itemDepth {
				itemDepth = 0
				items++
				lastEnd = d.InputOffset()
				closeWith = append(closeWith[:0], stack[:len(stack)-1]...)
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// boundJSONFeed keeps the top-level members read before the budget ran
// out and at most maxItems elements of "items".
func boundJSONFeed(doc string, maxItems, maxBytes int) (string, bool, error) {
	if len(doc) <= maxBytes && strings.Count(doc, "{") <= maxItems {
		return doc, false, nil // cannot hold more than maxItems items
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	over := func() bool { return dec.InputOffset() > int64(maxBytes) }
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		if len(doc) <= maxBytes {
			return doc, false, nil
		}
		return "", false, fmt.Errorf("%w: not a JSON object within %d bytes", ErrFeedBudget, maxBytes)
	}
	members := map[string]json.RawMessage{}
	cut := false
	for dec.More() && !cut {
		kt, err := dec.Token()
		key, ok := kt.(string)
		if err != nil || !ok {
			break
		}
		if key != "items" {
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil || over() {
				cut = true
				break
			}
			members[key] = v
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			break
		}
		var items []json.RawMessage
		for dec.More() {
			if len(items) >= maxItems {
				cut = true
				break
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				cut = true
				break
			}
			if over() {
				cut = true
				break
			}
			items = append(items, v)
		}
		if !cut {
			_, _ = dec.Token() // ']'
		}
		var buf bytes.Buffer
		buf.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(it)
		}
		buf.WriteByte(']')
		members["items"] = buf.Bytes()
	}
	if !cut && len(doc) <= maxBytes {
		return doc, false, nil
	}
	if _, ok := members["items"]; !ok {
		return "", false, fmt.Errorf("%w: no items within %d bytes", ErrFeedBudget, maxBytes)
	}
	b, err := json.Marshal(members)
	if err != nil {
		return "", false, fmt.Errorf("%w: %w", ErrFeedBudget, err)
	}
	return string(b), true, nil
}
