package dates

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		// Zone data may be absent on minimal systems; a fixed +1 keeps the
		// tests meaningful for winter dates.
		return time.FixedZone("CET", 3600)
	}
	return l
}

// now is a Wednesday evening in Paris (UTC+1 in winter).
var now = time.Date(2024, time.February, 14, 18, 30, 0, 0, time.UTC)

func utc(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, time.UTC)
}

func TestParse(t *testing.T) {
	optParis := Options{Now: now, Loc: paris, Lang: "fr"}
	optUTC := Options{Now: now}
	cases := []struct {
		in   string
		opt  Options
		want time.Time
	}{
		{"14 mars 2018 at 10 h 59 min", optParis, utc(2018, 3, 14, 9, 59, 0)},
		{"jeudi, janvier 23, 2025", optParis, utc(2025, 1, 22, 23, 0, 0)},
		{"jeudi, janvier 23, 2025", optUTC, utc(2025, 1, 23, 0, 0, 0)},
		{"6 juin 2019", optUTC, utc(2019, 6, 6, 0, 0, 0)},
		{"6 juin 2019", optParis, utc(2019, 6, 5, 22, 0, 0)},
		{"le 3 févr. 2024 à 08:26", optParis, utc(2024, 2, 3, 7, 26, 0)},
		{"il y a 3 jours", optUTC, utc(2024, 2, 11, 18, 30, 0)},
		{"il y a 2 h", optUTC, utc(2024, 2, 14, 16, 30, 0)},
		{"il y a 5 minutes", optUTC, utc(2024, 2, 14, 18, 25, 0)},
		{"Il y a environ une heure", optUTC, utc(2024, 2, 14, 17, 30, 0)},
		{"il y a 1 h 30 min", optUTC, utc(2024, 2, 14, 17, 0, 0)},
		{"il y a plus de 2 ans", optUTC, utc(2022, 2, 14, 18, 30, 0)},
		{"il y a 3 semaines", optUTC, utc(2024, 1, 24, 18, 30, 0)},
		{"Il y a 2 mois", optUTC, utc(2023, 12, 14, 18, 30, 0)},
		{"hier à 14h05", optParis, utc(2024, 2, 13, 13, 5, 0)},
		{"Hier à 14 h 05", optUTC, utc(2024, 2, 13, 14, 5, 0)},
		{"aujourd'hui à 9h", optParis, utc(2024, 2, 14, 8, 0, 0)},
		{"Aujourd’hui à 9h", optUTC, utc(2024, 2, 14, 9, 0, 0)},
		{"avant-hier", optUTC, utc(2024, 2, 12, 18, 30, 0)},
		{"avant-hier à 23:10", optUTC, utc(2024, 2, 12, 23, 10, 0)},
		{"à l'instant", optUTC, now},
		// No year: most recent such date not in the future.
		{"mar. 19 déc. à 08:26", optParis, utc(2023, 12, 19, 7, 26, 0)},
		{"12 févr. à 08:26", optUTC, utc(2024, 2, 12, 8, 26, 0)},
		{"14 févr. à 18:31", optUTC, utc(2023, 2, 14, 18, 31, 0)},
		{"14 févr. à 18:29", optUTC, utc(2024, 2, 14, 18, 29, 0)},
		{"1er janvier 2020", optUTC, utc(2020, 1, 1, 0, 0, 0)},
		{"12/03/2021 14:05", optUTC, utc(2021, 3, 12, 14, 5, 0)},
		{"12/03/2021 14:05", optParis, utc(2021, 3, 12, 13, 5, 0)},
		{"03/25/2021", optUTC, utc(2021, 3, 25, 0, 0, 0)},
		{"03/04/2021", Options{Now: now, Lang: "en-US"}, utc(2021, 3, 4, 0, 0, 0)},
		{"12.03.21", optUTC, utc(2021, 3, 12, 0, 0, 0)},
		{"2021-03-12T14:05:00+01:00", optUTC, utc(2021, 3, 12, 13, 5, 0)},
		{"2021-03-12T14:05:00Z", optParis, utc(2021, 3, 12, 14, 5, 0)},
		{"2021-03-12T14:05:00.123456+01:00", optUTC, time.Date(2021, 3, 12, 13, 5, 0, 123456000, time.UTC)},
		{"2021-03-12", optParis, utc(2021, 3, 11, 23, 0, 0)},
		{"2021-03-12 14:05:00", optUTC, utc(2021, 3, 12, 14, 5, 0)},
		{"Publié le 2021-03-12T14:05:00+01:00 par Camille", optUTC, utc(2021, 3, 12, 13, 5, 0)},
		// Feed formats.
		{"Mon, 02 Jan 2006 15:04:05 -0700", optParis, utc(2006, 1, 2, 22, 4, 5)},
		{"Mon, 02 Jan 2006 15:04:05 GMT", optParis, utc(2006, 1, 2, 15, 4, 5)},
		{"Mon, 02 Jan 2006 15:04:05 EST", optUTC, utc(2006, 1, 2, 20, 4, 5)},
		{"Mon, 2 Jan 2006 15:04:05 +0100", optUTC, utc(2006, 1, 2, 14, 4, 5)},
		{"02 Jan 06 15:04 MST", optUTC, utc(2006, 1, 2, 22, 4, 0)},
		{"02 Jan 06 15:04 +0100", optUTC, utc(2006, 1, 2, 14, 4, 0)},
		{"Monday, 02-Jan-06 15:04:05 UTC", optParis, utc(2006, 1, 2, 15, 4, 5)},
		{"Tue, 19 Dec 2023 08:26:00 CET", optUTC, utc(2023, 12, 19, 7, 26, 0)},
		// English.
		{"March 5, 2024 at 3:04 pm", optUTC, utc(2024, 3, 5, 15, 4, 0)},
		{"March 5, 2024 at 12:04 AM", optUTC, utc(2024, 3, 5, 0, 4, 0)},
		{"5 Mar 2024", optUTC, utc(2024, 3, 5, 0, 0, 0)},
		{"yesterday at 3:04 PM", optUTC, utc(2024, 2, 13, 15, 4, 0)},
		{"2 days ago", optUTC, utc(2024, 2, 12, 18, 30, 0)},
		{"an hour ago", optUTC, utc(2024, 2, 14, 17, 30, 0)},
		{"Posted on January 3rd, 2024 at 5 pm", optUTC, utc(2024, 1, 3, 17, 0, 0)},
		{"Sat Jan 06, 2024 10:42 pm", optUTC, utc(2024, 1, 6, 22, 42, 0)},
		// phpBB French.
		{"Posté le : Lun 12 Fév 2024 - 10:15", optParis, utc(2024, 2, 12, 9, 15, 0)},
		{"par Camille » Lun 12 Fév 2024 - 10:15", optUTC, utc(2024, 2, 12, 10, 15, 0)},
		// Unix timestamps (XenForo data-time) in seconds and milliseconds.
		{"1706000000", optParis, time.Unix(1706000000, 0).UTC()},
		{"1706000000123", optParis, time.Unix(1706000000, 0).UTC()},
		// Month spellings, case, accents.
		{"3 FÉVRIER 2024", optUTC, utc(2024, 2, 3, 0, 0, 0)},
		{"3 fevr 2024", optUTC, utc(2024, 2, 3, 0, 0, 0)},
		{"3 fév 2024", optUTC, utc(2024, 2, 3, 0, 0, 0)},
		{"3 Déc. 2023", optUTC, utc(2023, 12, 3, 0, 0, 0)},
		{"3 dec 2023", optUTC, utc(2023, 12, 3, 0, 0, 0)},
		{"14 juil. 2023", optUTC, utc(2023, 7, 14, 0, 0, 0)},
		{"14 juillet 2023", optUTC, utc(2023, 7, 14, 0, 0, 0)},
		{"4 sept. 2023", optUTC, utc(2023, 9, 4, 0, 0, 0)},
		{"15 août 2023", optUTC, utc(2023, 8, 15, 0, 0, 0)},
		{"15 aout 2023", optUTC, utc(2023, 8, 15, 0, 0, 0)},
		{"Publié le 6\u00a0juin\u00a02019 à 10\u202fh\u202f30", optUTC, utc(2019, 6, 6, 10, 30, 0)},
		{"Mis à jour le 21/11/2023 à 18h42", optUTC, utc(2023, 11, 21, 18, 42, 0)},
		{"10 h 15 UTC+2, 3 mai 2022", optUTC, utc(2022, 5, 3, 8, 15, 0)},
	}
	for _, c := range cases {
		got, err := Parse(c.in, c.opt)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("Parse(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"", ErrNoDate},
		{"   ", ErrNoDate},
		{"Camille Roux", ErrNoDate},
		{"Partager sur Facebook", ErrNoDate},
		{"32 mars 2024", ErrUnparseable},
		{"mars 2024", ErrUnparseable},
		{"31/02/2024", ErrUnparseable},
		{"il y a longtemps", ErrUnparseable},
		{"version 3.2", ErrUnparseable},
		{"25:99", ErrUnparseable},
	}
	for _, c := range cases {
		got, err := Parse(c.in, Options{Now: now})
		if !errors.Is(err, c.want) {
			t.Errorf("Parse(%q) = %v, %v; want error %v", c.in, got, err, c.want)
		}
		if err != nil && strings.TrimSpace(c.in) != "" && !strings.Contains(err.Error(), c.in) {
			t.Errorf("error %q does not name the input %q", err, c.in)
		}
	}
}

func TestParseDefaultsNow(t *testing.T) {
	before := time.Now().Add(-time.Second)
	got, err := Parse("il y a 1 minute", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := before.Add(-time.Minute).Sub(got); d > 2*time.Second || d < -2*time.Second {
		t.Errorf("relative to real now: got %v", got)
	}
}

func TestParseLongInputBounded(t *testing.T) {
	long := "6 juin 2019 " + strings.Repeat("é", 10000)
	got, err := Parse(long, Options{Now: now})
	if err != nil || !got.Equal(utc(2019, 6, 6, 0, 0, 0)) {
		t.Errorf("long input: %v %v", got, err)
	}
}

var seeds = []string{
	"14 mars 2018 at 10 h 59 min", "jeudi, janvier 23, 2025", "il y a 3 jours",
	"hier à 14h05", "mar. 19 déc. à 08:26", "12/03/2021 14:05",
	"2021-03-12T14:05:00+01:00", "Mon, 02 Jan 2006 15:04:05 -0700",
	"Posté le : Lun 12 Fév 2024 - 10:15", "Sat Jan 06, 2024 10:42 pm", "1706000000",
	"2 days ago", "il y a", "ago", "99:99", "29 févr.", "31/31/31", "1er", "\xff\xfe",
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	opt := Options{Now: now, Loc: paris}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		got, err := Parse(s, opt)
		// Generous: the fuzzer shares two cores; a real blow-up is far slower.
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("Parse(%q) took %v", s, d)
		}
		if err == nil && got.Location() != time.UTC {
			t.Errorf("Parse(%q) not UTC: %v", s, got)
		}
		if err != nil && !errors.Is(err, ErrNoDate) && !errors.Is(err, ErrUnparseable) {
			t.Errorf("Parse(%q): unexpected error kind %v", s, err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	cases := []struct{ name, in string }{
		{"iso", "2021-03-12T14:05:00+01:00"},
		{"rfc1123", "Mon, 02 Jan 2006 15:04:05 GMT"},
		{"french_long", "14 mars 2018 at 10 h 59 min"},
		{"french_noyear", "mar. 19 déc. à 08:26"},
		{"relative", "il y a 3 jours"},
		{"phpbb", "Posté le : Lun 12 Fév 2024 - 10:15"},
		{"numeric", "12/03/2021 14:05"},
		{"unix", "1706000000"},
		{"nodate", "Partager sur Facebook"},
	}
	opt := Options{Now: now, Loc: paris}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(c.in, opt)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "parses/s")
		})
	}
}
