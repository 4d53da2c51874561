package deliver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/alert"
)

func sampleEvent(kind alert.Kind, seq, sev int) alert.Event {
	at := time.Date(2025, 3, 3, 14, 0, 0, 0, time.UTC)
	return alert.Event{Kind: kind, Incident: alert.Incident{
		ID: "inc-0123456789abcdef0123", Brand: "Duval", Cause: alert.CauseVolume,
		Severity: sev, Seq: seq, OpenedAt: at, UpdatedAt: at.Add(time.Duration(seq) * time.Minute),
		Counts: alert.Counts{Total: 60, Neg: 52, Neu: 6, Pos: 2, Influencer: 1, Toxic: 3},
		Detail: "52 negative mentions in 5m0s, baseline expects 1.2 (z=14.0)",
		Link:   "https://console.example/incidents/inc-0123456789abcdef0123",
		Top: []alert.TopMention{
			{ID: "m1", URL: "https://forum.example/t/1#p3", Author: "Grande Voix", Snippet: "Les yaourts <Duval> & le goût : « horrible »", Sentiment: "neg", Score: -0.9, Influencer: true},
			{ID: "m2", URL: "https://blog.example/duval", Author: "", Snippet: "Rappel conso sur les yaourts", Sentiment: "neu"},
		},
	}}
}

// startNATS runs an embedded JetStream server on a random port.
func startNATS(t testing.TB, dir string) (*server.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close(); s.Shutdown(); s.WaitForShutdown() })
	return s, nc, js
}

// selfSigned returns a TLS certificate for 127.0.0.1/localhost and its PEM.
func selfSigned(t testing.TB) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	cert, err := tls.X509KeyPair(pemCert, pemKey)
	if err != nil {
		t.Fatal(err)
	}
	return cert, pemCert
}
