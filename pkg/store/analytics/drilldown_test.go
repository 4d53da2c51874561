package analytics_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

// TestInfluencersAgreeWithAuthors: an author flagged influential from their
// third mention on has the same count in both lists (it was 1 vs 3 when the
// influencer list filtered rows on is_influencer).
func TestInfluencersAgreeWithAuthors(t *testing.T) {
	st := setup(t)
	ctx := context.Background()
	var ms []*mention.Mention
	for i := range 3 {
		m := fx{brand: "Duval", kind: "forum", source: "conso", lang: "fr", sent: "neg", author: "Titou75", at: time.Duration(4+i) * time.Hour,
			terms: []string{"Duval"}, infl: i == 2, text: fmt.Sprintf("Duval encore (%d)", i)}.mention(100 + i)
		ms = append(ms, m)
	}
	if err := st.InsertMentions(ctx, ms, groups); err != nil {
		t.Fatal(err)
	}
	f := analytics.Filter{Brand: "Duval", From: base, To: base.Add(48 * time.Hour)}
	authors, err := analytics.TopAuthors(ctx, st.Conn, st.DB, f)
	if err != nil {
		t.Fatal(err)
	}
	infl := f
	infl.InfluencerOnly = true
	influencers, err := analytics.TopAuthors(ctx, st.Conn, st.DB, infl)
	if err != nil {
		t.Fatal(err)
	}
	count := func(list []analytics.AuthorCount) (uint64, string) {
		for _, a := range list {
			if a.Name == "Titou75" {
				return a.Mentions, a.Key
			}
		}
		return 0, ""
	}
	na, key := count(authors)
	ni, _ := count(influencers)
	if na != 3 || ni != 3 {
		t.Fatalf("Titou75: %d in authors, %d in influencers; want 3 and 3", na, ni)
	}
	// The row's key opens exactly its mentions.
	n, err := analytics.Count(ctx, st.Conn, st.DB, analytics.Filter{Brand: "Duval", From: f.From, To: f.To, Author: key})
	if err != nil || n != 3 {
		t.Fatalf("search by author key %q: %d %v", key, n, err)
	}
	// Marie has no influencer mention: not an influencer.
	for _, a := range influencers {
		if !a.Influencer {
			t.Fatalf("non-influencer %q in the influencer list", a.Name)
		}
	}
}

// TestDrillDownCountsEqualFigures: each dashboard table row, searched with
// the filter its link carries, counts what the row shows.
func TestDrillDownCountsEqualFigures(t *testing.T) {
	st := setup(t)
	ctx := context.Background()
	conn, db := st.Conn, st.DB
	f := analytics.Filter{Brand: "Duval", From: base, To: base.Add(48 * time.Hour)}
	count := func(t *testing.T, g analytics.Filter) uint64 {
		t.Helper()
		n, err := analytics.Count(ctx, conn, db, g)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	checks := 0
	srcs, err := analytics.TopSources(ctx, conn, db, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		g := f
		g.Source = s.Name
		if n := count(t, g); n != s.Mentions {
			t.Errorf("source %s: row %d, search %d", s.Name, s.Mentions, n)
		}
		g.Sentiment = "neg"
		if n := count(t, g); n != s.Neg {
			t.Errorf("source %s negative: row %d, search %d", s.Name, s.Neg, n)
		}
		checks += 2
	}
	authors, err := analytics.TopAuthors(ctx, conn, db, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range authors {
		g := f
		g.Author = a.Key
		if n := count(t, g); n != a.Mentions {
			t.Errorf("author %s: row %d, search %d", a.Name, a.Mentions, n)
		}
		g.Sentiment = "pos"
		if n := count(t, g); n != a.Pos {
			t.Errorf("author %s positive: row %d, search %d", a.Name, a.Pos, n)
		}
		checks += 2
	}
	terms, err := analytics.TopTerms(ctx, conn, db, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range terms.Matched {
		g := f
		g.Term = tc.Term
		if n := count(t, g); n != tc.Mentions {
			t.Errorf("term %s: row %d, search %d", tc.Term, tc.Mentions, n)
		}
		checks++
	}
	for _, tc := range terms.Evidence {
		g := f
		g.Evidence = tc.Term
		if n := count(t, g); n != tc.Mentions {
			t.Errorf("evidence %s: row %d, search %d", tc.Term, tc.Mentions, n)
		}
		checks++
	}
	langs, err := analytics.LanguageSplit(ctx, conn, db, analytics.Filter{From: base, To: base.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range langs {
		g := analytics.Filter{From: base, To: base.Add(48 * time.Hour), Lang: l.Lang}
		if n := count(t, g); n != l.Mentions {
			t.Errorf("lang %s: row %d, search %d", l.Lang, l.Mentions, n)
		}
		checks++
	}
	if checks < 15 {
		t.Fatalf("only %d figures checked", checks)
	}
}

func TestSearchPagingAndEach(t *testing.T) {
	st := setup(t)
	ctx := context.Background()
	all, err := analytics.Search(ctx, st.Conn, st.DB, analytics.Filter{})
	if err != nil || len(all) != 10 {
		t.Fatalf("all: %d %v", len(all), err)
	}
	var paged []analytics.Mention
	for off := 0; off < 12; off += 4 {
		p, err := analytics.Search(ctx, st.Conn, st.DB, analytics.Filter{Limit: 4, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, p...)
	}
	if len(paged) != 10 {
		t.Fatalf("pages of 4 gave %d rows", len(paged))
	}
	for i := range all {
		if paged[i].ID != all[i].ID {
			t.Fatalf("row %d: paged %s, whole %s", i, paged[i].ID, all[i].ID)
		}
	}
	var each []string
	if err := analytics.Each(ctx, st.Conn, st.DB, analytics.Filter{}, func(m *analytics.Mention) error { each = append(each, m.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(each) != 10 || each[0] != all[0].ID || each[9] != all[9].ID {
		t.Fatalf("each: %v", each)
	}
	stop := errors.New("stop")
	n := 0
	err = analytics.Each(ctx, st.Conn, st.DB, analytics.Filter{}, func(*analytics.Mention) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("stopping: %d rows, %v", n, err)
	}
}

func TestFieldErrorNamesTheField(t *testing.T) {
	err := analytics.Filter{Sentiment: "angry"}.Validate()
	var fe *analytics.FieldError
	if !errors.As(err, &fe) || fe.Field != "sentiment" || fe.Got != "angry" || !errors.Is(err, analytics.ErrBadFilter) {
		t.Fatalf("got %#v", err)
	}
	if err := (analytics.Filter{Offset: -1}).Validate(); !errors.As(err, &fe) || fe.Field != "offset" {
		t.Fatalf("offset: %v", err)
	}
}
