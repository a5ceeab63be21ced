package middleware

import (
	"io"
	"net/http"
	"sync"
)

// requestBody counts the bytes a handler reads from a request body, so a
// body of unknown length (chunked) is measured too. It is embedded in the
// pooled response writer (net/http) or pooled on its own (Gin): wrapping
// costs no allocation.
type requestBody struct {
	rc io.ReadCloser
	n  int64
	// read is set by the first Read, whatever it returned.
	read bool
}

// Read counts the bytes read.
func (b *requestBody) Read(p []byte) (int, error) {
	b.read = true
	n, err := b.rc.Read(p)
	b.n += int64(n)
	return n, err
}

// Close closes the request body.
func (b *requestBody) Close() error { return b.rc.Close() }

// wrap puts b in front of r's body, unless r has none.
func (b *requestBody) wrap(r *http.Request) {
	*b = requestBody{}
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	b.rc, r.Body = r.Body, b
}

// unwrap gives r its own body back, when the handler left ours in place,
// and returns the request body size to record (-1: none). The size is what
// the handler read, once it called Read, whether the body was declared with
// a Content-Length or chunked; when the handler never read the body, it is
// the declared Content-Length (what the client sends; the server reads or
// discards it after the handler) and nothing for a body of unknown length,
// whose size nobody knows.
func (b *requestBody) unwrap(r *http.Request) int64 {
	if b.rc != nil && r.Body == io.ReadCloser(b) {
		r.Body = b.rc
	}
	size := r.ContentLength
	if b.read {
		size = b.n
	}
	b.rc = nil
	return max(size, -1)
}

// bodies recycles the body wrappers of the Gin middleware, whose response
// writer is gin's own.
var bodies = sync.Pool{New: func() any { return new(requestBody) }}
