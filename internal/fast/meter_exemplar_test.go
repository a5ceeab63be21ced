package fast_test

import (
	"context"
	"encoding/binary"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/compozy/monitoring/internal/fast"
)

// meterWith returns the fast meter provider of a registry made with opts,
// read by one manual reader of temporality sel.
func meterWith(t *testing.T, sel sdkmetric.TemporalitySelector, opts ...fast.Option) (metric.MeterProvider, func() metricdata.ResourceMetrics) {
	t.Helper()
	reg := fast.New(opts...)
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sel), sdkmetric.WithProducer(reg.ForReader(sel)))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return reg.MeterProvider(mp, nil), func() metricdata.ResourceMetrics {
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
		return rm
	}
}

// plainSDK returns an OpenTelemetry SDK provider with the trace-based
// exemplar filter, read by one manual reader of temporality sel.
func plainSDK(t *testing.T, sel sdkmetric.TemporalitySelector) (metric.MeterProvider, func() metricdata.ResourceMetrics) {
	t.Helper()
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sel))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithExemplarFilter(exemplar.TraceBasedFilter))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return mp, func() metricdata.ResourceMetrics {
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
		return rm
	}
}

// waitPoints returns the points of the float histogram "wait".
func waitPoints(t *testing.T, rm metricdata.ResourceMetrics) []metricdata.HistogramDataPoint[float64] {
	t.Helper()
	const name = "wait"
	_, m, ok := metricNamed(rm, name)
	require.True(t, ok, "%s is collected", name)
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is a float histogram", name)
	return h.DataPoints
}

// sizePoints returns the points of the integer histogram "size".
func sizePoints(t *testing.T, rm metricdata.ResourceMetrics) []metricdata.HistogramDataPoint[int64] {
	t.Helper()
	const name = "size"
	_, m, ok := metricNamed(rm, name)
	require.True(t, ok, "%s is collected", name)
	h, ok := m.Data.(metricdata.Histogram[int64])
	require.True(t, ok, "%s is an integer histogram", name)
	return h.DataPoints
}

func exemplarOf[N int64 | float64](n uint64, v N) metricdata.Exemplar[N] {
	return metricdata.Exemplar[N]{TraceID: traceOf(n), SpanID: spanOf(n), Value: v}
}

