package dates

import (
	"strings"
	"time"

	// The zone database is embedded (~450 KB) so a minimal container without
	// /usr/share/zoneinfo still reads "16h02" on a Paris site as 15:02 UTC
	// instead of silently falling back to UTC.
	_ "time/tzdata"
)

// MaxSkew is how far in the future a publication date may be before it is
// taken as wrong: clocks and CMS caches drift by seconds to minutes, a date
// an hour ahead is a time-zone mistake or a scheduled post shown early.
const MaxSkew = 5 * time.Minute

// langZones is the usual time zone of sites written in a language (and
// region), for dates that name no zone when neither the source's
// configuration nor the page or feed declares one. A language spoken
// across many zones without a region (en, es, ar) has none: UTC stays.
var langZones = map[string]string{
	"fr": "Europe/Paris", "fr-fr": "Europe/Paris", "fr-be": "Europe/Brussels", "fr-ch": "Europe/Zurich",
	"fr-lu": "Europe/Luxembourg", "fr-mc": "Europe/Monaco", "fr-ca": "America/Toronto",
	"fr-sn": "Africa/Dakar", "fr-ci": "Africa/Abidjan", "fr-ma": "Africa/Casablanca", "fr-tn": "Africa/Tunis",
	"fr-dz": "Africa/Algiers", "fr-cm": "Africa/Douala", "fr-ml": "Africa/Bamako", "fr-bf": "Africa/Ouagadougou",
	"fr-cd": "Africa/Kinshasa", "fr-ga": "Africa/Libreville", "fr-bj": "Africa/Porto-Novo", "fr-tg": "Africa/Lome",
	"fr-ne": "Africa/Niamey", "fr-gn": "Africa/Conakry", "fr-mg": "Indian/Antananarivo", "fr-re": "Indian/Reunion",
	"fr-ht": "America/Port-au-Prince",
	"de":    "Europe/Berlin", "de-at": "Europe/Vienna", "de-ch": "Europe/Zurich", "it": "Europe/Rome",
	"nl": "Europe/Amsterdam", "nl-be": "Europe/Brussels", "pt": "Europe/Lisbon", "pt-br": "America/Sao_Paulo",
	"es": "Europe/Madrid", "es-es": "Europe/Madrid", "en-gb": "Europe/London", "en-ie": "Europe/Dublin", "pl": "Europe/Warsaw",
	"ru": "Europe/Moscow", "ja": "Asia/Tokyo", "ko": "Asia/Seoul",
}

// LangZone is the usual time zone of a language tag ("fr", "fr-BE",
// "fr_CA"); UTC when the language has no single usual zone or is unknown.
func LangZone(lang string) *time.Location {
	tag := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(lang)), "_", "-")
	name, ok := langZones[tag]
	if !ok {
		if i := strings.IndexByte(tag, '-'); i > 0 {
			name, ok = langZones[tag[:i]]
		}
	}
	if !ok {
		return time.UTC
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return l
}

// Zone picks the zone for dates that name none, in the order: the
// source's configured zone, else what the page or feed declares (declared
// may be nil), else the language's usual zone, else UTC. configured is an
// IANA name the configuration has already checked; an unknown one is
// skipped rather than trusted.
func Zone(configured string, declared *time.Location, lang string) *time.Location {
	if configured != "" {
		if l, err := time.LoadLocation(configured); err == nil {
			return l
		}
	}
	if declared != nil {
		return declared
	}
	return LangZone(lang)
}

// DeclaredZone turns a date a page states with an offset (its
// article:published_time, say) into the zone its other dates are written
// in: the language's zone when that zone had this offset at that instant
// (so summer and winter dates both come out right), else the bare offset.
// ok is false for a date stated in UTC ("Z", +00:00) when the language's
// zone is not at UTC then: a CMS that writes UTC in its metadata says
// nothing about the zone of the text it shows.
func DeclaredZone(t time.Time, lang string) (loc *time.Location, ok bool) {
	_, off := t.Zone()
	lz := LangZone(lang)
	if _, lo := t.In(lz).Zone(); lo == off {
		return lz, true
	}
	if off == 0 {
		return nil, false
	}
	return time.FixedZone("", off), true
}

// Clamp bounds a publication date by the collection time: a date more than
// MaxSkew after collected becomes collected, and clamped reports it so the
// mention can say its date was corrected. Zero dates (unknown) stay zero.
func Clamp(published, collected time.Time) (t time.Time, clamped bool) {
	if published.IsZero() || !published.After(collected.Add(MaxSkew)) {
		return published, false
	}
	return collected, true
}
