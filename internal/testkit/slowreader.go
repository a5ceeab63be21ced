package testkit

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"testing"
)

// NonReaders opens n connections to addr (host:port on 127.0.0.1), each with
// a receive buffer of a few KiB, sends GET path on each, and never reads the
// answer: the scrapers an attack on /metrics would use to pin a handler and
// its response. header holds extra header lines, each ending in "\r\n". The
// requests ask the server to close the connection once answered, so that a
// connection refused at once does not stay idle. It returns a function that closes them; the test's cleanup
// closes them too.
func NonReaders(t testing.TB, addr, path string, n int, header string) (closeAll func()) {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	closeAll = func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
	t.Cleanup(closeAll)
	d := net.Dialer{Timeout: GetTimeout}
	for range n {
		c, err := d.DialContext(context.Background(), "tcp", addr)
		if err != nil {
			t.Fatalf("dialing %s: %v", addr, err)
		}
		conns = append(conns, c)
		if tc, ok := c.(*net.TCPConn); ok {
			if err := tc.SetReadBuffer(4 << 10); err != nil {
				t.Fatalf("shrinking the receive buffer: %v", err)
			}
		}
		if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s\r\n", path, addr, header); err != nil {
			t.Fatalf("sending the request: %v", err)
		}
	}
	return closeAll
}

// LiveHeap returns the bytes of heap still reachable, after a collection.
func LiveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
