package bus_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

func sample(i int) *mention.Mention {
	m := &mention.Mention{Brand: "Duval", SourceKind: "web", SourceName: "t", URL: "https://x.test/" + string(rune('a'+i)), CollectedAt: time.Now()}
	m.SetID()
	return m
}

func TestMsgIDDeduplicates(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	ctx := context.Background()
	for round := 0; round < 3; round++ {
		for i := 0; i < 5; i++ {
			if err := b.PublishMention(ctx, bus.RawSubject("web"), sample(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// An edit (new content hash) is a new message under the same mention id.
	edited := sample(0)
	edited.ContentHash = "feedbeef"
	if err := b.PublishMention(ctx, bus.RawSubject("web"), edited); err != nil {
		t.Fatal(err)
	}
	s, _ := b.JS.Stream(ctx, bus.StreamRaw)
	info, _ := s.Info(ctx)
	if info.State.Msgs != 6 {
		t.Fatalf("stream holds %d messages, want 5 + 1 edit", info.State.Msgs)
	}
}

func TestInvalidMentionNotPublished(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	m := sample(1)
	m.SourceKind = "tv"
	if err := b.PublishMention(context.Background(), bus.RawSubject("web"), m); !errors.Is(err, mention.ErrInvalid) {
		t.Fatalf("got %v", err)
	}
}

func TestRedeliveryBoundedThenDeadLetter(t *testing.T) {
	cfg := testenv.Config(t)
	cfg.NATS.MaxDeliver = 3
	cfg.NATS.AckWait = time.Second
	b := testenv.Bus(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := b.PublishMention(ctx, bus.RawSubject("web"), sample(2)); err != nil {
		t.Fatal(err)
	}
	cons, err := b.Consumer(ctx, bus.ConsumerConfig{Stream: bus.StreamRaw, Durable: "flaky", MaxDeliver: 3, AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	go bus.FetchLoop(ctx, testenv.Discard(), cons, 10, 100*time.Millisecond, 5*time.Second, func(ctx context.Context, msgs []jetstream.Msg) {
		for _, m := range msgs {
			attempts.Add(1)
			b.Fail(ctx, m, "flaky", 3, errors.New("downstream says no"))
		}
	})
	testenv.Eventually(t, 30*time.Second, "dead letter after 3 deliveries", func() (bool, string) {
		s, err := b.JS.Stream(ctx, bus.StreamDeadLetter)
		if err != nil {
			return false, err.Error()
		}
		msg, err := s.GetLastMsgForSubject(ctx, "deadletter.mentions_raw")
		if err != nil {
			return false, err.Error()
		}
		return msg.Header.Get(bus.HeaderReason) == "downstream says no" && msg.Header.Get(bus.HeaderDeliveries) == "3", msg.Header.Get(bus.HeaderDeliveries)
	})
	time.Sleep(1500 * time.Millisecond)
	if n := attempts.Load(); n != 3 {
		t.Fatalf("processed %d times, want exactly 3", n)
	}
}

func TestToken(t *testing.T) {
	for in, want := range map[string]string{"Voltéo": "volteo", "Laiterie Duval": "laiterie_duval", "a.b>*": "a_b__", "": "_"} {
		if got := bus.Token(in); got != want {
			t.Errorf("Token(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMsgIDCompact pins the Msg-Id's shape: 16 URL-safe characters (what
// nats-server keeps per message of the duplicate window), stable for a
// mention, different for an edit of it and for another mention.
func TestMsgIDCompact(t *testing.T) {
	a, b := sample(0), sample(1)
	edited := sample(0)
	edited.ContentHash = "feedbeef00112233445566778899"
	ids := map[string]bool{}
	for _, m := range []*mention.Mention{a, b, edited} {
		id := bus.MsgID(m)
		if len(id) != 16 || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("Msg-Id %q: want 16 base64url characters", id)
		}
		ids[id] = true
	}
	if len(ids) != 3 {
		t.Fatalf("Msg-Ids not distinct: %v", ids)
	}
	if bus.MsgID(sample(0)) != bus.MsgID(a) {
		t.Fatal("Msg-Id not stable for the same mention")
	}
}
