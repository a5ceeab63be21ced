// Package monitoringtest provides a [port.Monitoring] for tests that records
// into the OpenTelemetry SDK and lets the test read exactly what was
// recorded, through a ManualReader: the hermetic counterpart of the generated
// mock when what matters is the aggregated result (sums, counts, attributes)
// rather than the calls.
package monitoringtest

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/port"
)

// Backend is an in-memory [port.Monitoring]. Its handler answers 404: read
// the metrics with [Backend.Collect] instead.
type Backend struct {
	reader   *sdkmetric.ManualReader
	provider *sdkmetric.MeterProvider
	fast     *fast.Registry

	shutdownOnce sync.Once
	shutdownErr  error
}

var _ port.Monitoring = (*Backend)(nil)

// New returns a backend that is shut down when the test ends. opts are
// passed to the SDK's MeterProvider (for example a cardinality limit). The
// fast instruments report their errors through t.Log.
func New(t testing.TB, opts ...sdkmetric.Option) *Backend {
	t.Helper()
	instruments := fast.New(fast.WithErrorHandler(func(err error) { t.Log("monitoringtest:", err) }))
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(instruments))
	b := &Backend{
		reader:   reader,
		fast:     instruments,
		provider: sdkmetric.NewMeterProvider(append([]sdkmetric.Option{sdkmetric.WithReader(reader)}, opts...)...),
	}
	t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
	return b
}

// Meter returns the meter of the scope "monitoringtest".
func (b *Backend) Meter() metric.Meter { return b.provider.Meter("monitoringtest") }

// MeterProvider returns the SDK provider.
func (b *Backend) MeterProvider() metric.MeterProvider { return b.provider }

// Instruments returns the fast instruments, collected with the rest.
func (b *Backend) Instruments() port.Instruments { return b.fast }

// Handler answers 404: there is nothing to scrape.
func (b *Backend) Handler() http.Handler { return http.NotFoundHandler() }

// Status reports a healthy backend named "monitoringtest".
func (b *Backend) Status() port.Status {
	return port.Status{Backend: "monitoringtest", Enabled: true, Healthy: true}
}

// ForceFlush does nothing: collection is on demand.
func (b *Backend) ForceFlush(context.Context) error { return nil }

// Shutdown shuts the provider down once; later calls return the first
// call's result.
func (b *Backend) Shutdown(ctx context.Context) error {
	b.shutdownOnce.Do(func() { b.shutdownErr = b.provider.Shutdown(ctx) })
	return b.shutdownErr
}

// Collect returns everything recorded so far, failing the test on error.
func (b *Backend) Collect(t testing.TB) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := b.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("monitoringtest: collect: %v", err)
	}
	return rm
}

// Metric returns the metric called name, and whether it was recorded.
func (b *Backend) Metric(t testing.TB, name string) (metricdata.Metrics, bool) {
	t.Helper()
	for _, sm := range b.Collect(t).ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// Series returns the attribute sets of name's data points, whatever its
// kind; nil when it was not recorded.
func (b *Backend) Series(t testing.TB, name string) []attribute.Set {
	t.Helper()
	m, ok := b.Metric(t, name)
	if !ok {
		return nil
	}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		return attributesOf(d.DataPoints, func(p metricdata.DataPoint[int64]) attribute.Set { return p.Attributes })
	case metricdata.Sum[float64]:
		return attributesOf(d.DataPoints, func(p metricdata.DataPoint[float64]) attribute.Set { return p.Attributes })
	case metricdata.Gauge[int64]:
		return attributesOf(d.DataPoints, func(p metricdata.DataPoint[int64]) attribute.Set { return p.Attributes })
	case metricdata.Gauge[float64]:
		return attributesOf(d.DataPoints, func(p metricdata.DataPoint[float64]) attribute.Set { return p.Attributes })
	case metricdata.Histogram[int64]:
		return attributesOf(d.DataPoints,
			func(p metricdata.HistogramDataPoint[int64]) attribute.Set { return p.Attributes })
	case metricdata.Histogram[float64]:
		return attributesOf(d.DataPoints,
			func(p metricdata.HistogramDataPoint[float64]) attribute.Set { return p.Attributes })
	default:
		t.Fatalf("monitoringtest: %s has unsupported data %T", name, m.Data)
		return nil
	}
}

func attributesOf[P any](points []P, attrs func(P) attribute.Set) []attribute.Set {
	sets := make([]attribute.Set, len(points))
	for i, p := range points {
		sets[i] = attrs(p)
	}
	return sets
}
