package sdk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/internal/ratelog"
	"github.com/compozy/monitoring/port"
)

// Names of the metrics a push backend keeps about its own deliveries, on
// the fast path, labelled with the backend's name.
const (
	// ExportFailuresMetric counts the exports that failed.
	ExportFailuresMetric = "monitoring.export.failures"
	// DroppedPointsMetric counts the delta points of failed exports: they
	// are lost, where a cumulative point is carried by the next export.
	// The count includes the delta points of these two metrics themselves
	// when they were part of the failed export.
	DroppedPointsMetric = "monitoring.export.dropped_points"
)

// DefaultExportErrorInterval is how often a push backend that keeps
// failing is logged at most.
const DefaultExportErrorInterval = time.Minute

// TrackedExporter wraps a push backend's exporter: it remembers the last
// successful export and the last error for the status, counts failed
// exports and the delta points they lost in metrics of our own, and logs
// failures rate-limited (the first, then at most once per interval with
// the number held back) and the recovery.
type TrackedExporter struct {
	sdkmetric.Exporter

	name     string
	logger   *slog.Logger
	limit    *ratelog.Limiter // failure lines, at most one per interval
	now      func() time.Time
	failures port.Counter
	dropped  port.Counter

	mu      sync.Mutex
	attempt error // the last attempt's error, retries included
	lastErr error
	lastOK  time.Time
}

// Track wraps exporter for the backend name, counting into instruments.
func Track(name string, exporter sdkmetric.Exporter, instruments port.Instruments, logger *slog.Logger,
	every time.Duration,
) *TrackedExporter {
	keys := []string{"backend"}
	return &TrackedExporter{
		Exporter: exporter, name: name, logger: logger, limit: ratelog.New(every), now: time.Now,
		failures: instruments.CounterVec(port.Desc{
			Name: ExportFailuresMetric, Unit: "{export}", Keys: keys,
			Description: "Exports of a push backend that failed (the peer unreachable, slow or refusing).",
		}).Bind(port.Values{name}),
		dropped: instruments.CounterVec(port.Desc{
			Name: DroppedPointsMetric, Unit: "{point}", Keys: keys,
			Description: "Delta points lost with a failed export (cumulative points are carried by the next one).",
		}).Bind(port.Values{name}),
	}
}

// Export exports rm and records the outcome.
func (e *TrackedExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	err := e.Exporter.Export(ctx, rm)
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil {
		held := e.limit.Reset()
		if e.lastErr != nil {
			e.logger.Info("monitoring: exports resumed", "backend", e.name, "failures_held_back", held)
		}
		e.lastErr, e.lastOK = nil, now
		return nil
	}
	e.failures.Inc()
	lost, carried := points(rm)
	e.dropped.Add(float64(lost))
	e.lastErr = err
	err = loggedError{err}
	ok, held := e.limit.Allow()
	if !ok {
		return err
	}
	e.logger.Error(failureMessage(lost, carried),
		"backend", e.name, "error", e.lastErr, "delta_points_lost", lost, "failures_held_back", held)
	return err
}

// failureMessage says what a failed export costs, by the temporality of
// what it carried: delta points are lost, cumulative ones (and gauges)
// are carried by the next export.
func failureMessage(lost, carried int) string {
	switch {
	case lost > 0 && carried > 0:
		return "monitoring: export failed; recording goes on, its delta points are lost, " +
			"its cumulative series are carried by the next export"
	case lost > 0:
		return "monitoring: export failed; recording goes on, its delta points are lost"
	default:
		return "monitoring: export failed; recording goes on, cumulative series are carried by the next export"
	}
}

// loggedError is an export error this package has already logged (or held
// back, rate-limited): the periodic reader hands it to OpenTelemetry's
// global error handler too, and the handler monitoring installs skips an
// error that says so, so that one failure is logged once.
type loggedError struct{ err error }

func (e loggedError) Error() string { return e.err.Error() }

func (e loggedError) Unwrap() error { return e.err }

// ExportErrorLogged marks the error as logged by the tracked exporter.
func (loggedError) ExportErrorLogged() bool { return true }

// Attempted records the outcome of one attempt of an export (a retry
// included), from the transport: a flush whose context ends while the
// exporter still retries reports it with its own error.
func (e *TrackedExporter) Attempted(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.attempt = err
}

// FlushError returns err, the error of a flush, with the last export
// attempt's error added when err is only the flush's context ending (the
// export may go on after the caller stopped waiting).
func (e *TrackedExporter) FlushError(err error) error {
	if err == nil || (!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)) {
		return err
	}
	e.mu.Lock()
	last := e.attempt
	if last == nil {
		last = e.lastErr
	}
	e.mu.Unlock()
	if last == nil || strings.Contains(err.Error(), last.Error()) {
		return err
	}
	return fmt.Errorf("%w (the last export attempt failed: %w)", err, last)
}

// Deliveries returns the time of the last successful export and the last
// export's error (nil after a success).
func (e *TrackedExporter) Deliveries() (time.Time, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastOK, e.lastErr
}

// points counts the points of rm on delta temporality (lost with a failed
// export) and the others (cumulative sums and histograms, gauges: carried
// by the next export).
func points(rm *metricdata.ResourceMetrics) (lost, carried int) {
	if rm == nil {
		return 0, 0
	}
	add := func(t metricdata.Temporality, n int) {
		if t == metricdata.DeltaTemporality {
			lost += n
		} else {
			carried += n
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				add(d.Temporality, len(d.DataPoints))
			case metricdata.Sum[float64]:
				add(d.Temporality, len(d.DataPoints))
			case metricdata.Histogram[int64]:
				add(d.Temporality, len(d.DataPoints))
			case metricdata.Histogram[float64]:
				add(d.Temporality, len(d.DataPoints))
			case metricdata.ExponentialHistogram[int64]:
				add(d.Temporality, len(d.DataPoints))
			case metricdata.ExponentialHistogram[float64]:
				add(d.Temporality, len(d.DataPoints))
			case metricdata.Gauge[int64]:
				carried += len(d.DataPoints)
			case metricdata.Gauge[float64]:
				carried += len(d.DataPoints)
			}
		}
	}
	return lost, carried
}
