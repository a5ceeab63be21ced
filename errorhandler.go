package monitoring

import (
	"errors"
	"log/slog"
	"sync"
	"time"
)

// OTelErrorInterval is how often the same OpenTelemetry error is logged at
// most: an exporter that fails on every collection logs once per interval,
// with the number of repeats it held back.
const OTelErrorInterval = time.Minute

// maxTrackedErrors bounds the distinct messages the handler remembers.
const maxTrackedErrors = 256

// slogErrorHandler is an otel.ErrorHandler that logs OpenTelemetry's own
// errors (a failed export, a failed collection) through slog, rate-limited
// per message.
type slogErrorHandler struct {
	logger *slog.Logger
	every  time.Duration
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]*repeats
}

type repeats struct {
	last time.Time
	held int
}

func newSlogErrorHandler(logger *slog.Logger, every time.Duration, now func() time.Time) *slogErrorHandler {
	return &slogErrorHandler{logger: logger, every: every, now: now, seen: map[string]*repeats{}}
}

// Handle logs err unless the same message was logged less than an interval
// ago, in which case it is counted and reported with the next line. An
// export error a push backend has already logged (the periodic reader
// hands it here too) is not logged again.
func (h *slogErrorHandler) Handle(err error) {
	var logged interface{ ExportErrorLogged() bool }
	if err == nil || (errors.As(err, &logged) && logged.ExportErrorLogged()) {
		return
	}
	msg := err.Error()
	now := h.now()
	h.mu.Lock()
	r, ok := h.seen[msg]
	if ok && now.Sub(r.last) < h.every {
		r.held++
		h.mu.Unlock()
		return
	}
	held := 0
	if ok {
		held = r.held
	} else if len(h.seen) >= maxTrackedErrors {
		clear(h.seen)
	}
	h.seen[msg] = &repeats{last: now}
	h.mu.Unlock()
	h.logger.Error("opentelemetry: "+msg, "repeats_held_back", held)
}
