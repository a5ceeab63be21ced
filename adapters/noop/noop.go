package noop

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/compozy/monitoring/port"
)

// Name is the backend name this adapter reports in its status.
const Name = "noop"

// Adapter is the no-op backend. It implements [port.Monitoring]; every
// method is cheap, safe for concurrent use and never fails.
type Adapter struct {
	provider noop.MeterProvider
	meter    metric.Meter
	startErr error
	reason   string
}

var _ port.Monitoring = (*Adapter)(nil)

// Option configures the no-op adapter.
type Option func(*Adapter)

// WithStartError marks the adapter as standing in for a backend that failed
// to start: its status is then unhealthy and carries err.
func WithStartError(err error) Option {
	return func(a *Adapter) { a.startErr = err }
}

// WithReason says why the no-op backend serves although nothing failed (for
// example, monitoring disabled by configuration): its status carries it as
// Reason, and its handler answers it.
func WithReason(reason string) Option {
	return func(a *Adapter) { a.reason = reason }
}

// New returns the no-op backend.
func New(opts ...Option) *Adapter {
	a := &Adapter{}
	for _, opt := range opts {
		opt(a)
	}
	a.meter = a.provider.Meter("")
	return a
}

// Meter returns a meter whose instruments record nothing.
func (a *Adapter) Meter() metric.Meter { return a.meter }

// MeterProvider returns OpenTelemetry's no-op provider.
func (a *Adapter) MeterProvider() metric.MeterProvider { return a.provider }

// Instruments returns fast instruments that record nothing.
func (a *Adapter) Instruments() port.Instruments { return port.NoopInstruments{} }

// Handler answers 404 with the reason: nothing is recorded.
func (a *Adapter) Handler() http.Handler {
	if a.reason == "" {
		return http.HandlerFunc(disabled)
	}
	msg := "monitoring is disabled: no metrics are recorded: " + a.reason
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, msg, http.StatusNotFound) })
}

// Status reports the no-op backend, unhealthy when it stands in for one that
// failed to start.
func (a *Adapter) Status() port.Status {
	return port.Status{Backend: Name, Healthy: a.startErr == nil, Reason: a.reason, Err: a.startErr}
}

// ForceFlush does nothing.
func (a *Adapter) ForceFlush(context.Context) error { return nil }

// Shutdown does nothing.
func (a *Adapter) Shutdown(context.Context) error { return nil }

func disabled(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "monitoring is disabled: no metrics are recorded", http.StatusNotFound)
}
