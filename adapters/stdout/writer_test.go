package stdout_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring/adapters/stdout"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
)

// bound is how long a test waits for something that should take
// milliseconds before it declares it stuck.
const bound = 10 * time.Second

// faultyWriter fails while failing is set, blocks while gate is closed, and
// keeps what it accepted. Each call is announced on calls.
type faultyWriter struct {
	failing atomic.Bool
	err     error
	calls   chan struct{}

	gateMu sync.Mutex
	gate   chan struct{} // nil: open

	attempts atomic.Int64
	out      testkit.Buffer
}

func newFaultyWriter(err error) *faultyWriter {
	return &faultyWriter{err: err, calls: make(chan struct{}, 1)}
}

func (w *faultyWriter) Write(p []byte) (int, error) {
	w.attempts.Add(1)
	select {
	case w.calls <- struct{}{}:
	default:
	}
	w.gateMu.Lock()
	gate := w.gate
	w.gateMu.Unlock()
	if gate != nil {
		<-gate
	}
	if w.failing.Load() {
		return 0, w.err
	}
	return w.out.Write(p)
}

// hold makes later writes block until the returned release is called.
func (w *faultyWriter) hold() (release func()) {
	gate := make(chan struct{})
	w.gateMu.Lock()
	w.gate = gate
	w.gateMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			w.gateMu.Lock()
			w.gate = nil
			w.gateMu.Unlock()
			close(gate)
		})
	}
}

// waitCalls waits until the writer was called at least n times.
func (w *faultyWriter) waitCalls(t *testing.T, n int64) {
	t.Helper()
	deadline := time.After(bound)
	for w.attempts.Load() < n {
		select {
		case <-w.calls:
		case <-deadline:
			t.Fatalf("the writer was called %d times in %s, want %d", w.attempts.Load(), bound, n)
		}
	}
}

// eventually polls cond until it holds, failing the test after bound.
func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	assert.Eventually(t, cond, bound, time.Millisecond, what)
}

// within runs f and fails the test if it has not returned after bound.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(bound):
		t.Fatalf("%s did not return within %s", what, bound)
	}
}

func newFaultyAdapter(t *testing.T, w io.Writer, logs *testkit.Buffer, opts ...stdout.Option) *stdout.Adapter {
	t.Helper()
	a, err := stdout.New(t.Context(), append([]stdout.Option{
		stdout.WithWriter(w),
		stdout.WithInterval(2 * time.Millisecond),
		stdout.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
	}, opts...)...)
	require.NoError(t, err)
	return a
}

// counter creates the counter "orders" on a.
func counter(t *testing.T, a *stdout.Adapter) metric.Int64Counter {
	t.Helper()
	c, err := a.Meter().Int64Counter("orders")
	require.NoError(t, err)
	return c
}

func TestBlockedWriter(t *testing.T) {
	t.Run("Should keep recording and return from ForceFlush and Shutdown at their deadlines while the writer hangs", func(t *testing.T) {
		w := newFaultyWriter(nil)
		release := w.hold()
		defer release() // whatever happens, the writer's goroutine ends before goleak looks
		a := newFaultyAdapter(t, w, &testkit.Buffer{})
		c := counter(t, a)
		w.waitCalls(t, 1) // the writer's goroutine is now stuck in Write

		fast := a.Instruments().CounterVec(port.Desc{Name: "fast.orders"}).Bind(port.Values{})
		within(t, "recording while the writer hangs", func() {
			for range 10_000 {
				c.Add(context.Background(), 1)
				fast.Inc()
			}
		})

		flushCtx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		var flushErr error
		within(t, "ForceFlush", func() { flushErr = a.ForceFlush(flushCtx) })
		require.ErrorIs(t, flushErr, context.DeadlineExceeded)

		shutdownCtx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		var shutdownErr error
		within(t, "Shutdown", func() { shutdownErr = a.Shutdown(shutdownCtx) })
		require.ErrorIs(t, shutdownErr, context.DeadlineExceeded)
		assert.Contains(t, shutdownErr.Error(), "has not taken the last export")

		// When the writer comes back, the last export (taken at Shutdown)
		// is written and the goroutine ends: the TestMain's goleak checks it.
		release()
		eventually(t, func() bool {
			return strings.Contains(w.out.String(), `"Name":"orders"`) &&
				strings.Contains(w.out.String(), `"Value":10000`)
		}, "the last export, with all 10000 records, is written once the writer is back")
		eventually(t, func() bool {
			return strings.Contains(w.out.String(), `"Name":"fast.orders"`)
		}, "the fast instruments are in the last export")
	})
}

