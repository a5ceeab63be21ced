package httpmetrics

import (
	"io"
	"net/http"
	"sync/atomic"
)

// RequestBody counts the bytes a handler reads from a request body, so a
// body of unknown length (chunked) is measured too.
//
// It is allocated per request that has a body (a request without one, the
// common GET, costs nothing), never pooled: a handler may still read the
// body after the middleware has returned (a handler under
// http.TimeoutHandler that timed out goes on in its goroutine), and a
// recycled wrapper would then hand it the body of another client's
// request. Such a late read reaches the request's own body, which the
// server has closed, and is not counted; the counters are atomic so that it
// is no data race either.
type RequestBody struct {
	rc io.ReadCloser
	n  atomic.Int64
	// read is set by the first Read, whatever it returned.
	read atomic.Bool
}

// Read counts the bytes read.
func (b *RequestBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	n, err := b.rc.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// Close closes the request body.
func (b *RequestBody) Close() error { return b.rc.Close() }

// WrapBody puts a counter in front of r's body and returns it, or returns
// nil when r has no body.
func WrapBody(r *http.Request) *RequestBody {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b := &RequestBody{rc: r.Body}
	r.Body = b
	return b
}

// RequestBodySize gives r its own body back, when the handler left the
// counter b in place, and returns the request body size to record (-1:
// none). The size is what the handler read, once it called Read, whether
// the body was declared with a Content-Length or chunked. A body the
// handler never read is not recorded: its Content-Length is a claim the
// client makes, not bytes transferred (a client may declare 9e18 bytes,
// send 3 and close), and a chunked body's size is known to nobody. A
// request without a body records 0.
func RequestBodySize(r *http.Request, b *RequestBody) int64 {
	if b == nil {
		return 0
	}
	if r.Body == io.ReadCloser(b) {
		r.Body = b.rc
	}
	if !b.read.Load() {
		return -1
	}
	return b.n.Load()
}
