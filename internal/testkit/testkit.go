// Package testkit holds the small helpers several packages' tests share: a
// writer safe for concurrent use, a free loopback port, an HTTP GET, and the
// service and scrape helpers (start a service and shut it down with the
// test, scrape a handler, parse its exposition, total its families). It
// imports nothing of this module, so every package's tests may use it.
package testkit

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Buffer is a bytes.Buffer safe for concurrent writers (a logger, an
// exporter's goroutine) and readers (the test).
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines returns what was written, one element per non-empty line.
func (b *Buffer) Lines() []string {
	var out []string
	for l := range strings.SplitSeq(b.String(), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// LinesContaining returns the lines that contain every one of subs.
func (b *Buffer) LinesContaining(subs ...string) []string {
	var out []string
next:
	for _, l := range b.Lines() {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

// FreePort returns a TCP port free on 127.0.0.1 when it is called.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatalf("freeing port %d: %v", port, err)
	}
	return port
}

// GetTimeout bounds one [Get].
const GetTimeout = 10 * time.Second

// Get GETs url with client (http.DefaultClient when nil) and header, within
// GetTimeout, and returns the status code and the body. A request that
// fails is reported with t.Errorf, so Get may run on any goroutine, and
// gives the status 0.
func Get(t testing.TB, client *http.Client, url string, header http.Header) (status int, body string) {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(context.Background(), GetTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return 0, ""
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return 0, ""
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("GET %s: reading the body: %v", url, err)
		return 0, ""
	}
	return resp.StatusCode, string(b)
}
