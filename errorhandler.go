package monitoring

import (
	"errors"
	"log/slog"
	"time"

	"github.com/compozy/monitoring/internal/ratelog"
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
	limit  *ratelog.Keyed // per message, at most maxTrackedErrors remembered
}

func newSlogErrorHandler(logger *slog.Logger, every time.Duration, now func() time.Time) *slogErrorHandler {
	return &slogErrorHandler{logger: logger, limit: ratelog.NewKeyed(every, maxTrackedErrors, ratelog.WithClock(now))}
}

// Handle logs err unless the same message was logged less than an interval
// ago, in which case it is counted and reported with the next line. Past
// maxTrackedErrors distinct messages, the others are limited together, on
// a line that says other_messages=true. An
// export error a push backend has already logged (the periodic reader
// hands it here too) is not logged again.
func (h *slogErrorHandler) Handle(err error) {
	var logged interface{ ExportErrorLogged() bool }
	if err == nil || (errors.As(err, &logged) && logged.ExportErrorLogged()) {
		return
	}
	msg := err.Error()
	d := h.limit.Decide(msg)
	if !d.Allowed {
		return
	}
	attrs := []any{"repeats_held_back", d.Held}
	if d.Others {
		// More distinct messages than remembered: this line stands for
		// every message past the bound, limited together.
		attrs = []any{"other_messages", true, "other_messages_held_back", d.Held}
	}
	if d.Forgotten > 0 {
		attrs = append(attrs, "forgotten_messages_held_back", d.Forgotten)
	}
	h.logger.Error("opentelemetry: "+msg, attrs...)
}
