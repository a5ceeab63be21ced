package fast_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/compozy/monitoring/internal/fast"
)

// sumsUnder returns the four sum instruments of a fresh registry's meter,
// made with opts, and what its reader collects.
func sumsUnder(t *testing.T, sel sdkmetric.TemporalitySelector, opts ...fast.Option) (sumInstruments, func() metricdata.ResourceMetrics) {
	t.Helper()
	reg := fast.New(opts...)
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sel), sdkmetric.WithProducer(reg.ForReader(sel)))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	m := reg.MeterProvider(mp, nil).Meter("spread")
	var s sumInstruments
	var err error
	s.ic, err = m.Int64Counter("ic")
	require.NoError(t, err)
	s.fc, err = m.Float64Counter("fc")
	require.NoError(t, err)
	s.iu, err = m.Int64UpDownCounter("iu")
	require.NoError(t, err)
	s.fu, err = m.Float64UpDownCounter("fu")
	require.NoError(t, err)
	return s, func() metricdata.ResourceMetrics {
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
		return rm
	}
}

type sumInstruments struct {
	ic metric.Int64Counter
	fc metric.Float64Counter
	iu metric.Int64UpDownCounter
	fu metric.Float64UpDownCounter
}

// spreadSets are the attribute sets the programs record on, and
// spreadOpts a precomputed option for each.
var (
	spreadSets = []attribute.Set{
		attribute.NewSet(attribute.String("route", "/a")),
		attribute.NewSet(attribute.String("route", "/b"), attribute.Int("code", 200)),
		attribute.NewSet(attribute.String("route", "/c")),
		attribute.NewSet(attribute.Bool("ok", false)),
	}
	spreadOpts = func() [][]metric.AddOption {
		out := make([][]metric.AddOption, len(spreadSets))
		for i, s := range spreadSets {
			out[i] = []metric.AddOption{metric.WithAttributeSet(s)}
		}
		return out
	}()
)

// spreadProgram applies goroutine g's records of one round to s: every
// kind of sum, with every way of giving attributes (an option built once,
// an option per call of a set built once, attributes per call, none), with
// whole, fractional (exact in binary, so that the order of the adds does
// not change a sum), zero and negative values.
func spreadProgram(s sumInstruments, seed uint64, n int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 7)) //nolint:gosec // a reproducible sequence, not a secret.
	for range n {
		k := rng.IntN(len(spreadSets))
		var opts []metric.AddOption
		switch rng.IntN(4) {
		case 0, 1:
			opts = spreadOpts[k]
		case 2:
			opts = []metric.AddOption{metric.WithAttributeSet(spreadSets[k])}
		case 3:
			opts = []metric.AddOption{metric.WithAttributes(spreadSets[k].ToSlice()...)}
		}
		if rng.IntN(8) == 0 {
			opts = nil
		}
		whole := []int64{1, 1, 1, 2, 5, 0, -3}[rng.IntN(7)]
		frac := []float64{1, 1, 0.5, 0.25, 2, 0, -1.5}[rng.IntN(7)]
		switch rng.IntN(4) {
		case 0:
			s.ic.Add(ctx, whole, opts...)
		case 1:
			s.fc.Add(ctx, frac, opts...)
		case 2:
			s.iu.Add(ctx, whole, opts...)
		case 3:
			s.fu.Add(ctx, frac, opts...)
		}
	}
}

// TestSpreadSums: a meter whose sums are all spread from their creation
// (their whole increments in per-P cells, found through the per-P caches)
// collects what a meter whose sums are not collects, for every kind of sum
// and every way of giving attributes, from eight goroutines at once, in
// cumulative and in delta temporality. The plain path is checked against
// the OpenTelemetry SDK by adapters/internal/sdk's differential test.
func TestSpreadSums(t *testing.T) {
	for _, mode := range []struct {
		name string
		sel  sdkmetric.TemporalitySelector
	}{
		{"cumulative", sdkmetric.CumulativeTemporalitySelector},
		{"delta", sdkmetric.DeltaTemporalitySelector},
	} {
		t.Run("Should collect what the plain sums collect: "+mode.name, func(t *testing.T) {
			plain, collectPlain := sumsUnder(t, mode.sel)
			spread, collectSpread := sumsUnder(t, mode.sel, fast.SpreadAlways())
			for round := range uint64(3) {
				for _, s := range []sumInstruments{plain, spread} {
					var wg sync.WaitGroup
					for g := range uint64(8) {
						wg.Go(func() { spreadProgram(s, round*100+g, 2000) })
					}
					wg.Wait()
				}
				want, got := collectPlain(), collectSpread()
				require.NotEmpty(t, want.ScopeMetrics)
				metricdatatest.AssertEqual(t, want, got, metricdatatest.IgnoreTimestamp())
			}
		})
	}

	t.Run("Should report to a delta reader a series recorded with zeros only in its interval", func(t *testing.T) {
		plain, collectPlain := sumsUnder(t, sdkmetric.DeltaTemporalitySelector)
		spread, collectSpread := sumsUnder(t, sdkmetric.DeltaTemporalitySelector, fast.SpreadAlways())
		ctx := context.Background()
		for _, v := range []int64{1, 0} { // the first interval fills the caches
			for _, s := range []sumInstruments{plain, spread} {
				var wg sync.WaitGroup
				for range 4 {
					wg.Go(func() {
						for range 1000 {
							s.ic.Add(ctx, v, spreadOpts[0]...) // from the caches once they are filled
							// A set built per call never hits a cache.
							s.fc.Add(ctx, float64(v), metric.WithAttributes(spreadSets[2].ToSlice()...))
						}
					})
				}
				wg.Wait()
			}
			want, got := collectPlain(), collectSpread()
			require.Len(t, want.ScopeMetrics, 1)
			require.Len(t, want.ScopeMetrics[0].Metrics, 2, "both series, recorded in the interval")
			metricdatatest.AssertEqual(t, want, got, metricdatatest.IgnoreTimestamp())
		}
	})

	t.Run("Should keep each series apart when many sets, built per call, go through the per-P caches", func(t *testing.T) {
		s, collect := sumsUnder(t, sdkmetric.CumulativeTemporalitySelector, fast.SpreadAlways())
		ctx := context.Background()
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 3000 {
					code := strconv.Itoa(i % 50)
					// A new set each time, of 50 contents: the caches must
					// never take one for another.
					s.ic.Add(ctx, int64(g+1), metric.WithAttributes(attribute.String("code", code)))
				}
			})
		}
		wg.Wait()
		_, m, ok := metricNamed(collect(), "ic")
		require.True(t, ok)
		points := m.Data.(metricdata.Sum[int64]).DataPoints
		require.Len(t, points, 50)
		for _, p := range points {
			// 3000/50 records of each code from each goroutine, adding g+1.
			require.Equal(t, int64(60*(1+2+3+4)), p.Value, p.Attributes.Encoded(attribute.DefaultEncoder()))
		}
	})
}
