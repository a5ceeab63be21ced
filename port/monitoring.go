package port

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// Recorder is the recording part of [Monitoring]: a meter, the provider
// behind it, and the fast-path instruments. It is what business code, the
// HTTP middleware and the Temporal interceptor take, because they only
// record: handing them a Recorder rather than a Monitoring keeps Shutdown,
// ForceFlush and the exposition handler with the code that owns the
// backend's lifecycle (main), and makes a test double three methods wide.
//
// Every method is safe for concurrent use and none panics.
type Recorder interface {
	// Meter returns the meter the service records its own metrics with.
	Meter() metric.Meter
	// MeterProvider returns the provider behind Meter, so libraries that are
	// instrumented with OpenTelemetry can be handed the same backend.
	MeterProvider() metric.MeterProvider
	// Instruments returns the fast-path instruments of this backend.
	Instruments() Instruments
}

// Monitoring is what a service needs from its metrics backend: a place to
// record (the embedded [Recorder]), a way to expose what was recorded, its
// health, and an end. Only the code that owns the backend (a service's main,
// the composition root) needs all of it; pass the rest a [Recorder].
//
// Every method is safe for concurrent use and none panics. Calls made after
// Shutdown are harmless: instruments record nothing and flushes do nothing.
type Monitoring interface {
	Recorder
	// Handler returns the exposition endpoint (for example the Prometheus
	// text format). Backends with nothing to scrape answer 404 with a reason.
	Handler() http.Handler
	// Status reports which backend is serving and whether it started.
	Status() Status
	// ForceFlush exports everything recorded so far on push backends. It
	// honours the context's deadline.
	ForceFlush(ctx context.Context) error
	// Shutdown flushes and releases the backend. It is idempotent and
	// honours the context's deadline.
	Shutdown(ctx context.Context) error
}

// Status describes the backend behind a [Monitoring].
type Status struct {
	// Backend names the backend that is serving: "prometheus", "stdout",
	// "noop", or another adapter's name.
	Backend string
	// Enabled is false when nothing is recorded: monitoring was disabled by
	// configuration, or the requested backend could not start.
	Enabled bool
	// Healthy is false when the requested backend failed to start or the
	// backend has been shut down; Err then says why.
	Healthy bool
	// Reason says why nothing is recorded when nothing failed: monitoring
	// disabled by configuration, with the settings given that take no
	// effect because of it. Empty otherwise.
	Reason string
	// Err is the reason the backend is not healthy, nil when it is. With
	// several backends, it is nil while at least one of them records, and
	// Backends says which one failed and why.
	Err error
	// Backends describes each backend configured, in the configured order:
	// one entry for a single backend, one per backend when several run at
	// once. Empty for the no-op backend and for backends that predate it.
	Backends []BackendStatus
}

// BackendStatus is the state of one backend among those that run at once.
type BackendStatus struct {
	// Name is the backend's name ("prometheus", "stdout", "otlp").
	Name string
	// Healthy is false when the backend failed to start or has been shut
	// down; Err then says why. A push backend whose peer is unreachable
	// stays healthy (it records, and delivers once the peer is back):
	// LastError says why its exports fail.
	Healthy bool
	// Err is the reason it is not healthy: its start error, or
	// [ErrShutdown]. Nil when it is healthy.
	Err error
	// LastError is the error of the last export when it failed, nil once
	// an export succeeds again (always nil for pull backends).
	LastError error
	// LastExport is when the backend last delivered its metrics (a push
	// backend's last successful export); zero when it has not yet, and
	// for pull backends, which are scraped instead.
	LastExport time.Time
}

// ErrShutdown is the Status error of a backend that has been shut down.
var ErrShutdown = errors.New("monitoring has been shut down")
