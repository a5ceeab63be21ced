package main

import (
	"bufio"
	"context"
	"errors"
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
	"go.uber.org/goleak"

	"github.com/compozy/monitoring/cmd/demo/shop"
	"github.com/compozy/monitoring/monitoringtest"
)

// testLimits are limits small enough for a test: a partial body or an idle
// connection is cut within read or idle.
func testLimits(read, idle, grace time.Duration) limits {
	return limits{readHeader: read, read: read, write: time.Minute, idle: idle, grace: grace, maxHeaderBytes: 16 << 10}
}

// serveTest runs the demo's server on a loopback port over its engine,
// and returns the address, a channel closed when the first request reaches
// the handler, and a function that stops it and returns serveWith's error.
func serveTest(t *testing.T, l limits) (addr string, reached <-chan struct{}, stop func() error) {
	t.Helper()
	b := monitoringtest.New(t)
	engine := newEngine(b, shop.New(b), routes{slow: time.Millisecond, flakyEvery: 3})
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
	go func() { done <- serve(ctx, ln, newServer(handler, l), l.grace, slog.New(slog.DiscardHandler)) }()
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
const partialBody = "GET /orders/book HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nA"

func TestServerLimits(t *testing.T) {
	t.Run("Should serve with the limits of the library's metrics server, the write timeout lengthened by /slow", func(t *testing.T) {
		l := serverLimits(200 * time.Millisecond)
		assert.Equal(t, limits{readHeader: 5 * time.Second, read: 30 * time.Second, write: time.Minute + 200*time.Millisecond,
			idle: 2 * time.Minute, grace: 10 * time.Second, maxHeaderBytes: 16 << 10}, l)
		assert.Greater(t, serverLimits(5*time.Minute).write, 5*time.Minute, "GET /slow still has time to answer")
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
		_, err := io.WriteString(conn, "GET /orders/book HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
		require.NoError(t, err)
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		requireClosedByServer(t, conn, 5*time.Second)
		require.NoError(t, stop())
	})

	t.Run("Should refuse headers larger than the limit", func(t *testing.T) {
		addr, _, stop := serveTest(t, testLimits(time.Minute, time.Minute, 10*time.Second))
		conn := dial(t, addr)
		_, err := io.WriteString(conn, "GET /orders/book HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 64<<10)+"\r\n\r\n")
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
