package console

import (
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/obs"
)

// withoutCredentials is what the sources page and API show of a source:
// its configured URL may carry a user name and password for the fetch,
// and records written by older collectors may too.
func (h SourceHealth) withoutCredentials() SourceHealth {
	h.URL = mention.StripUserinfo(h.URL)
	h.LastError = obs.RedactURLs(h.LastError)
	return h
}
