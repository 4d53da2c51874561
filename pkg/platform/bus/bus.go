// Package bus is veille's message bus on NATS JetStream: the streams of raw
// mentions, enriched mentions, alerts and dead letters, durable pull
// consumers with explicit acks, Msg-Id deduplication, and the embedded
// nats-server used when no external NATS is configured.
package bus

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/text/unicode/norm"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// Stream names and subjects (see DESIGN.md).
const (
	StreamRaw        = "MENTIONS_RAW"
	StreamEnriched   = "MENTIONS_ENRICHED"
	StreamAlerts     = "ALERTS"
	StreamDeadLetter = "DEADLETTER"

	SubjectRawPrefix      = "mentions.raw."
	SubjectEnrichedPrefix = "mentions.enriched."
	SubjectAlertsPrefix   = "alerts."
	SubjectDeadPrefix     = "deadletter."

	// Headers set on dead letters.
	HeaderReason      = "Veille-Dead-Reason"
	HeaderOrigSubject = "Veille-Orig-Subject"
	HeaderOrigStream  = "Veille-Orig-Stream"
	HeaderConsumer    = "Veille-Consumer"
	HeaderDeliveries  = "Veille-Deliveries"
)

var (
	// errEmbeddedStart is returned when the embedded nats-server cannot start.
	errEmbeddedStart = errors.New("embedded nats-server did not start")
	// errConnect is returned when no connection to NATS can be made.
	errConnect = errors.New("cannot connect to NATS")
	// ErrPublish is returned when JetStream does not acknowledge a publish.
	ErrPublish = errors.New("publish not acknowledged")
)

// Bus is a connection to NATS with JetStream, and the embedded server if any.
type Bus struct {
	NC  *nats.Conn
	JS  jetstream.JetStream
	cfg config.NATS
	log *slog.Logger
	srv *server.Server
}

// Connect connects to the configured NATS, or starts the embedded server when
// cfg.URL is empty, and makes sure the streams exist.
func Connect(ctx context.Context, cfg config.NATS, dataDir string, log *slog.Logger) (*Bus, error) {
	if log == nil {
		log = slog.Default()
	}
	b := &Bus{cfg: cfg, log: log}
	url := cfg.URL
	var opts []nats.Option
	if url == "" {
		srv, err := StartEmbedded(cfg.Embedded, dataDir, log)
		if err != nil {
			return nil, err
		}
		b.srv = srv
		url = srv.ClientURL()
		opts = append(opts, nats.InProcessServer(srv))
	} else {
		o, err := clientOptions(cfg)
		if err != nil {
			return nil, err
		}
		opts = append(opts, o...)
	}
	opts = append(opts,
		nats.Name("veille"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
		nats.ReconnectBufSize(64<<20),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted()) }),
	)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		b.shutdownServer()
		return nil, fmt.Errorf("%w at %s: %w", errConnect, redactURL(url), err)
	}
	b.NC = nc
	js, err := jetstream.New(nc)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	b.JS = js
	if err := b.EnsureStreams(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// StartEmbedded starts the real nats-server in-process with JetStream on and
// its file store under dataDir (or cfg.StoreDir).
func StartEmbedded(cfg config.Embedded, dataDir string, log *slog.Logger) (*server.Server, error) {
	host, portS, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("%w: listen %q: %w", errEmbeddedStart, cfg.Listen, err)
	}
	port, err := strconv.Atoi(portS)
	if err != nil {
		return nil, fmt.Errorf("%w: listen %q: bad port", errEmbeddedStart, cfg.Listen)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	store := cfg.StoreDir
	if store == "" {
		store = filepath.Join(dataDir, "nats")
	}
	if err := os.MkdirAll(store, 0o750); err != nil {
		return nil, fmt.Errorf("%w: store dir: %w", errEmbeddedStart, err)
	}
	opts := &server.Options{
		ServerName: "veille-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   store,
		NoSigs:     true,
		// 1 MiB is plenty for a mention (text is bounded to 32 KiB).
		MaxPayload: 1 << 20,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errEmbeddedStart, err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("%w: not ready after 15s on %s (port in use by another NATS?)", errEmbeddedStart, cfg.Listen)
	}
	log.Info("embedded nats-server started", "url", srv.ClientURL(), "store", store)
	return srv, nil
}

func clientOptions(cfg config.NATS) ([]nats.Option, error) {
	var opts []nats.Option
	switch {
	case cfg.CredsFile != "":
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	case cfg.NKeySeedFile != "":
		o, err := nats.NkeyOptionFromSeed(cfg.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("%w: nats.nkey_seed_file: %w", errConnect, err)
		}
		opts = append(opts, o)
	case cfg.Token != "":
		opts = append(opts, nats.Token(cfg.Token.Reveal()))
	case cfg.User != "":
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password.Reveal()))
	}
	if cfg.TLS.CAFile != "" || cfg.TLS.CertFile != "" || cfg.TLS.InsecureSkipVerify {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.TLS.InsecureSkipVerify}
		if cfg.TLS.CAFile != "" {
			pem, err := os.ReadFile(cfg.TLS.CAFile)
			if err != nil {
				return nil, fmt.Errorf("%w: nats.tls.ca_file: %w", errConnect, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%w: nats.tls.ca_file: no certificate in %s", errConnect, cfg.TLS.CAFile)
			}
			tc.RootCAs = pool
		}
		if cfg.TLS.CertFile != "" {
			cert, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("%w: nats.tls.cert_file/key_file: %w", errConnect, err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		opts = append(opts, nats.Secure(tc))
	}
	return opts, nil
}

func redactURL(u string) string {
	if i := strings.Index(u, "@"); i >= 0 {
		if j := strings.Index(u, "://"); j >= 0 && j < i {
			return u[:j+3] + "[redacted]@" + u[i+1:]
		}
	}
	return u
}

// Server returns the embedded server, or nil when connected to an external one.
func (b *Bus) Server() *server.Server { return b.srv }

// EnsureStreams creates or updates the streams veille uses.
func (b *Bus) EnsureStreams(ctx context.Context) error {
	r := b.cfg.Replicas
	if r == 0 {
		r = 1
	}
	dup := b.cfg.DedupWindow
	if dup == 0 {
		dup = 2 * time.Minute
	}
	maxAge := b.cfg.MaxAge
	streams := []jetstream.StreamConfig{
		{Name: StreamRaw, Subjects: []string{SubjectRawPrefix + ">"}, Duplicates: dup, MaxAge: maxAge, MaxBytes: b.maxBytes()},
		{Name: StreamEnriched, Subjects: []string{SubjectEnrichedPrefix + ">"}, Duplicates: dup, MaxAge: maxAge, MaxBytes: b.maxBytes()},
		// alerts.<brand> only: one token, so alerts.outbox.<channel> can live in its own stream.
		{Name: StreamAlerts, Subjects: []string{SubjectAlertsPrefix + "*"}, Duplicates: dup, MaxAge: 30 * 24 * time.Hour},
		{Name: StreamDeadLetter, Subjects: []string{SubjectDeadPrefix + ">"}, Duplicates: dup, MaxAge: 30 * 24 * time.Hour},
	}
	for _, sc := range streams {
		sc.Replicas = r
		sc.Storage = jetstream.FileStorage
		sc.Retention = jetstream.LimitsPolicy
		sc.Discard = jetstream.DiscardOld
		if _, err := b.JS.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

func (b *Bus) maxBytes() int64 {
	if b.cfg.MaxBytes > 0 {
		return b.cfg.MaxBytes
	}
	return -1
}

// Close drains the connection and stops the embedded server.
func (b *Bus) Close() {
	if b.NC != nil {
		_ = b.NC.Drain()
		deadline := time.Now().Add(5 * time.Second)
		for !b.NC.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		b.NC.Close()
	}
	b.shutdownServer()
}

func (b *Bus) shutdownServer() {
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
		b.srv = nil
	}
}

// Token turns a name into one subject token: lower case, accents folded,
// anything but [a-z0-9_-] replaced by '_'.
func Token(s string) string {
	var sb strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(s))) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	if sb.Len() == 0 {
		return "_"
	}
	return sb.String()
}

