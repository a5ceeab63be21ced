package sdk_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/adapters/internal/sdk"
)

// bounds records one value on the histogram make creates and returns the
// bucket boundaries the SDK collected for it.
func bounds(t *testing.T, build func(metric.Meter) (func(), error)) []float64 {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(t.Context()) })
	record, err := build(sdk.WithSecondsBuckets(mp).Meter("test"))
	require.NoError(t, err)
	record()

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(t.Context(), &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	require.Len(t, rm.ScopeMetrics[0].Metrics, 1)
	switch data := rm.ScopeMetrics[0].Metrics[0].Data.(type) {
	case metricdata.Histogram[float64]:
		return data.DataPoints[0].Bounds
	case metricdata.Histogram[int64]:
		return data.DataPoints[0].Bounds
	default:
		t.Fatalf("unexpected data %T", data)
		return nil
	}
}

func float64Histogram(opts ...metric.Float64HistogramOption) func(metric.Meter) (func(), error) {
	return func(m metric.Meter) (func(), error) {
		h, err := m.Float64Histogram("h", opts...)
		return func() { h.Record(context.Background(), 1) }, err
	}
}

func TestSecondsBuckets(t *testing.T) {
	sdkDefault := []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}

	t.Run("Should give seconds histograms without boundaries second-scale buckets", func(t *testing.T) {
		assert.Equal(t, sdk.SecondsBuckets(), bounds(t, float64Histogram(metric.WithUnit("s"))))
	})

	t.Run("Should keep the caller's boundaries, whatever their position", func(t *testing.T) {
		assert.Equal(t, []float64{1, 2}, bounds(t, float64Histogram(
			metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(1, 2))))
		assert.Equal(t, []float64{3}, bounds(t, float64Histogram(
			metric.WithExplicitBucketBoundaries(3), metric.WithUnit("s"))))
	})

	t.Run("Should leave other units and integer histograms alone", func(t *testing.T) {
		assert.Equal(t, sdkDefault, bounds(t, float64Histogram(metric.WithUnit("ms"))))
		assert.Equal(t, sdkDefault, bounds(t, func(m metric.Meter) (func(), error) {
			h, err := m.Int64Histogram("h", metric.WithUnit("s"))
			return func() { h.Record(context.Background(), 1) }, err
		}))
	})

	t.Run("Should hand out a fresh slice each time", func(t *testing.T) {
		b := sdk.SecondsBuckets()
		b[0] = 42
		assert.InDelta(t, 0.005, sdk.SecondsBuckets()[0], 0)
	})
}
