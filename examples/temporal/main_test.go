// This test runs the example against a real Temporal server through this
// repository's internal test helpers (internal/temporaldev, internal/testkit),
// which Go refuses to import from another module: copy main.go, not this
// file.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.uber.org/goleak"

	"github.com/compozy/monitoring/internal/temporaldev"
	"github.com/compozy/monitoring/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// do sends one request without keeping the connection, and returns the
// status and body.
func do(t *testing.T, method, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	require.NoError(t, err)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// linesWith returns the exposition lines that start with prefix and
// contain every one of subs.
func linesWith(exposition, prefix string, subs ...string) []string {
	var out []string
next:
	for l := range strings.SplitSeq(exposition, "\n") {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

func TestExample(t *testing.T) {
	t.Run("Should exit at once with a clear message when no Temporal server answers", func(t *testing.T) {
		address := fmt.Sprintf("127.0.0.1:%d", testkit.FreePort(t)) // nothing listens there
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		var logs strings.Builder // written only by run, read after it returned
		listened := false
		err := run(ctx, func() (net.Listener, error) {
			listened = true
			return nil, errors.New("must not listen")
		}, address, "", slog.New(slog.NewTextHandler(&logs, nil)))
		require.Error(t, err)
		assert.False(t, listened, "nothing listens before Temporal answers")
		assert.NotContains(t, logs.String(), "listening")
		assert.Contains(t, err.Error(), "cannot connect to Temporal at "+address)
		assert.Contains(t, err.Error(), "temporal server start-dev")
	})

	t.Run("Should count workflows, activities and the business metric from a real server on /metrics", func(t *testing.T) {
		if testing.Short() {
			t.Skip("runs a Temporal dev server")
		}
		address, _ := temporaldev.Start(t)
		temporaldev.Dial(t, address, client.Options{}) // waits until the server answers

		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, func() (net.Listener, error) { return ln, nil }, address, "", slog.New(slog.DiscardHandler))
		}()
		stopped := false
		stop := func() error { cancel(); stopped = true; return <-done }
		t.Cleanup(func() {
			if !stopped {
				_ = stop()
			}
		})
		base := "http://" + ln.Addr().String()

		status, _ := do(t, http.MethodPost, base+"/orders/book")
		assert.Equal(t, http.StatusCreated, status)
		status, body := do(t, http.MethodPost, base+"/orders/unicorn")
		assert.Equal(t, http.StatusUnprocessableEntity, status)
		assert.NotContains(t, body, "unicorn", "the error's details stay in the log")

		status, body = do(t, http.MethodGet, base+"/metrics")
		require.Equal(t, http.StatusOK, status)
		wf := `task_queue="orders",workflow_type="OrderWorkflow"`
		assert.Len(t, linesWith(body, "temporal_workflow_started_total{", wf, "} 2"), 1, body)
		assert.Len(t, linesWith(body, "temporal_workflow_ended_total{", `outcome="completed"`, wf, "} 1"), 1)
		assert.Len(t, linesWith(body, "temporal_workflow_ended_total{", `outcome="failed"`, wf, "} 1"), 1)
		assert.Len(t, linesWith(body, "temporal_activity_ended_total{", `activity_type="PlaceOrder"`, `outcome="completed"`, "} 1"), 1)
		assert.Equal(t, []string{`shop_orders_total{outcome="placed"} 1`}, linesWith(body, "shop_orders_total", "placed"))
		assert.Equal(t, []string{`shop_orders_total{outcome="rejected"} 1`}, linesWith(body, "shop_orders_total", "rejected"))
		assert.Equal(t, []string{`temporal_worker_running{task_queue="orders"} 1`}, linesWith(body, "temporal_worker_running"))
		assert.NotEmpty(t, linesWith(body, "temporal_request_total{"), "the SDK's own metrics share the backend")

		require.NoError(t, stop(), "a graceful shutdown returns no error")
	})
}

// testLimits are limits small enough for a test: a partial body or an idle
// connection is cut within read or idle.
func testLimits(read, idle, grace time.Duration) limits {
	return limits{readHeader: read, read: read, write: time.Minute, idle: idle, grace: grace, maxHeaderBytes: 16 << 10}
}

// serveTest runs serveWith on a loopback port over a handler that answers
// 201 without reading the body, as the example's does (no Temporal needed),
// and returns the address, a channel closed when the first request reaches
// the handler, and a function that stops it and returns serveWith's error.
func serveTest(t *testing.T, l limits) (addr string, reached <-chan struct{}, stop func() error) {
	t.Helper()
	in := make(chan struct{})
	var once sync.Once
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		once.Do(func() { close(in) })
		w.WriteHeader(http.StatusCreated)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveWith(ctx, ln, handler, l) }()
	var stopped bool
	var result error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return ln.Addr().String(), in, stop
}

// dial opens a raw connection to addr, closed at the end of the test.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := (&net.Dialer{}).DialContext(t.Context(), "tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// requireClosedByServer reads conn until the server closes it, and fails if
// that takes until the deadline: the server still holds the connection.
func requireClosedByServer(t *testing.T, conn net.Conn, within time.Duration) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(within)))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server still held the connection after %v", within)
}

// partialBody is a request that announces a body of 100000 bytes and sends 1.
const partialBody = "POST /orders/pen HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nA"

func TestServerLimits(t *testing.T) {
	t.Run("Should serve with the limits of the library's metrics server", func(t *testing.T) {
		l := serverLimits()
		assert.Equal(t, limits{readHeader: 5 * time.Second, read: 30 * time.Second, write: time.Minute,
			idle: 2 * time.Minute, grace: 10 * time.Second, maxHeaderBytes: 16 << 10}, l)
	})

	t.Run("Should cut a client that sends part of its body and then nothing, within the read timeout", func(t *testing.T) {
		addr, _, stop := serveTest(t, testLimits(200*time.Millisecond, time.Minute, 10*time.Second))
		conn := dial(t, addr)
		_, err := io.WriteString(conn, partialBody)
		require.NoError(t, err)
		requireClosedByServer(t, conn, 5*time.Second)
		require.NoError(t, stop())
	})

	t.Run("Should close an idle keep-alive connection after the idle timeout", func(t *testing.T) {
		addr, _, stop := serveTest(t, testLimits(time.Minute, 200*time.Millisecond, 10*time.Second))
		conn := dial(t, addr)
		_, err := io.WriteString(conn, "POST /orders/pen HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
		require.NoError(t, err)
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusCreated, resp.StatusCode)
		requireClosedByServer(t, conn, 5*time.Second)
		require.NoError(t, stop())
	})

	t.Run("Should refuse headers larger than the limit", func(t *testing.T) {
		addr, _, stop := serveTest(t, testLimits(time.Minute, time.Minute, 10*time.Second))
		conn := dial(t, addr)
		_, err := io.WriteString(conn, "POST /orders/pen HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 64<<10)+"\r\n\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
		require.NoError(t, stop())
	})

	t.Run("Should return within the grace when a request is stuck, with a clear error, and leave nothing behind", func(t *testing.T) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		grace := 200 * time.Millisecond
		addr, reached, stop := serveTest(t, testLimits(time.Minute, time.Minute, grace))
		conn := dial(t, addr)
		_, err := io.WriteString(conn, partialBody)
		require.NoError(t, err)
		<-reached
		start := time.Now()
		err = stop()
		assert.Less(t, time.Since(start), grace+2*time.Second, "run returns promptly after the grace")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "still open after the 200ms shutdown grace were closed")
		requireClosedByServer(t, conn, 5*time.Second)
	})
}
