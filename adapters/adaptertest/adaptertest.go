// Package adaptertest is the conformance suite every adapter runs: one table
// of behaviours that any [port.Monitoring] backend must show, so that the
// service layer, the middleware and business code can rely on them whatever
// the backend.
package adaptertest

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring/port"
)

// Factory builds a fresh backend for one subtest. The suite shuts it down.
type Factory func(t *testing.T) port.Monitoring

// Run checks the port's contract on backends built by newBackend.
func Run(t *testing.T, newBackend Factory) {
	t.Helper()
	cases := []struct {
		name  string
		check func(t *testing.T, b port.Monitoring)
	}{
		{"Should hand out a meter and a provider whose instruments record without error", recordsWithoutError},
		{"Should name itself and report a consistent status", reportsStatus},
		{"Should serve the exposition handler without panicking", servesHandler},
		{"Should record and scrape concurrently", recordsConcurrently},
		{"Should hand out fast instruments that record without panicking", recordsFast},
		{"Should export every frame whatever the values, NaN and infinities included", exportsNonFinite},
		{"Should flush and shut down idempotently", shutsDownIdempotently},
		{"Should stay harmless after shutdown", harmlessAfterShutdown},
		{"Should return from shutdown on a cancelled context", shutsDownOnCancelledContext},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t)
			require.NotNil(t, b)
			t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
			tc.check(t, b)
		})
	}
}

func recordsWithoutError(t *testing.T, b port.Monitoring) {
	require.NotNil(t, b.Meter())
	require.NotNil(t, b.MeterProvider())
	ctx := context.Background()
	c, err := b.Meter().Int64Counter("conformance.count")
	require.NoError(t, err)
	h, err := b.MeterProvider().Meter("conformance").Float64Histogram("conformance.duration", metric.WithUnit("s"))
	require.NoError(t, err)
	c.Add(ctx, 1, metric.WithAttributes(attribute.String("k", "v")))
	h.Record(ctx, 0.2)
}

func reportsStatus(t *testing.T, b port.Monitoring) {
	st := b.Status()
	assert.NotEmpty(t, st.Backend)
	assert.Equal(t, st.Err == nil, st.Healthy, "Healthy must be true exactly when Err is nil")
}

func servesHandler(t *testing.T, b port.Monitoring) {
	h := b.Handler()
	require.NotNil(t, h)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil))
	assert.Contains(t, []int{http.StatusOK, http.StatusNotFound, http.StatusServiceUnavailable}, rec.Code)
	if rec.Code != http.StatusOK {
		assert.NotEmpty(t, rec.Body.String(), "a refusal must say why")
	}
}

func recordsConcurrently(t *testing.T, b port.Monitoring) {
	ctx := context.Background()
	c, err := b.Meter().Int64Counter("conformance.concurrent")
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				c.Add(ctx, 1)
			}
		})
		wg.Go(func() {
			for range 5 {
				rec := httptest.NewRecorder()
				b.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/metrics", nil))
				assert.Contains(t, []int{http.StatusOK, http.StatusNotFound, http.StatusServiceUnavailable}, rec.Code)
			}
		})
	}
	wg.Wait()
	// Recording must still work after the storm (and -race has watched it).
	assert.NotPanics(t, func() { c.Add(ctx, 1) })
}

func shutsDownIdempotently(t *testing.T, b port.Monitoring) {
	ctx := context.Background()
	require.NoError(t, b.ForceFlush(ctx))
	require.NoError(t, b.Shutdown(ctx))
	assert.NotPanics(t, func() { _ = b.Shutdown(ctx) })
	assert.NoError(t, b.Shutdown(ctx))
}

func harmlessAfterShutdown(t *testing.T, b port.Monitoring) {
	ctx := context.Background()
	c, err := b.Meter().Int64Counter("conformance.before")
	require.NoError(t, err)
	require.NoError(t, b.Shutdown(ctx))
	assert.NotPanics(t, func() {
		c.Add(ctx, 1)
		late, _ := b.Meter().Int64Counter("conformance.after")
		if late != nil {
			late.Add(ctx, 1)
		}
		_ = b.Status()
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/metrics", nil))
	})
	assert.NoError(t, b.ForceFlush(ctx))
}

func shutsDownOnCancelledContext(t *testing.T, b port.Monitoring) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := b.Shutdown(ctx)
	if err != nil {
		require.ErrorIs(t, err, context.Canceled)
	}
	assert.NotPanics(t, func() { _ = b.Shutdown(context.Background()) })
}

func recordsFast(t *testing.T, b port.Monitoring) {
	in := b.Instruments()
	require.NotNil(t, in)
	keys := []string{"route"}
	v := port.Values{"/x"}
	c := in.CounterVec(port.Desc{Name: "conformance.fast.count", Keys: keys})
	u := in.UpDownCounterVec(port.Desc{Name: "conformance.fast.level", Keys: keys})
	g := in.GaugeVec(port.Desc{Name: "conformance.fast.gauge", Keys: keys})
	h := in.HistogramVec(port.Desc{Name: "conformance.fast.duration", Unit: "s", Keys: keys})
	for _, vec := range []any{c, u, g, h} {
		require.NotNil(t, vec)
	}
	assert.NotPanics(t, func() {
		c.Add(1, v)
		c.Bind(v).Add(1)
		u.Add(-1, v)
		u.Bind(v).Add(1)
		g.Set(3, v)
		g.Bind(v).Set(4)
		h.Record(0.2, v)
		h.Bind(v).Record(0.3)
	})
	require.NoError(t, b.Shutdown(context.Background()))
	assert.NotPanics(t, func() { c.Add(1, v) }, "recording after shutdown is harmless")
}

// exportsNonFinite records NaN and both infinities on every instrument kind
// of both paths: flushing (a push backend's export) and scraping must go on
// working, frame after frame.
func exportsNonFinite(t *testing.T, b port.Monitoring) {
	ctx := context.Background()
	m := b.Meter()
	gauge, err := m.Float64Gauge("conformance.nonfinite.gauge")
	require.NoError(t, err)
	hist, err := m.Float64Histogram("conformance.nonfinite.duration", metric.WithUnit("s"))
	require.NoError(t, err)
	counter, err := m.Float64Counter("conformance.nonfinite.count")
	require.NoError(t, err)
	level, err := m.Float64UpDownCounter("conformance.nonfinite.level")
	require.NoError(t, err)
	in := b.Instruments()
	fc := in.CounterVec(port.Desc{Name: "conformance.nonfinite.fast.count"})
	fu := in.UpDownCounterVec(port.Desc{Name: "conformance.nonfinite.fast.level"})
	fg := in.GaugeVec(port.Desc{Name: "conformance.nonfinite.fast.gauge"})
	fh := in.HistogramVec(port.Desc{Name: "conformance.nonfinite.fast.duration", Unit: "s"})
	for _, v := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		gauge.Record(ctx, v)
		hist.Record(ctx, v)
		counter.Add(ctx, v)
		level.Add(ctx, v)
		fc.Add(v, port.Values{})
		fu.Add(v, port.Values{})
		fg.Set(v, port.Values{})
		fh.Record(v, port.Values{})
	}
	for range 2 {
		require.NoError(t, b.ForceFlush(ctx))
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/metrics", nil))
		assert.Contains(t, []int{http.StatusOK, http.StatusNotFound}, rec.Code, rec.Body.String())
	}
	require.NoError(t, b.Shutdown(ctx), "the last export succeeds too")
}
