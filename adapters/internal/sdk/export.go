package sdk

import (
	"context"
	"log/slog"
	"sync"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/port"
)

// Names of the metrics a push backend keeps about its own deliveries, on
// the fast path, labelled with the backend's name.
const (
	// ExportFailuresMetric counts the exports that failed.
	ExportFailuresMetric = "monitoring.export.failures"
	// DroppedPointsMetric counts the delta points of failed exports: they
	// are lost, where a cumulative point is carried by the next export.
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
	every    time.Duration
	now      func() time.Time
	failures port.Counter
	dropped  port.Counter

	mu      sync.Mutex
	lastErr error
	lastOK  time.Time
	logged  time.Time
	held    int
}

// Track wraps exporter for the backend name, counting into instruments.
func Track(name string, exporter sdkmetric.Exporter, instruments port.Instruments, logger *slog.Logger,
	every time.Duration,
) *TrackedExporter {
	keys := []string{"backend"}
	return &TrackedExporter{
		Exporter: exporter, name: name, logger: logger, every: every, now: time.Now,
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
		if e.lastErr != nil {
			e.logger.Info("monitoring: exports resumed", "backend", e.name, "failures_held_back", e.held)
		}
		e.lastErr, e.lastOK, e.logged, e.held = nil, now, time.Time{}, 0
		return nil
	}
	e.failures.Inc()
	lost := deltaPoints(rm)
	e.dropped.Add(float64(lost))
	e.lastErr = err
	if !e.logged.IsZero() && now.Sub(e.logged) < e.every {
		e.held++
		return err //nolint:wrapcheck // the reader reports it as the exporter's.
	}
	e.logger.Error("monitoring: export failed; recording goes on, cumulative series are carried by the next export",
		"backend", e.name, "error", err, "delta_points_lost", lost, "failures_held_back", e.held)
	e.logged, e.held = now, 0
	return err //nolint:wrapcheck // the reader reports it as the exporter's.
}

// Deliveries returns the time of the last successful export and the last
// export's error (nil after a success).
func (e *TrackedExporter) Deliveries() (time.Time, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastOK, e.lastErr
}

// deltaPoints counts the points of rm on delta temporality.
func deltaPoints(rm *metricdata.ResourceMetrics) int {
	if rm == nil {
		return 0
	}
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				n += deltaLen(d.Temporality, len(d.DataPoints))
			case metricdata.Sum[float64]:
				n += deltaLen(d.Temporality, len(d.DataPoints))
			case metricdata.Histogram[int64]:
				n += deltaLen(d.Temporality, len(d.DataPoints))
			case metricdata.Histogram[float64]:
				n += deltaLen(d.Temporality, len(d.DataPoints))
			case metricdata.ExponentialHistogram[int64]:
				n += deltaLen(d.Temporality, len(d.DataPoints))
			case metricdata.ExponentialHistogram[float64]:
				n += deltaLen(d.Temporality, len(d.DataPoints))
			}
		}
	}
	return n
}

func deltaLen(t metricdata.Temporality, n int) int {
	if t == metricdata.DeltaTemporality {
		return n
	}
	return 0
}
