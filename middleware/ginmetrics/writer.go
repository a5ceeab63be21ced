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
	w.ResponseWriter.Flush()
}

// Hijack hands the connection over (websockets).
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := w.ResponseWriter.Hijack()
	if err == nil {
		w.commit()
	}
	return conn, rw, err
}
