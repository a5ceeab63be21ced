package ginmetrics

import (
	"bufio"
	"context"
	"net"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/compozy/monitoring/middleware/internal/httpmetrics"
)

// writers recycles the writers: one per request would be an allocation on
// the hot path.
var writers = sync.Pool{New: func() any { return new(writer) }}

// writer is gin's writer, watched for the moment the response is first
// committed (a body write, a flush, a hijack), to ask then whether the
// client is still there to receive it. Everything else is gin's.
type writer struct {
	gin.ResponseWriter
	ctx context.Context
	// committed: the response was sent on its way; aborted: the client had
	// gone by then.
	committed, aborted bool
	// sent: a Flush or a Hijack sent the response (its status, or the
	// connection itself) on its way.
	sent bool
	// switched: a Hijack took the connection before any status was handed
	// to net/http, so the status sent is the handler's own, on the raw
	// connection: a protocol switch, 101, as net/http's middleware records.
	switched bool
}

func (w *writer) commit() {
	if !w.committed {
		w.committed = true
		w.aborted = httpmetrics.ClientGone(w.ctx)
	}
}

// Write commits the response and writes to gin's writer.
func (w *writer) Write(b []byte) (int, error) {
	w.commit()
	return w.ResponseWriter.Write(b)
}

// WriteString commits the response and writes to gin's writer.
func (w *writer) WriteString(s string) (int, error) {
	w.commit()
	return w.ResponseWriter.WriteString(s)
}

// Flush commits the response and flushes gin's writer.
func (w *writer) Flush() {
	w.commit()
	w.sent = true
	w.ResponseWriter.Flush()
}

// Hijack hands the connection over (websockets); the response is then on
// its way, with a 101 unless a status had already gone to net/http.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	// gin's Hijack marks the response written; a status gin handed to
	// net/http before it (WriteHeaderNow) is what net/http flushes onto the
	// connection before handing it over.
	before := w.Written()
	conn, rw, err := w.ResponseWriter.Hijack()
	if err == nil {
		w.commit()
		w.sent, w.switched = true, !before
	}
	return conn, rw, err
}