func TestMeterExemplars(t *testing.T) {
	cumulative, delta := sdkmetric.CumulativeTemporalitySelector, sdkmetric.DeltaTemporalitySelector
	set := attribute.NewSet(attribute.String("route", "/a"))
	other := attribute.NewSet(attribute.String("route", "/b"))
	third := attribute.NewSet(attribute.String("route", "/c"))
	onSet, onOther, onThird := metric.WithAttributeSet(set), metric.WithAttributeSet(other), metric.WithAttributeSet(third)

	t.Run("Should keep what the SDK keeps: per bucket per series, a measurement made in a sampled span", func(t *testing.T) {
		for _, sel := range []sdkmetric.TemporalitySelector{cumulative, delta} {
			ours, collectOurs := meterWith(t, sel)
			sdk, collectSDK := plainSDK(t, sel)
			for _, p := range []metric.MeterProvider{ours, sdk} {
				f, err := p.Meter("app").Float64Histogram("wait", metric.WithExplicitBucketBoundaries(0.1, 0.5, 1))
				require.NoError(t, err)
				i, err := p.Meter("app").Int64Histogram("size", metric.WithExplicitBucketBoundaries(10, 100))
				require.NoError(t, err)
				f.Record(spanContext(1, true), 0.3, onSet)
				f.Record(spanContext(2, true), 0.05, onSet)
				f.Record(spanContext(3, false), 0.06, onSet) // not sampled: no exemplar
				f.Record(context.Background(), 0.07, onSet)  // no span
				f.Record(spanContext(4, true), 7, onOther)   // the last bucket, another series
				f.Record(spanContext(5, true), inf(1), onThird)
				i.Record(spanContext(6, true), 1<<60+1, onSet) // exact as an int64, not as a float
				i.Record(spanContext(7, true), -3)
				i.Record(spanContext(8, false), 50)
			}
			got, want := collectOurs(), collectSDK()
			if sel(sdkmetric.InstrumentKindHistogram) == metricdata.DeltaTemporality {
				want = withoutExtrema(want) // the fast path's delta points have none (docs/instruments.md)
			}
			metricdatatest.AssertEqual(t, want.ScopeMetrics[0], got.ScopeMetrics[0], metricdatatest.IgnoreTimestamp())
			// ... and what it should be, so that the two cannot agree on nothing.
			byAttrs := map[attribute.Distinct][]metricdata.Exemplar[float64]{}
			for _, p := range waitPoints(t, got) {
				byAttrs[p.Attributes.Equivalent()] = p.Exemplars
			}
			metricdatatest.AssertEqual(t, exemplarOf(2, 0.05), byAttrs[set.Equivalent()][0], metricdatatest.IgnoreTimestamp())
			metricdatatest.AssertEqual(t, exemplarOf(1, 0.3), byAttrs[set.Equivalent()][1], metricdatatest.IgnoreTimestamp())
			require.Len(t, byAttrs[set.Equivalent()], 2)
			require.Len(t, byAttrs[other.Equivalent()], 1)
			metricdatatest.AssertEqual(t, exemplarOf(4, 7.0), byAttrs[other.Equivalent()][0], metricdatatest.IgnoreTimestamp())
			require.Len(t, byAttrs[third.Equivalent()], 1, "an infinity is recorded, as the SDK records it")
			metricdatatest.AssertEqual(t, exemplarOf(5, inf(1)), byAttrs[third.Equivalent()][0], metricdatatest.IgnoreTimestamp())
			ints := map[attribute.Distinct][]metricdata.Exemplar[int64]{}
			for _, p := range sizePoints(t, got) {
				ints[p.Attributes.Equivalent()] = p.Exemplars
			}
			require.Len(t, ints[set.Equivalent()], 1)
			metricdatatest.AssertEqual(t, exemplarOf[int64](6, 1<<60+1), ints[set.Equivalent()][0], metricdatatest.IgnoreTimestamp())
			require.Len(t, ints[attribute.EmptySet().Equivalent()], 1)
			metricdatatest.AssertEqual(t, exemplarOf[int64](7, -3), ints[attribute.EmptySet().Equivalent()][0], metricdatatest.IgnoreTimestamp())
		}
	})

	t.Run("Should keep the latest of a bucket, with its time", func(t *testing.T) {
		p, collect := meterWith(t, cumulative)
		h, err := p.Meter("app").Float64Histogram("wait", metric.WithExplicitBucketBoundaries(1))
		require.NoError(t, err)
		h.Record(spanContext(1, true), 0.2)
		h.Record(spanContext(2, true), 0.4)
		h.Record(spanContext(3, false), 0.6)
		points := waitPoints(t, collect())
		require.Len(t, points, 1)
		require.Len(t, points[0].Exemplars, 1)
		metricdatatest.AssertEqual(t, exemplarOf(2, 0.4), points[0].Exemplars[0], metricdatatest.IgnoreTimestamp())
		assert.False(t, points[0].Exemplars[0].Time.IsZero())
		assert.Equal(t, uint64(3), points[0].Count)
	})

	t.Run("Should keep one for a NaN, recorded in the last bucket as the SDK records it", func(t *testing.T) {
		p, collect := meterWith(t, cumulative)
		h, err := p.Meter("app").Float64Histogram("wait", metric.WithExplicitBucketBoundaries(1))
		require.NoError(t, err)
		h.Record(spanContext(1, true), nan())
		points := waitPoints(t, collect())
		require.Len(t, points[0].Exemplars, 1)
		assert.True(t, math.IsNaN(points[0].Exemplars[0].Value))
		assert.Equal(t, traceOf(1), points[0].Exemplars[0].TraceID)
		assert.Equal(t, []uint64{0, 1}, points[0].BucketCounts)
	})

	t.Run("Should keep none when exemplars are off, or for a nil context", func(t *testing.T) {
		p, collect := meterWith(t, cumulative, fast.WithExemplars(false))
		f, err := p.Meter("app").Float64Histogram("wait")
		require.NoError(t, err)
		i, err := p.Meter("app").Int64Histogram("size")
		require.NoError(t, err)
		f.Record(spanContext(1, true), 0.3)
		i.Record(spanContext(2, true), 3)
		rm := collect()
		assert.Empty(t, waitPoints(t, rm)[0].Exemplars)
		assert.Empty(t, sizePoints(t, rm)[0].Exemplars)

		on, collectOn := meterWith(t, cumulative)
		h, err := on.Meter("app").Float64Histogram("wait")
		require.NoError(t, err)
		var nilCtx context.Context
		h.Record(nilCtx, 0.3)
		assert.Empty(t, waitPoints(t, collectOn())[0].Exemplars)
	})

	t.Run("Should hand a delta reader the exemplars of its interval only, and a cumulative one all", func(t *testing.T) {
		reg := fast.New()
		dr := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(delta), sdkmetric.WithProducer(reg.ForReader(delta)))
		cr := sdkmetric.NewManualReader(sdkmetric.WithProducer(reg.ForReader(nil)))
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(dr), sdkmetric.WithReader(cr))
		t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		read := func(r *sdkmetric.ManualReader) metricdata.ResourceMetrics {
			var rm metricdata.ResourceMetrics
			require.NoError(t, r.Collect(context.Background(), &rm))
			return rm
		}
		p := reg.MeterProvider(mp, nil)
		f, err := p.Meter("app").Float64Histogram("wait", metric.WithExplicitBucketBoundaries(1))
		require.NoError(t, err)
		i, err := p.Meter("app").Int64Histogram("size", metric.WithExplicitBucketBoundaries(10))
		require.NoError(t, err)
		f.Record(spanContext(1, true), 0.5)
		i.Record(spanContext(2, true), 5)
		first := read(dr)
		require.Len(t, waitPoints(t, first)[0].Exemplars, 1)
		require.Len(t, sizePoints(t, first)[0].Exemplars, 1)
		f.Record(context.Background(), 0.5)
		f.Record(spanContext(3, true), 2)
		i.Record(context.Background(), 5)
		second := read(dr)
		w := waitPoints(t, second)[0]
		assert.Equal(t, uint64(2), w.Count)
		require.Len(t, w.Exemplars, 1, "the first interval's exemplar is not repeated")
		metricdatatest.AssertEqual(t, exemplarOf(3, 2.0), w.Exemplars[0], metricdatatest.IgnoreTimestamp())
		assert.Empty(t, sizePoints(t, second)[0].Exemplars)
		all := read(cr)
		assert.Len(t, waitPoints(t, all)[0].Exemplars, 2, "a cumulative reader keeps them")
		assert.Len(t, sizePoints(t, all)[0].Exemplars, 1)
	})

	t.Run("Should keep a consistent trace, span and value per bucket under concurrent records and collections", func(t *testing.T) {
		p, collect := meterWith(t, cumulative)
		h, err := p.Meter("app").Int64Histogram("size", metric.WithExplicitBucketBoundaries(10, 100, 1000))
		require.NoError(t, err)
		values := []int64{5, 50, 500, 5000} // one per bucket
		const writers, records = 4, 1000
		stop, seen := make(chan struct{}), make(chan int)
		go func() {
			n := 0
			defer func() { seen <- n }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, m, ok := metricNamed(collect(), "size")
				if !ok {
					continue
				}
				for _, e := range m.Data.(metricdata.Histogram[int64]).DataPoints[0].Exemplars {
					n++
					k := binary.BigEndian.Uint64(e.SpanID) - 1
					assert.Equal(t, traceOf(k), e.TraceID)
					assert.Equal(t, values[k%4], e.Value)
				}
			}
		}()
		var wg sync.WaitGroup
		for w := range uint64(writers) {
			wg.Go(func() {
				for i := range uint64(records) {
					k := (w*records+i)*4 + i%4
					h.Record(spanContext(k, true), values[k%4])
				}
			})
		}
		wg.Wait()
		close(stop)
		assert.Positive(t, <-seen, "the collector saw exemplars")
		points := sizePoints(t, collect())
		require.Len(t, points[0].Exemplars, 4, "one per bucket")
		for i, e := range points[0].Exemplars {
			assert.Equal(t, values[i], e.Value)
		}
	})

	t.Run("Should not allocate without a sampled span, with one once the series has its slots, nor with exemplars off", func(t *testing.T) {
		p, _ := meterWith(t, cumulative)
		f, err := p.Meter("app").Float64Histogram("wait")
		require.NoError(t, err)
		i, err := p.Meter("app").Int64Histogram("size")
		require.NoError(t, err)
		unsampled, none, sampled := spanContext(1, false), context.Background(), spanContext(2, true)
		opts := []metric.RecordOption{onSet} // built once, as a caller on the hot path does
		f.Record(none, 1, opts...)           // the series exists
		i.Record(none, 1, opts...)
		for _, ctx := range []context.Context{none, unsampled} {
			assert.Zero(t, testing.AllocsPerRun(100, func() { f.Record(ctx, 0.3, opts...) }))
			assert.Zero(t, testing.AllocsPerRun(100, func() { i.Record(ctx, 3, opts...) }))
		}
		assert.Zero(t, testing.AllocsPerRun(100, func() { f.Record(sampled, 0.3, opts...) }))
		assert.Zero(t, testing.AllocsPerRun(100, func() { i.Record(sampled, 3, opts...) }))

		off, _ := meterWith(t, cumulative, fast.WithExemplars(false))
		g, err := off.Meter("app").Float64Histogram("wait")
		require.NoError(t, err)
		g.Record(none, 1, opts...)
		assert.Zero(t, testing.AllocsPerRun(100, func() { g.Record(sampled, 0.3, opts...) }))
	})

	t.Run("Should allocate at most once, its slots, on a series' first sampled record", func(t *testing.T) {
		p, _ := meterWith(t, cumulative)
		f, err := p.Meter("app").Float64Histogram("wait")
		require.NoError(t, err)
		i, err := p.Meter("app").Int64Histogram("size")
		require.NoError(t, err)
		const runs = 50 // testing.AllocsPerRun makes runs+1 calls, each on a series of its own
		series := make([][]metric.RecordOption, runs+1)
		for k := range series {
			series[k] = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attribute.Int("k", k)))}
			f.Record(context.Background(), 1, series[k]...) // the series exists, without slots
			i.Record(context.Background(), 1, series[k]...)
		}
		sampled := spanContext(2, true)
		next := 0
		assert.LessOrEqual(t, testing.AllocsPerRun(runs, func() { f.Record(sampled, 0.3, series[next]...); next++ }), 1.0)
		next = 0
		assert.LessOrEqual(t, testing.AllocsPerRun(runs, func() { i.Record(sampled, 3, series[next]...); next++ }), 1.0)
	})
}

// withoutExtrema drops the minimum and maximum of every histogram point.
func withoutExtrema(rm metricdata.ResourceMetrics) metricdata.ResourceMetrics {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch h := m.Data.(type) {
			case metricdata.Histogram[int64]:
				for k := range h.DataPoints {
					h.DataPoints[k].Min, h.DataPoints[k].Max = metricdata.Extrema[int64]{}, metricdata.Extrema[int64]{}
				}
			case metricdata.Histogram[float64]:
				for k := range h.DataPoints {
					h.DataPoints[k].Min, h.DataPoints[k].Max = metricdata.Extrema[float64]{}, metricdata.Extrema[float64]{}
				}
			}
		}
	}
	return rm
}