func TestFailingWriter(t *testing.T) {
	t.Run("Should log a failing writer once rather than per export, then its recovery, and resume exporting", func(t *testing.T) {
		logs := &testkit.Buffer{}
		w := newFaultyWriter(errors.New("disk quota exceeded"))
		w.failing.Store(true)
		a := newFaultyAdapter(t, w, logs, stdout.WithErrorInterval(time.Hour))
		defer func() { require.NoError(t, a.Shutdown(context.Background())) }()
		c := counter(t, a)
		c.Add(t.Context(), 5)

		w.waitCalls(t, 20) // twenty failed exports at least
		require.ErrorContains(t, a.ForceFlush(t.Context()), "disk quota exceeded",
			"ForceFlush tells its caller the write failed")
		assert.Len(t, logs.LinesContaining("stdout writer failing", "disk quota exceeded"), 1)
		assert.Empty(t, logs.LinesContaining("still failing"), "no reminder before the error interval")
		assert.NotContains(t, w.out.String(), "orders")

		w.failing.Store(false)
		c.Add(t.Context(), 2)
		require.NoError(t, a.ForceFlush(t.Context()))
		assert.Contains(t, w.out.String(), `"Value":7`, "the first good export carries the cumulative total")
		recovered := logs.LinesContaining("stdout writer recovered")
		require.Len(t, recovered, 1)
		assert.Contains(t, recovered[0], "failed_exports=")
		assert.NotContains(t, recovered[0], "failed_exports=0")
	})

	t.Run("Should remind that the writer still fails, at most once per error interval, with the failures held back", func(t *testing.T) {
		logs := &testkit.Buffer{}
		w := newFaultyWriter(errors.New("disk quota exceeded"))
		w.failing.Store(true)
		a := newFaultyAdapter(t, w, logs, stdout.WithErrorInterval(20*time.Millisecond))
		defer func() {
			assert.ErrorContains(t, a.Shutdown(context.Background()), "disk quota exceeded",
				"Shutdown reports the last export was not written")
		}()
		counter(t, a).Add(t.Context(), 1)

		eventually(t, func() bool { return len(logs.LinesContaining("still failing")) > 0 },
			"a reminder after the error interval")
		reminders := logs.LinesContaining("still failing")
		assert.Contains(t, reminders[0], "failures_held_back=")
		assert.NotContains(t, reminders[0], "failures_held_back=0", "a reminder counts the failures since the last line")
		assert.Len(t, logs.LinesContaining("stdout writer failing"), 1, "the first failure is logged once")
	})

	realFaults := []struct {
		name string
		open func(t *testing.T) io.Writer
		want error
	}{
		{"a full disk (/dev/full)", func(t *testing.T) io.Writer {
			f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			require.NoError(t, err, "Linux's /dev/full answers every write with ENOSPC")
			t.Cleanup(func() { _ = f.Close() })
			return f
		}, syscall.ENOSPC},
		{"a pipe whose reader is gone", func(t *testing.T) io.Writer {
			r, wr, err := os.Pipe()
			require.NoError(t, err)
			require.NoError(t, r.Close())
			t.Cleanup(func() { _ = wr.Close() })
			return wr
		}, syscall.EPIPE},
		{"a closed file", func(t *testing.T) io.Writer {
			f, err := os.CreateTemp(t.TempDir(), "metrics")
			require.NoError(t, err)
			require.NoError(t, f.Close())
			return f
		}, os.ErrClosed},
	}
	for _, tc := range realFaults {
		t.Run("Should survive "+tc.name+": recording goes on, the error is logged once and returned by ForceFlush", func(t *testing.T) {
			logs := &testkit.Buffer{}
			a := newFaultyAdapter(t, tc.open(t), logs)
			c := counter(t, a)
			for range 100 {
				c.Add(t.Context(), 1)
			}
			require.ErrorIs(t, a.ForceFlush(t.Context()), tc.want)
			require.ErrorIs(t, a.ForceFlush(t.Context()), tc.want)
			assert.Len(t, logs.LinesContaining("stdout writer failing"), 1)
			require.ErrorIs(t, a.Shutdown(t.Context()), tc.want, "Shutdown reports the last export was not written")
		})
	}

	t.Run("Should turn a short write into an error", func(t *testing.T) {
		a := newFaultyAdapter(t, shortWriter{}, &testkit.Buffer{})
		defer func() { _ = a.Shutdown(context.Background()) }()
		counter(t, a).Add(t.Context(), 1)
		require.ErrorIs(t, a.ForceFlush(t.Context()), io.ErrShortWrite)
	})

	t.Run("Should turn a panicking writer into an error instead of crashing the process", func(t *testing.T) {
		logs := &testkit.Buffer{}
		a := newFaultyAdapter(t, panickingWriter{}, logs)
		defer func() { _ = a.Shutdown(context.Background()) }()
		counter(t, a).Add(t.Context(), 1)
		require.ErrorContains(t, a.ForceFlush(t.Context()), "the writer panicked: boom")
		assert.Len(t, logs.LinesContaining("stdout writer failing"), 1)
	})
}

func TestInvalidErrorInterval(t *testing.T) {
	t.Run("Should refuse an error interval that is not positive", func(t *testing.T) {
		_, err := stdout.New(t.Context(), stdout.WithWriter(io.Discard), stdout.WithErrorInterval(0))
		require.ErrorContains(t, err, "error interval 0s is not positive")
	})
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

type panickingWriter struct{}

func (panickingWriter) Write([]byte) (int, error) { panic("boom") }
