package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestStepDoublesUpToMax(t *testing.T) {
	b := New(100*time.Millisecond, time.Second)
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := b.Step(i); got != w*time.Millisecond {
			t.Fatalf("step %d = %v, want %v", i, got, w*time.Millisecond)
		}
	}
	var zero Backoff
	if zero.Step(0) != 100*time.Millisecond || zero.Step(10) != 5*time.Second {
		t.Fatalf("zero value: %v .. %v, want 100ms .. 5s", zero.Step(0), zero.Step(10))
	}
}

func TestNextIsJitteredWithinTheUpperHalf(t *testing.T) {
	b := New(time.Second, 8*time.Second)
	seen := map[time.Duration]bool{}
	for i := 0; i < 200; i++ {
		b.Reset()
		d := b.Next()
		if d < 500*time.Millisecond || d > time.Second {
			t.Fatalf("first wait %v outside [500ms, 1s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 50 {
		t.Fatalf("only %d distinct waits in 200 draws: no jitter", len(seen))
	}
	if b.Attempt() != 1 {
		t.Fatalf("attempt = %d after one Next, want 1", b.Attempt())
	}
}

func TestDoRetriesThenSucceeds(t *testing.T) {
	calls, notified := 0, 0
	err := Do(context.Background(), New(time.Millisecond, 2*time.Millisecond), func(context.Context) error {
		calls++
		if calls < 4 {
			return errors.New("not yet")
		}
		return nil
	}, func(attempt int, err error, wait time.Duration) {
		if attempt != notified || wait > 2*time.Millisecond {
			t.Errorf("notify(%d, %v, %v) as call %d", attempt, err, wait, notified)
		}
		notified++
	})
	if err != nil || calls != 4 || notified != 3 {
		t.Fatalf("err %v, %d calls, %d notifications; want nil, 4, 3", err, calls, notified)
	}
}

func TestDoStopsOnPermanentError(t *testing.T) {
	cause := errors.New("refused")
	calls := 0
	err := Do(context.Background(), New(time.Millisecond, time.Millisecond), func(context.Context) error {
		calls++
		return Permanent(cause)
	}, nil)
	if calls != 1 || err != cause {
		t.Fatalf("%d calls, err %v; want 1 call and the cause itself", calls, err)
	}
}

func TestDoKeepsBothCancelAndCause(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cause := errors.New("clickhouse: connection refused")
	err := Do(ctx, New(time.Hour, time.Hour), func(context.Context) error {
		cancel()
		return cause
	}, nil)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Fatalf("err %v: want both context.Canceled and the cause", err)
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled context = %v", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("Sleep 1ms = %v", err)
	}
}
