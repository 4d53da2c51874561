package forum

import (
	"fmt"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/veille-oss/veille/pkg/collection/dates"
)

// Profile parses the pages of one forum engine.
type Profile interface {
	// Name is the profile's config name, e.g. "phpbb".
	Name() string
	// Parse reads one page (HTML or, for Discourse, JSON; already UTF-8)
	// fetched from pageURL.
	Parse(doc, pageURL string, opt Options) (*Page, error)
}

// Options carries what date parsing needs to read relative and zone-less
// dates ("hier à 14h05", "Sat Jan 06, 2024 10:42 pm").
type Options struct {
	// Now anchors relative dates; zero means time.Now().
	Now time.Time
	// Loc is the forum's time zone for dates printed without one; nil means UTC.
	Loc *time.Location
	// Lang is the forum's language ("fr", "en"); "" means the page's <html lang>.
	Lang string
}

// Profile names.
const (
	PhpBB     = "phpbb"
	VBulletin = "vbulletin"
	XenForo   = "xenforo"
	Discourse = "discourse"
	Invision  = "invision"
	WordPress = "wordpress"
	Generic   = "generic"
)

// Profiles lists the built-in profiles (all but the generic one, which
// needs a config).
func Profiles() []Profile {
	return []Profile{phpbbProfile{}, vbulletinProfile{}, xenforoProfile{}, discourseProfile{}, invisionProfile{}, wordpressProfile{}}
}

// ProfileByName returns the built-in profile called name.
func ProfileByName(name string) (Profile, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, p := range Profiles() {
		if p.Name() == n {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w: unknown profile %q (want phpbb, vbulletin, xenforo, discourse, invision, wordpress or a generic config)", errBadProfile, name)
}

// load parses an HTML page after bounding its size.
func load(doc string) (*goquery.Document, error) {
	if len(doc) > MaxPageBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(doc), MaxPageBytes)
	}
	d, err := goquery.NewDocumentFromReader(strings.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("%w: html: %w", ErrBadPage, err)
	}
	return d, nil
}

// dateCtx is the resolved date-parsing context of one page.
type dateCtx struct {
	opt dates.Options
	// zone says which zone reads dates printed without one, and why:
	// "Europe/Paris (page)", "UTC+1 (page)", "Europe/Paris (source)",
	// "Europe/Paris (language)", "UTC (default)".
	zone string
}

// newDateCtx picks the zone of the page's zone-less dates: what the page
// states (its footer), else the source's configured zone, else the
// language's usual zone, else UTC.
func newDateCtx(opt Options, doc *goquery.Document) dateCtx {
	o := dates.Options{Now: opt.Now, Loc: opt.Loc, Lang: opt.Lang}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Lang == "" && doc != nil {
		o.Lang = htmlLang(doc)
	}
	from := "source"
	if l, _ := boardZone(doc); l != nil {
		o.Loc, from = l, "page"
	}
	if o.Loc == nil {
		// The language's usual zone (pkg/collection/dates, shared with the
		// crawler and the feed reader); UTC when the language has none.
		o.Loc, from = dates.LangZone(o.Lang), "language"
		if o.Loc == time.UTC {
			from = "default"
		}
	}
	return dateCtx{opt: o, zone: o.Loc.String() + " (" + from + ")"}
}

// parse reads a date; zero when it cannot, so one odd date never loses a post.
func (c dateCtx) parse(s string) time.Time {
	s = clean(s)
	if s == "" {
		return time.Time{}
	}
	t, err := dates.Parse(s, c.opt)
	if err != nil {
		if de := germanDate(s); de != "" && de != s {
			if t, err := dates.Parse(de, c.opt); err == nil {
				return t
			}
		}
		return time.Time{}
	}
	return t
}

// first returns the first non-zero date among candidates.
func (c dateCtx) first(cands ...string) time.Time {
	for _, s := range cands {
		if t := c.parse(s); !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// loginWallPhrases are the messages engines show instead of a thread to
// anonymous visitors.
var loginWallPhrases = []string{
	"Vous devez être inscrit et connecté",
	"Vous devez être connecté",
	"requiert que vous soyez inscrit et connecté",
	"You must be registered and logged in",
	"The board requires you to be registered and logged in",
	"You must log in or register",
	"You must be logged in",
	"Vous devez vous connecter ou vous inscrire",
	"Vous devez vous identifier",
	"You do not have permission to view",
	"Vous n'avez pas la permission",
	"Vous n’avez pas la permission",
	"Sorry, you don't have permission",
}

// loginWall reports the phrase that shows sel is a login wall.
func loginWall(sel *goquery.Selection) string {
	return textContainsAny(sel.Text(), loginWallPhrases...)
}
