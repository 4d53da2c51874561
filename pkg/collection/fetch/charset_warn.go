package fetch

import (
	"net/url"

	"github.com/veille-oss/veille/pkg/collection/textenc"
)

// maxCharsetWarnings bounds the memory of warned host+label pairs.
const maxCharsetWarnings = 10_000

// warnCharset logs, once per host and label, that a body declared a charset
// without a decoder and how it was decoded instead.
func (f *Fetcher) warnCharset(u *url.URL, dec textenc.Result) {
	key := u.Hostname() + "\x00" + dec.Unknown
	if _, seen := f.charsetWarned.Load(key); seen || f.charsetCount.Load() >= maxCharsetWarnings {
		return
	}
	if _, seen := f.charsetWarned.LoadOrStore(key, struct{}{}); seen {
		return
	}
	f.charsetCount.Add(1)
	f.log.Warn("unknown charset; decoded with the fallback, text may be wrong",
		"host", u.Hostname(), "url", u.String(), "declared", dec.Unknown, "decoded_as", dec.Encoding)
}
