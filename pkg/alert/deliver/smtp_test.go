package deliver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
)

// smtpServer is a small real SMTP server: EHLO, STARTTLS, AUTH PLAIN (only
// after TLS), MAIL, RCPT, DATA, QUIT.
type smtpServer struct {
	ln       net.Listener
	cert     tls.Certificate
	user     string
	pass     string
	mu       sync.Mutex
	messages [][]byte
	rcpts    [][]string
	authTLS  []bool // whether each AUTH came inside TLS
	badAuth  int
}

func newSMTPServer(t *testing.T, cert tls.Certificate, user, pass string) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, cert: cert, user: user, pass: pass}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(l string) { w.WriteString(l + "\r\n"); w.Flush() }
	inTLS := false
	var rcpts []string
	say("220 localhost ESMTP test")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		up := strings.ToUpper(cmd)
		switch {
		case strings.HasPrefix(up, "EHLO"):
			w.WriteString("250-localhost\r\n")
			if !inTLS {
				w.WriteString("250-STARTTLS\r\n")
			} else {
				w.WriteString("250-AUTH PLAIN\r\n")
			}
			say("250 8BITMIME")
		case up == "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{s.cert}})
			if err := tc.Handshake(); err != nil {
				return
			}
			c, inTLS = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case strings.HasPrefix(up, "AUTH PLAIN"):
			s.mu.Lock()
			s.authTLS = append(s.authTLS, inTLS)
			s.mu.Unlock()
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(cmd[len("AUTH PLAIN"):]))
			parts := strings.Split(string(raw), "\x00")
			if !inTLS || len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
				s.mu.Lock()
				s.badAuth++
				s.mu.Unlock()
				say("535 5.7.8 authentication failed")
				continue
			}
			say("235 ok")
		case strings.HasPrefix(up, "MAIL FROM:"):
			rcpts = nil
			say("250 ok")
		case strings.HasPrefix(up, "RCPT TO:"):
			rcpts = append(rcpts, strings.Trim(cmd[len("RCPT TO:"):], "<> "))
			say("250 ok")
		case up == "DATA":
			say("354 end with .")
			var msg bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.messages = append(s.messages, msg.Bytes())
			s.rcpts = append(s.rcpts, rcpts)
			s.mu.Unlock()
			say("250 queued")
		case up == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func emailConfig(t *testing.T, s *smtpServer, pemCert []byte, pass string) ChannelConfig {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pemCert, 0o600); err != nil {
		t.Fatal(err)
	}
	port := s.ln.Addr().(*net.TCPAddr).Port
	cfg := Config{Channels: []ChannelConfig{{Name: "ops-mail", Type: TypeEmail, SMTPHost: "127.0.0.1", SMTPPort: port,
		Username: "veille", Password: pass, From: "veille@example.org", To: []string{"cm@example.org", "ops@example.org"}, CAFile: ca}}}.Resolve(nil)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg.Channels[0]
}

func TestEmailOverSTARTTLS(t *testing.T) {
	cert, pemCert := selfSigned(t)
	srv := newSMTPServer(t, cert, "veille", "s3cret-pass")
	ch, err := NewEmail(emailConfig(t, srv, pemCert, "s3cret-pass"))
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleEvent(alert.Escalated, 3, 8)
	if err := ch.Send(context.Background(), Message{Key: ev.Key("ops-mail"), Event: ev, Attempt: 1, SentAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.messages) != 1 || len(srv.authTLS) != 1 || !srv.authTLS[0] {
		t.Fatalf("messages %d, auth-in-TLS %v", len(srv.messages), srv.authTLS)
	}
	if strings.Join(srv.rcpts[0], ",") != "cm@example.org,ops@example.org" {
		t.Fatalf("rcpts %v", srv.rcpts[0])
	}
	msg, err := mail.ReadMessage(bytes.NewReader(srv.messages[0]))
	if err != nil {
		t.Fatal(err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.Contains(subj, "Incident aggravé") || !strings.Contains(subj, "Duval") || !strings.Contains(subj, "8/10") {
		t.Fatalf("subject %q (%v)", subj, err)
	}
	if got := msg.Header.Get("X-Veille-Delivery"); got != "inc-0123456789abcdef0123:3:ops-mail" {
		t.Fatalf("X-Veille-Delivery %q", got)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	parts := map[string]string{}
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = string(b)
	}
	if !strings.Contains(parts["text/plain"], "« horrible »") || !strings.Contains(parts["text/plain"], "https://console.example/incidents/inc-0123456789abcdef0123") {
		t.Fatalf("text part:\n%s", parts["text/plain"])
	}
	if !strings.Contains(parts["text/html"], "&lt;Duval&gt; &amp; le goût") || !strings.Contains(parts["text/html"], `<a href="https://forum.example/t/1#p3">Grande Voix</a>`) {
		t.Fatalf("html part (escaping, links):\n%s", parts["text/html"])
	}
}

func TestEmailBadPasswordIsPermanentAndRedacted(t *testing.T) {
	cert, pemCert := selfSigned(t)
	srv := newSMTPServer(t, cert, "veille", "right-password")
	ch, err := NewEmail(emailConfig(t, srv, pemCert, "wrong-password-xyz"))
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleEvent(alert.Opened, 1, 5)
	err = ch.Send(context.Background(), Message{Key: ev.Key("ops-mail"), Event: ev, Attempt: 1, SentAt: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("err = %v", err)
	}
	if !isPermanent(err) {
		t.Fatalf("535 should be permanent: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-password-xyz") {
		t.Fatalf("password leaked: %v", err)
	}
}

func TestEmailRefusesUntrustedCert(t *testing.T) {
	cert, _ := selfSigned(t)
	_, otherPEM := selfSigned(t)
	srv := newSMTPServer(t, cert, "veille", "pw-123456")
	ch, err := NewEmail(emailConfig(t, srv, otherPEM, "pw-123456"))
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleEvent(alert.Opened, 1, 5)
	err = ch.Send(context.Background(), Message{Key: "k", Event: ev, Attempt: 1, SentAt: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("an untrusted certificate must fail STARTTLS, got %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.authTLS) != 0 {
		t.Fatal("credentials were sent despite the failed TLS handshake")
	}
}
