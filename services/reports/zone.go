package reports

import (
	"fmt"
	"time"
	_ "time/tzdata" // the zone database in the binary: hosts without tzdata still name Europe/Paris
)

// DefaultZone is the zone reports show times in when none is chosen: the
// French-speaking teams veille serves first read Paris time.
const DefaultZone = "Europe/Paris"

// LoadZone loads an IANA time zone (Europe/Paris, Africa/Abidjan, UTC…),
// naming the zone in its error.
func LoadZone(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w: time zone %q: use an IANA name such as Europe/Paris or UTC", ErrOptions, name)
	}
	return loc, nil
}

// zoneLabel names the zone of the report's times with its offset at t:
// "Europe/Paris (UTC+01:00)".
func zoneLabel(loc *time.Location, t time.Time) string {
	_, off := t.In(loc).Zone()
	sign := "+"
	if off < 0 {
		sign, off = "−", -off
	}
	name := loc.String()
	if name == "Local" {
		name, _ = t.In(loc).Zone()
	}
	return fmt.Sprintf("%s (UTC%s%02d:%02d)", name, sign, off/3600, off%3600/60)
}
