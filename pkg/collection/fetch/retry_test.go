package fetch

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 23, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 120 ", 2 * time.Minute, true},
		{"99999999999999999999999", 7 * 24 * time.Hour, true}, // overflow capped
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},       // past date: now
		{"Thursday, 23-Jan-25 10:00:30 GMT", 30 * time.Second, true}, // RFC 850
		{"Thu Jan 23 10:01:00 2025", time.Minute, true},              // asctime
	}
	for _, c := range cases {
		got, ok := parseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	base, ceiling := 100*time.Millisecond, time.Second
	for attempt, lo := range []time.Duration{50, 100, 200, 400, 500, 500} {
		lo *= time.Millisecond
		for range 50 {
			d := backoff(attempt, base, ceiling)
			if d < lo || d > 2*lo {
				t.Fatalf("backoff(%d) = %s, want in [%s, %s]", attempt, d, lo, 2*lo)
			}
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "Wed, 21 Oct 2015 07:28:00 GMT", "1e9", "-1", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfter(s, now)
		if d < 0 || d > 7*24*time.Hour || (!ok && d != 0) {
			t.Errorf("parseRetryAfter(%q) = %s, %v", s, d, ok)
		}
	})
}
