package fetch

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
)

// DefaultContentTypes are the media types Fetch accepts when
// Options.ContentTypes is nil: HTML, XML and feeds, JSON, plain text.
// Entries may be exact ("text/html"), a family ("text/*") or "*/*".
func DefaultContentTypes() []string {
	return []string{
		"text/html", "application/xhtml+xml",
		"application/xml", "text/xml",
		"application/rss+xml", "application/x-rss+xml", "application/atom+xml", "application/rdf+xml",
		"application/feed+json", "application/json",
		"text/plain",
	}
}

// defaultAccept prefers what the crawlers parse; */* last so servers that
// negotiate strictly still answer.
const defaultAccept = "text/html,application/xhtml+xml,application/xml;q=0.9," +
	"application/rss+xml,application/atom+xml,application/feed+json,application/json;q=0.8," +
	"text/plain;q=0.7,*/*;q=0.1"

// acceptEncoding lists exactly what decodeContent undoes.
const acceptEncoding = "gzip, deflate, br"

func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

func typeAllowed(mt string, allowed []string) bool {
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case a == "*/*" || a == mt:
			return true
		case strings.HasSuffix(a, "/*") && strings.HasPrefix(mt, a[:len(a)-1]):
			return true
		}
	}
	return false
}

// capReader fails with ErrTooLarge once more than n bytes have been read,
// so neither an endless body nor an endless decompressed stream is buffered.
type capReader struct {
	r io.Reader
	n int64 // bytes still allowed
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > c.n+1 {
		p = p[:c.n+1]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if c.n < 0 {
		return n, ErrTooLarge
	}
	return n, err
}

// maxEncodingLayers bounds "gzip, gzip, gzip, …" stacking.
const maxEncodingLayers = 3

// decodeContent undoes the Content-Encoding header, last applied first.
// The transport's own decompression is off so the limits see decoded bytes.
func decodeContent(r io.Reader, contentEncoding string) (io.Reader, error) {
	var codings []string
	for c := range strings.SplitSeq(contentEncoding, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		if c != "" && c != "identity" {
			codings = append(codings, c)
		}
	}
	if len(codings) > maxEncodingLayers {
		return nil, fmt.Errorf("%w: %d layers %q", ErrEncoding, len(codings), contentEncoding)
	}
	for i := len(codings) - 1; i >= 0; i-- {
		switch codings[i] {
		case "gzip", "x-gzip":
			zr, err := gzip.NewReader(r)
			if err != nil {
				return nil, fmt.Errorf("gzip body: %w", err)
			}
			r = zr
		case "deflate":
			// "deflate" is meant to be zlib, but some servers send raw DEFLATE.
			br := bufio.NewReader(r)
			if h, err := br.Peek(2); err == nil && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
				zr, err := zlib.NewReader(br)
				if err != nil {
					return nil, fmt.Errorf("deflate body: %w", err)
				}
				r = zr
			} else {
				r = flate.NewReader(br)
			}
		case "br":
			r = brotli.NewReader(r)
		default:
			return nil, fmt.Errorf("%w: %q", ErrEncoding, codings[i])
		}
	}
	return r, nil
}

// readBody reads resp's body, decoded, up to max bytes, checking the media
// type first (sniffed from the first bytes when the header has none). It
// returns the body and the content type to report.
func readBody(resp *http.Response, max int64, allowed []string) ([]byte, string, error) {
	ct := resp.Header.Get("Content-Type")
	if ct != "" && !typeAllowed(mediaType(ct), allowed) {
		return nil, ct, fmt.Errorf("%w: %q", ErrNotText, ct)
	}
	encoded := resp.Header.Get("Content-Encoding")
	if resp.ContentLength > max && (encoded == "" || strings.EqualFold(encoded, "identity")) {
		return nil, ct, fmt.Errorf("%w: Content-Length %d over limit %d", ErrTooLarge, resp.ContentLength, max)
	}
	// The wire is capped too: a compressed stream that decodes to nothing
	// must not be read forever.
	dec, err := decodeContent(&capReader{r: resp.Body, n: max}, encoded)
	if err != nil {
		return nil, ct, err
	}
	br := bufio.NewReaderSize(dec, 512)
	if ct == "" {
		head, _ := br.Peek(512)
		sniffed := mediaType(http.DetectContentType(head))
		if !typeAllowed(sniffed, allowed) {
			return nil, sniffed, fmt.Errorf("%w: sniffed %q", ErrNotText, sniffed)
		}
		ct = sniffed
	}
	initial := int64(bytesMin)
	if resp.ContentLength > 0 && resp.ContentLength <= max {
		initial = resp.ContentLength
	}
	buf := make([]byte, 0, initial)
	body, err := readAllInto(buf, &capReader{r: br, n: max})
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, ct, fmt.Errorf("%w: over limit %d bytes", ErrTooLarge, max)
		}
		return nil, ct, err
	}
	return body, ct, nil
}

const bytesMin = 16 << 10

// readAllInto is io.ReadAll with a caller-sized first buffer.
func readAllInto(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				return b, nil
			}
			return b, err
		}
	}
}
