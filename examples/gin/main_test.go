package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/compozy/monitoring"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	goleak.VerifyTestMain(m)
}

// startExample runs the example on a loopback port with the config file at path
// (the embedded one when empty) and returns its base URL and a function
// that stops it and returns run's error.
func startExample(t *testing.T, configPath string) (base string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func() (net.Listener, error) { return ln, nil }, configPath, slog.New(slog.DiscardHandler))
	}()
	var once bool
	var result error
	stop = func() error {
		if !once {
			once = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), stop
}

// do sends one request without keeping the connection, and returns the
// status and body.
func do(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
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
	t.Run("Should serve orders, record them and the HTTP metrics, and expose both on /metrics", func(t *testing.T) {
		base, stop := startExample(t, "")
		status, _ := do(t, http.MethodPost, base+"/orders/book")
		assert.Equal(t, http.StatusCreated, status)
		status, _ = do(t, http.MethodPost, base+"/orders/unicorn")
		assert.Equal(t, http.StatusNotFound, status)

		status, body := do(t, http.MethodGet, base+"/metrics")
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, []string{`shop_orders_total{outcome="placed"} 1`}, linesWith(body, "shop_orders_total", "placed"))
		assert.Equal(t, []string{`shop_orders_total{outcome="rejected"} 1`}, linesWith(body, "shop_orders_total", "rejected"))
		assert.Len(t, linesWith(body, "http_server_request_duration_seconds_count",
			`http_route="/orders/:item"`, `http_response_status_code="201"`, `} 1`), 1, body)
		assert.Empty(t, linesWith(body, "http_server_request_duration_seconds_count", `http_route="/metrics"`),
			"the scrape itself is skipped")
		assert.Empty(t, linesWith(body, "", "unicorn"), "client input never becomes a label")

		require.NoError(t, stop(), "a graceful shutdown returns no error")
		conn, err := (&net.Dialer{}).DialContext(t.Context(), "tcp", strings.TrimPrefix(base, "http://"))
		if !assert.Error(t, err, "the server is stopped") {
			_ = conn.Close()
		}
	})

	t.Run("Should keep /metrics off the application's port when listen_address gives it one of its own", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "monitoring.yaml")
		require.NoError(t, os.WriteFile(path, []byte("enabled: true\nlisten_address: 127.0.0.1:0\n"), 0o600))
		base, stop := startExample(t, path)
		status, _ := do(t, http.MethodGet, base+"/metrics")
		assert.Equal(t, http.StatusNotFound, status)
		status, _ = do(t, http.MethodPost, base+"/orders/pen")
		assert.Equal(t, http.StatusCreated, status)
		require.NoError(t, stop())
	})

	t.Run("Should refuse an invalid config file, naming the field, before listening or saying listening", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "monitoring.yaml")
		require.NoError(t, os.WriteFile(path, []byte("enabled: true\nbackend: graphite\n"), 0o600))
		var logs strings.Builder // written only by run, read after it returned
		listened := false
		err := run(t.Context(), func() (net.Listener, error) {
			listened = true
			return nil, errors.New("must not listen")
		}, path, slog.New(slog.NewTextHandler(&logs, nil)))
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "backend", fe.Field)
		assert.False(t, listened, "nothing listens before the config is valid")
		assert.NotContains(t, logs.String(), "listening")
	})

	t.Run("Should exit non-zero, without repeating the cause, when the final flush fails", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "monitoring.yaml")
		require.NoError(t, os.WriteFile(path, []byte("enabled: true\nbackend: otlp\notlp:\n  endpoint: http://127.0.0.1:1\n  insecure: true\n"), 0o600))
		base, stop := startExample(t, path)
		code, _ := do(t, http.MethodPost, base+"/orders/book")
		require.Equal(t, http.StatusCreated, code)
		err := stop()
		require.ErrorIs(t, err, errFinalFlush)
		assert.NotContains(t, err.Error(), "connection refused", "monitoring has logged the cause")
	})
}

// testLimits are limits small enough for a test: a partial body or an idle
// connection is cut within read or idle.
func testLimits(read, idle, grace time.Duration) limits {
	return limits{readHeader: read, read: read, write: time.Minute, idle: idle, grace: grace, maxHeaderBytes: 16 << 10}
}

// serveTest runs serveWith on a loopback port over the example's handler,
// and returns the address, a channel closed when the first request reaches
// the handler, and a function that stops it and returns serveWith's error.
func serveTest(t *testing.T, l limits) (addr string, reached <-chan struct{}, stop func() error) {
	t.Helper()
	cfg, err := loadConfig("")
	require.NoError(t, err)
	mon, err := monitoring.NewMonitoringService(t.Context(), cfg, monitoring.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	engine := gin.New()
	engine.POST("/orders/:item", NewOrders(mon).Handle)
	in := make(chan struct{})
	var once sync.Once
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(in) })
		engine.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveWith(ctx, ln, handler, mon, l) }()
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
