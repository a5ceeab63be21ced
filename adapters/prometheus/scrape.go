package prometheus

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DeliveryGrace is what a scrape gets past its timeout to deliver its 503:
// the write deadline of a scrape is its start plus the scrape timeout plus
// this grace.
const DeliveryGrace = time.Second

// scrapeHandler bounds what scrapes cost, writing included, whatever the
// server it is mounted on. promhttp's own bounds end too early: its timeout
// handler buffers the whole exposition and its in-flight limit frees the
// slot before that buffer is written, so a client that does not read would
// hold a handler and an exposition for as long as the server lets it.
//
//   - slots: at most cap(slots) scrapes hold an exposition at once, from the
//     gathering to the last byte written (or until the gathering of a scrape
//     cut at its timeout ends); the ones past it are answered 503 at once.
//   - timeout: the scrape's gathering is answered 503 past it, and the
//     connection's write deadline is set to the scrape's start plus timeout
//     plus [DeliveryGrace], so a client that does not read is cut and the
//     buffer freed. The handler sets the deadline itself through
//     [http.ResponseController], so it holds on the application's own server
//     too, whatever its WriteTimeout.
type scrapeHandler struct {
	next    http.Handler // promhttp, without bounds of its own
	slots   chan struct{}
	timeout time.Duration
	logger  *slog.Logger
	warn    sync.Once
}

func newScrapeHandler(next http.Handler, maxScrapes int, timeout time.Duration, logger *slog.Logger) *scrapeHandler {
	h := &scrapeHandler{next: next, timeout: max(timeout, 0), logger: logger}
	if maxScrapes > 0 {
		h.slots = make(chan struct{}, maxScrapes)
	}
	return h
}

func (h *scrapeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.slots != nil {
		select {
		case h.slots <- struct{}{}:
		default:
			http.Error(w, fmt.Sprintf("Limit of concurrent requests reached (%d), try again later.", cap(h.slots)),
				http.StatusServiceUnavailable)
			return
		}
	}
	if h.timeout == 0 {
		defer h.release()
		h.next.ServeHTTP(w, r)
		return
	}
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(h.timeout + DeliveryGrace)); err != nil {
		h.warn.Do(func() {
			h.logger.WarnContext(r.Context(), "monitoring: this ResponseWriter cannot set a write deadline "+
				"(it has no connection, as an httptest recorder in a unit test, or it is a middleware's "+
				"wrapper without an Unwrap method): scrapes are still answered, a gathering past the scrape "+
				"timeout with a 503, but the writing of a scrape to a client that does not read is bounded "+
				"only by the server's WriteTimeout", "response_writer", fmt.Sprintf("%T", w), "error", err)
		})
	}
	// The slot is freed when both the answer is written and the gathering
	// is over: a gathering cut at the timeout still holds what it gathered.
	var pending atomic.Int32
	pending.Store(2)
	done := func() {
		if pending.Add(-1) == 0 {
			h.release()
		}
	}
	defer done()
	gather := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer done()
		h.next.ServeHTTP(w, r)
	})
	http.TimeoutHandler(gather, h.timeout, fmt.Sprintf("Exceeded configured timeout of %v.\n", h.timeout)).ServeHTTP(w, r)
}

func (h *scrapeHandler) release() {
	if h.slots != nil {
		<-h.slots
	}
}
