package fetch

import "time"

// Event describes one HTTP exchange (one attempt; robots.txt included), for
// metrics. Status is 0 when no response arrived.
type Event struct {
	URL      string
	Host     string
	Status   int
	Bytes    int64 // body bytes after decompression
	Duration time.Duration
	Err      error
	Attempt  int  // 0 for the first try
	Robots   bool // a robots.txt fetch
	// UnknownCharset is a declared charset without a decoder (the body was
	// decoded by textenc's fallback), for a counter.
	UnknownCharset string
}

// Observer receives Events. It is called synchronously from fetching
// goroutines: implementations must be safe for concurrent use and quick.
// The services wire it to their metrics; this package imports none.
type Observer interface {
	ObserveFetch(Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

// ObserveFetch calls fn(e).
func (fn ObserverFunc) ObserveFetch(e Event) { fn(e) }

func (f *Fetcher) observe(e Event) {
	if f.opts.Observer != nil {
		f.opts.Observer.ObserveFetch(e)
	}
}
