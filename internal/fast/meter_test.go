package fast_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/compozy/monitoring/internal/fast"
)

// meterUnderTest returns the fast meter provider of a fresh registry over
// an SDK provider, both read by one manual reader of temporality sel.
func meterUnderTest(t *testing.T, sel sdkmetric.TemporalitySelector, views ...sdkmetric.View) (metric.MeterProvider, func() metricdata.ResourceMetrics) {
	t.Helper()
	reg := fast.New()
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sel), sdkmetric.WithProducer(reg.ForReader(sel)))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(views...))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return reg.MeterProvider(mp, views), func() metricdata.ResourceMetrics {
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
		return rm
	}
}

func metricNamed(rm metricdata.ResourceMetrics, name string) (instrumentation.Scope, metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return sm.Scope, m, true
			}
		}
	}
	return instrumentation.Scope{}, metricdata.Metrics{}, false
}

func TestMeterProvider(t *testing.T) {
	ctx := context.Background()
	set := attribute.NewSet(attribute.String("k", "v"))

	t.Run("Should export each meter's instruments under its scope, name, version, schema and attributes", func(t *testing.T) {
		p, collect := meterUnderTest(t, sdkmetric.CumulativeTemporalitySelector)
		m := p.Meter("lib", metric.WithInstrumentationVersion("v1"), metric.WithSchemaURL("https://schema"),
			metric.WithInstrumentationAttributes(attribute.String("team", "x")))
		c, err := m.Int64Counter("jobs", metric.WithUnit("{job}"), metric.WithDescription("Jobs."))
		require.NoError(t, err)
		c.Add(ctx, 2, metric.WithAttributeSet(set))
		again, err := m.Int64Counter("jobs", metric.WithUnit("{job}"), metric.WithDescription("Jobs."))
		require.NoError(t, err)
		again.Add(ctx, 3, metric.WithAttributes(attribute.String("k", "v")))

		scope, got, ok := metricNamed(collect(), "jobs")
		require.True(t, ok)
		assert.Equal(t, instrumentation.Scope{Name: "lib", Version: "v1", SchemaURL: "https://schema",
			Attributes: attribute.NewSet(attribute.String("team", "x"))}, scope)
		metricdatatest.AssertEqual(t, metricdata.Metrics{Name: "jobs", Description: "Jobs.", Unit: "{job}",
			Data: metricdata.Sum[int64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[int64]{{Attributes: set, Value: 5}}}},
			got, metricdatatest.IgnoreTimestamp())
	})

	t.Run("Should report to a delta reader a series recorded in its interval even when it did not move, and only those", func(t *testing.T) {
		p, collect := meterUnderTest(t, sdkmetric.DeltaTemporalitySelector)
		m := p.Meter("app")
		c, err := m.Int64Counter("hits")
		require.NoError(t, err)
		h, err := m.Float64Histogram("wait", metric.WithExplicitBucketBoundaries(1))
		require.NoError(t, err)
		other := attribute.NewSet(attribute.String("k", "w"))
		c.Add(ctx, 4, metric.WithAttributeSet(set))
		c.Add(ctx, 1, metric.WithAttributeSet(other))
		h.Record(ctx, 0.5)
		collect()
		c.Add(ctx, 0, metric.WithAttributeSet(set))
		h.Record(ctx, 2)
		_, hits, ok := metricNamed(collect(), "hits")
		require.True(t, ok)
		metricdatatest.AssertAggregationsEqual(t, metricdata.Sum[int64]{
			Temporality: metricdata.DeltaTemporality, IsMonotonic: true,
			DataPoints: []metricdata.DataPoint[int64]{{Attributes: set, Value: 0}},
		}, hits.Data, metricdatatest.IgnoreTimestamp())
		_, wait, _ := metricNamed(collect(), "wait")
		assert.Nil(t, wait.Data, "nothing recorded since: nothing reported")
	})

	t.Run("Should leave observable instruments, callbacks and instruments a view matches to the SDK", func(t *testing.T) {
		view := sdkmetric.NewView(sdkmetric.Instrument{Name: "renamed.me"}, sdkmetric.Stream{Name: "new.name"})
		p, collect := meterUnderTest(t, sdkmetric.CumulativeTemporalitySelector, view)
		m := p.Meter("app")
		g, err := m.Int64ObservableGauge("level")
		require.NoError(t, err)
		_, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			o.ObserveInt64(g, 9)
			return nil
		}, g)
		require.NoError(t, err)
		c, err := m.Float64Counter("renamed.me")
		require.NoError(t, err)
		c.Add(ctx, 1.5)
		rm := collect()
		_, level, ok := metricNamed(rm, "level")
		require.True(t, ok)
		assert.Equal(t, int64(9), level.Data.(metricdata.Gauge[int64]).DataPoints[0].Value)
		_, renamed, ok := metricNamed(rm, "new.name")
		require.True(t, ok, "the SDK applied the view")
		assert.InDelta(t, 1.5, renamed.Data.(metricdata.Sum[float64]).DataPoints[0].Value, 0)
	})

	t.Run("Should leave an invalid name or invalid boundaries to the SDK, which says what is wrong", func(t *testing.T) {
		p, _ := meterUnderTest(t, sdkmetric.CumulativeTemporalitySelector)
		_, err := p.Meter("app").Int64Counter("1bad")
		require.ErrorIs(t, err, sdkmetric.ErrInstrumentName)
		_, err = p.Meter("app").Float64Histogram("h", metric.WithExplicitBucketBoundaries(2, 1))
		require.Error(t, err)
	})

	t.Run("Should take the caller's boundaries and the SDK's defaults otherwise, with minimum and maximum", func(t *testing.T) {
		p, collect := meterUnderTest(t, sdkmetric.CumulativeTemporalitySelector)
		mine, err := p.Meter("app").Int64Histogram("sizes", metric.WithExplicitBucketBoundaries(10, 100))
		require.NoError(t, err)
		mine.Record(ctx, 50)
		mine.Record(ctx, 5)
		def, err := p.Meter("app").Float64Histogram("plain")
		require.NoError(t, err)
		def.Record(ctx, 3)
		rm := collect()
		_, sizes, _ := metricNamed(rm, "sizes")
		metricdatatest.AssertAggregationsEqual(t, metricdata.Histogram[int64]{
			Temporality: metricdata.CumulativeTemporality,
			DataPoints: []metricdata.HistogramDataPoint[int64]{{
				Attributes: *attribute.EmptySet(), Count: 2, Bounds: []float64{10, 100}, BucketCounts: []uint64{1, 1, 0},
				Min: metricdata.NewExtrema[int64](5), Max: metricdata.NewExtrema[int64](50), Sum: 55,
			}},
		}, sizes.Data, metricdatatest.IgnoreTimestamp())
		_, plain, _ := metricNamed(rm, "plain")
		assert.Equal(t, fast.DefaultBuckets(""), plain.Data.(metricdata.Histogram[float64]).DataPoints[0].Bounds)
	})

	t.Run("Should take an empty list of boundaries as none given, as the SDK does", func(t *testing.T) {
		p, collect := meterUnderTest(t, sdkmetric.CumulativeTemporalitySelector)
		empty, err := p.Meter("app").Float64Histogram("empty", metric.WithExplicitBucketBoundaries([]float64{}...))
		require.NoError(t, err)
		empty.Record(ctx, 3)
		_, got, ok := metricNamed(collect(), "empty")
		require.True(t, ok)
		point := got.Data.(metricdata.Histogram[float64]).DataPoints[0]
		assert.Equal(t, fast.DefaultBuckets(""), point.Bounds, "not a single bucket")
		assert.Len(t, point.BucketCounts, len(fast.DefaultBuckets(""))+1)
	})
}
