package service_test

import (
	"context"
	"fmt"
	otelruntime "go.opentelemetry.io/contrib/instrumentation/runtime"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/mock/gomock"

	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/mocks"
	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

// fakeScope is the instrumentation scope of the fake backend's Meter.
const fakeScope = "fake-backend"

// fakeBackend implements port.Monitoring over an SDK MeterProvider with a
// ManualReader, so tests can collect exactly what reached the backend. Its
// handler collects from the reader and writes one "name count" line per
// metric. Every hook is optional.
type fakeBackend struct {
	reader   *sdkmetric.ManualReader
	provider *sdkmetric.MeterProvider

	status  port.Status
	handler http.Handler

	meterFn    func() metric.Meter
	providerFn func() metric.MeterProvider
	handlerFn  func() http.Handler
	statusFn   func() port.Status
	// instruments is what Instruments returns; no-op unless a test sets it.
	instruments port.Instruments
}

var _ port.Monitoring = (*fakeBackend)(nil)

func newFakeBackend(t *testing.T) *fakeBackend {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	b := &fakeBackend{
		reader:   reader,
		provider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
		status:   port.Status{Backend: "fake", Enabled: true, Healthy: true},
	}
	b.handler = http.HandlerFunc(b.serveCollected)
	t.Cleanup(func() { _ = b.provider.Shutdown(context.Background()) })
	return b
}

func (b *fakeBackend) serveCollected(w http.ResponseWriter, r *http.Request) {
	var rm metricdata.ResourceMetrics
	if err := b.reader.Collect(r.Context(), &rm); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=fake")
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			_, _ = fmt.Fprintf(w, "%s %d\n", m.Name, dataPoints(m))
		}
	}
}

func (b *fakeBackend) Meter() metric.Meter {
	if b.meterFn != nil {
		return b.meterFn()
	}
	return b.provider.Meter(fakeScope)
}

func (b *fakeBackend) MeterProvider() metric.MeterProvider {
	if b.providerFn != nil {
		return b.providerFn()
	}
	return b.provider
}

func (b *fakeBackend) Handler() http.Handler {
	if b.handlerFn != nil {
		return b.handlerFn()
	}
	return b.handler
}

func (b *fakeBackend) Status() port.Status {
	if b.statusFn != nil {
		return b.statusFn()
	}
	return b.status
}

func (b *fakeBackend) Instruments() port.Instruments {
	if b.instruments != nil {
		return b.instruments
	}
	return port.NoopInstruments{}
}

func (b *fakeBackend) ForceFlush(ctx context.Context) error { return b.provider.ForceFlush(ctx) }
func (b *fakeBackend) Shutdown(ctx context.Context) error   { return b.provider.Shutdown(ctx) }

// collect returns what the backend's reader holds, less the system metrics
// every service registers (TestSystemMetrics covers those), so that tests
// see exactly what they recorded.
func (b *fakeBackend) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	rm := b.collectAll(t)
	kept := rm.ScopeMetrics[:0]
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != service.SystemScopeName && sm.Scope.Name != otelruntime.ScopeName {
			kept = append(kept, sm)
		}
	}
	rm.ScopeMetrics = kept
	return rm
}

// collectAll returns everything the backend's reader holds.
func (b *fakeBackend) collectAll(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, b.reader.Collect(context.Background(), &rm))
	return rm
}

// findMetric returns the metric called name, in any scope.
func findMetric(rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// findScopedMetric returns the metric called name in the scope called scope.
func findScopedMetric(rm metricdata.ResourceMetrics, scope, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != scope {
			continue
		}
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// metricNames lists the names of every collected metric.
func metricNames(rm metricdata.ResourceMetrics) []string {
	var names []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names = append(names, m.Name)
		}
	}
	return names
}

func dataPoints(m metricdata.Metrics) int {
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		return len(d.DataPoints)
	case metricdata.Sum[float64]:
		return len(d.DataPoints)
	case metricdata.Gauge[int64]:
		return len(d.DataPoints)
	case metricdata.Gauge[float64]:
		return len(d.DataPoints)
	case metricdata.Histogram[int64]:
		return len(d.DataPoints)
	case metricdata.Histogram[float64]:
		return len(d.DataPoints)
	default:
		return -1
	}
}

// newLogger returns a logger writing text lines to a fresh buffer.
func newLogger() (*slog.Logger, *testkit.Buffer) {
	buf := &testkit.Buffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// newMock returns a gomock backend with the three calls New makes at
// construction already expected.
func newMock(t *testing.T) *mocks.MockMonitoring {
	t.Helper()
	ctrl := gomock.NewController(t)
	m := mocks.NewMockMonitoring(ctrl)
	m.EXPECT().Meter().Return(noop.Meter{}).Times(1)
	m.EXPECT().MeterProvider().Return(noop.MeterProvider{}).Times(1)
	m.EXPECT().Handler().Return(http.NotFoundHandler()).Times(1)
	m.EXPECT().Instruments().Return(port.NoopInstruments{}).Times(1)
	return m
}

// get serves GET /metrics through h and returns the recorded response.
func get(h http.Handler) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec
}

// brokenMeter panics in every method: it embeds a nil metric.Meter.
type brokenMeter struct{ metric.Meter }

// panickingProvider panics when asked for a meter.
type panickingProvider struct{ noop.MeterProvider }

func (panickingProvider) Meter(string, ...metric.MeterOption) metric.Meter {
	panic("provider exploded")
}

// nilMeterProvider hands out nil meters.
type nilMeterProvider struct{ noop.MeterProvider }

func (nilMeterProvider) Meter(string, ...metric.MeterOption) metric.Meter { return nil }

// brokenProvider hands out meters whose every constructor panics.
type brokenProvider struct{ noop.MeterProvider }

func (brokenProvider) Meter(string, ...metric.MeterOption) metric.Meter { return brokenMeter{} }

// discardLogger drops everything.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// collectErr collects from the backend's reader, returning its error.
func collectErr(b *fakeBackend) (metricdata.ResourceMetrics, error) {
	var rm metricdata.ResourceMetrics
	err := b.reader.Collect(context.Background(), &rm)
	return rm, err
}
