package monitoringtest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/goleak"

	"github.com/compozy/monitoring/adapters/adaptertest"
	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/port"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) port.Monitoring { return monitoringtest.New(t) })
}

func TestBackend(t *testing.T) {
	t.Run("Should return the series of every kind of instrument", func(t *testing.T) {
		b := monitoringtest.New(t)
		m := b.Meter()
		ctx := t.Context()
		a := metric.WithAttributes(attribute.String("k", "a"))
		z := metric.WithAttributes(attribute.String("k", "z"))
		ic, _ := m.Int64Counter("ic")
		fc, _ := m.Float64Counter("fc")
		ig, _ := m.Int64Gauge("ig")
		fg, _ := m.Float64Gauge("fg")
		ih, _ := m.Int64Histogram("ih")
		fh, _ := m.Float64Histogram("fh")
		for _, o := range []metric.MeasurementOption{a, z} {
			ic.Add(ctx, 1, o)
			fc.Add(ctx, 1, o)
			ig.Record(ctx, 1, o)
			fg.Record(ctx, 1, o)
			ih.Record(ctx, 1, o)
			fh.Record(ctx, 1, o)
		}
		for _, name := range []string{"ic", "fc", "ig", "fg", "ih", "fh"} {
			assert.Len(t, b.Series(t, name), 2, name)
		}
		assert.Nil(t, b.Series(t, "never.recorded"))
		_, ok := b.Metric(t, "never.recorded")
		assert.False(t, ok)
	})

	t.Run("Should be healthy and have nothing to scrape", func(t *testing.T) {
		b := monitoringtest.New(t)
		assert.True(t, b.Status().Healthy)
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
		assert.Equal(t, http.StatusNotFound, rec.Code)
		require.NoError(t, b.ForceFlush(t.Context()))
	})
}