// RawSubject is where collectors publish a mention of the given source kind.
func RawSubject(kind string) string { return SubjectRawPrefix + Token(kind) }

// EnrichedSubject is where the enricher publishes a mention in language lang.
func EnrichedSubject(lang string) string {
	if lang == "" {
		lang = "und"
	}
	return SubjectEnrichedPrefix + Token(lang)
}

// AlertSubject is where alerts for a brand are published.
func AlertSubject(brand string) string { return SubjectAlertsPrefix + Token(brand) }

// MsgID is the Nats-Msg-Id of a mention: a 96-bit digest of its id and of
// the content hash when set, so that an edited post is not swallowed by the
// duplicate window. A digest, not the readable id: nats-server keeps every id
// of the window in memory (the map key, its entry, the string), and 16 bytes
// instead of the 49 of "<id>.<hash>" take ~45 B off each of the rate x
// window x 2 streams entries. The mention id is in the body.
func MsgID(m *mention.Mention) string {
	h := sha256.New()
	h.Write([]byte(m.ID))
	if m.ContentHash != "" {
		ch := m.ContentHash
		if len(ch) > 16 {
			ch = ch[:16]
		}
		h.Write([]byte{'.'})
		h.Write([]byte(ch))
	}
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(h.Sum(sum[:0])[:12])
}

// PublishMention encodes, validates and publishes m with its Msg-Id, waiting
// for the stream's acknowledgement.
func (b *Bus) PublishMention(ctx context.Context, subject string, m *mention.Mention) error {
	data, err := mention.Encode(m)
	if err != nil {
		return err
	}
	if _, err := b.JS.Publish(ctx, subject, data, jetstream.WithMsgID(MsgID(m))); err != nil {
		return fmt.Errorf("%w: %s id %s: %w", ErrPublish, subject, m.ID, err)
	}
	return nil
}

// PublishMentionAsync publishes without waiting; the caller waits on the future.
func (b *Bus) PublishMentionAsync(subject string, m *mention.Mention) (jetstream.PubAckFuture, error) {
	data, err := mention.Encode(m)
	if err != nil {
		return nil, err
	}
	return b.JS.PublishAsync(subject, data, jetstream.WithMsgID(MsgID(m)))
}
