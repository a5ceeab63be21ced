package buckets_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/internal/buckets"
)

func TestDefault(t *testing.T) {
	t.Run("Should give seconds histograms the second-scale boundaries of the HTTP conventions", func(t *testing.T) {
		want := []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
		assert.Equal(t, want, buckets.Seconds())
		assert.Equal(t, want, buckets.Default("s"))
	})

	t.Run("Should give every other unit the SDK's own defaults", func(t *testing.T) {
		reader := sdkmetric.NewManualReader()
		provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		t.Cleanup(func() { assert.NoError(t, provider.Shutdown(t.Context())) })
		h, err := provider.Meter("test").Float64Histogram("size", metric.WithUnit("By"))
		require.NoError(t, err)
		h.Record(t.Context(), 1)
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(t.Context(), &rm))
		sdkDefaults := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Histogram[float64]).DataPoints[0].Bounds
		assert.Equal(t, sdkDefaults, buckets.Default("By"))
		assert.Equal(t, sdkDefaults, buckets.Default("ms"))
	})

	t.Run("Should hand out a new slice each time", func(t *testing.T) {
		a := buckets.Seconds()
		a[0] = 42
		assert.InDelta(t, 0.005, buckets.Seconds()[0], 0)
		b := buckets.Default("By")
		b[0] = 42
		assert.Zero(t, buckets.Default("By")[0])
	})
}
