package deliver

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"
)

// emailChannel sends one multipart (text + HTML) message per event over
// SMTP with STARTTLS; PLAIN auth is only ever sent inside TLS.
type emailChannel struct {
	cfg  ChannelConfig
	tls  *tls.Config
	host string
}

// NewEmail builds an e-mail channel; it reads ca_file if set.
func NewEmail(cfg ChannelConfig) (Channel, error) {
	tc := &tls.Config{ServerName: cfg.SMTPHost, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: channels.%s.ca_file: %w", ErrConfig, cfg.Name, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: channels.%s.ca_file: no PEM certificate in it", ErrConfig, cfg.Name)
		}
		tc.RootCAs = pool
	}
	return &emailChannel{cfg: cfg, tls: tc, host: net.JoinHostPort(cfg.SMTPHost, strconv.Itoa(cfg.SMTPPort))}, nil
}

func (c *emailChannel) Name() string { return c.cfg.Name }

func (c *emailChannel) fail(step string, err error) error {
	msg := redact(err.Error(), c.cfg.Password)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("channel %s: %s: %w: %s", c.cfg.Name, step, ErrPermanent, msg)
	}
	return fmt.Errorf("channel %s: %s: %s", c.cfg.Name, step, msg)
}

func (c *emailChannel) Send(ctx context.Context, m Message) error {
	msg, err := c.build(m)
	if err != nil {
		return fmt.Errorf("channel %s: build message: %w: %w", c.cfg.Name, ErrPermanent, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	d := net.Dialer{Timeout: c.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", c.host)
	if err != nil {
		return c.fail("dial", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	cl, err := smtp.NewClient(conn, c.cfg.SMTPHost)
	if err != nil {
		return c.fail("greeting", err)
	}
	defer cl.Close()
	if err := cl.Hello("veille.localdomain"); err != nil {
		return c.fail("EHLO", err)
	}
	if ok, _ := cl.Extension("STARTTLS"); ok {
		if err := cl.StartTLS(c.tls); err != nil {
			return c.fail("STARTTLS", err)
		}
	} else if !c.cfg.InsecurePlaintext {
		return fmt.Errorf("channel %s: %w: server does not offer STARTTLS", c.cfg.Name, ErrPermanent)
	}
	if c.cfg.Username != "" {
		if _, isTLS := cl.TLSConnectionState(); !isTLS {
			return fmt.Errorf("channel %s: %w: refusing to send credentials without TLS", c.cfg.Name, ErrPermanent)
		}
		if err := cl.Auth(smtp.PlainAuth("", c.cfg.Username, c.cfg.Password, c.cfg.SMTPHost)); err != nil {
			return c.fail("AUTH", err)
		}
	}
	if err := cl.Mail(c.cfg.From); err != nil {
		return c.fail("MAIL FROM", err)
	}
	for _, to := range c.cfg.To {
		if err := cl.Rcpt(to); err != nil {
			return c.fail("RCPT TO", err)
		}
	}
	w, err := cl.Data()
	if err != nil {
		return c.fail("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return c.fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return c.fail("DATA", err)
	}
	_ = cl.Quit()
	return nil
}

// build writes the RFC 5322 message: multipart/alternative, quoted-printable
// UTF-8 parts, Message-ID derived from the delivery key so a resent copy is
// recognisable as the same message.
func (c *emailChannel) build(m Message) ([]byte, error) {
	html, err := htmlText(m.Event)
	if err != nil {
		return nil, err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	if err := mw.SetBoundary("veille-" + hex.EncodeToString(rnd[:])); err != nil {
		return nil, err
	}
	for _, p := range []struct{ ctype, text string }{
		{"text/plain; charset=utf-8", plainText(m.Event)},
		{"text/html; charset=utf-8", html},
	} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", p.ctype)
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		qw := quotedprintable.NewWriter(pw)
		if _, err := qw.Write([]byte(p.text)); err != nil {
			return nil, err
		}
		if err := qw.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", c.cfg.From)
	hdr("To", strings.Join(c.cfg.To, ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", title(m.Event)))
	hdr("Date", m.SentAt.UTC().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+strings.ReplaceAll(m.Key, ":", ".")+"@veille>")
	hdr("MIME-Version", "1.0")
	hdr("X-Veille-Delivery", m.Key)
	hdr("X-Veille-Event", string(m.Event.Kind))
	hdr("Content-Type", "multipart/alternative; boundary="+mw.Boundary())
	b.WriteString("\r\n")
	b.Write(body.Bytes())
	return b.Bytes(), nil
}
