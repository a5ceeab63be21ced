package fast_test

// The attacks on spread sums and their per-P caches (each found a bug, or
// guards a way one could come back): an option given another set
// (metric/x's Settable, a sync.Pool of options), int64 increments near
// the edge, whole float increments that would carry an int64 past 2^63,
// one option shared by instruments of two meters, and the cardinality
// limit with delta readers while GOMAXPROCS moves.

import (
	"context"
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/compozy/monitoring/internal/fast"
)

func pointsOf(t *testing.T, rm metricdata.ResourceMetrics, name string) map[string]int64 {
	t.Helper()
	_, m, ok := metricNamed(rm, name)
	require.True(t, ok)
	out := map[string]int64{}
	for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
		out[p.Attributes.Encoded(attribute.DefaultEncoder())] = p.Value
	}
	return out
}

// The API's WithAttributeSet option is Settable (otel metric v1.47:
// x.Settable[attribute.Set]): reusing one option with a new set must record
// on the new set's series.
func testSettableOption(t *testing.T) {
	for _, spreadAll := range []bool{false, true} {
		var opts []fast.Option
		if spreadAll {
			opts = append(opts, fast.SpreadAlways())
		}
		s, collect := sumsUnder(t, sdkmetric.CumulativeTemporalitySelector, opts...)
		ctx := context.Background()
		a, b := attribute.NewSet(attribute.String("k", "a")), attribute.NewSet(attribute.String("k", "b"))
		opt := metric.WithAttributeSet(a)
		s.ic.Add(ctx, 1, opt)
		opt.(interface{ Set(attribute.Set) }).Set(b)
		s.ic.Add(ctx, 10, opt)
		got := pointsOf(t, collect(), "ic")
		require.Equal(t, map[string]int64{"k=a": 1, "k=b": 10}, got, "spreadAll=%v", spreadAll)
	}
}

// An int64 counter's increments near MaxInt64 (float64(v) rounds to 2^63)
// fail whole() and go to the float bits, which an int64 sum never reads.
func testInt64NearMax(t *testing.T) {
	s, collect := sumsUnder(t, sdkmetric.CumulativeTemporalitySelector)
	ctx := context.Background()
	s.ic.Add(ctx, math.MaxInt64-100)
	s.iu.Add(ctx, math.MaxInt64)
	rm := collect()
	require.Equal(t, map[string]int64{"": math.MaxInt64 - 100}, pointsOf(t, rm, "ic"))
	require.Equal(t, map[string]int64{"": math.MaxInt64}, pointsOf(t, rm, "iu"))
}

// The same, with no test hook: a series spread by real contention.
func testSettableOptionNaturalSpread(t *testing.T) {
	s, collect := sumsUnder(t, sdkmetric.CumulativeTemporalitySelector)
	ctx := context.Background()
	a, b := attribute.NewSet(attribute.String("k", "a")), attribute.NewSet(attribute.String("k", "b"))
	opt := metric.WithAttributeSet(a)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200_000 {
				s.ic.Add(ctx, 1, opt)
			}
		})
	}
	wg.Wait()
	opt.(interface{ Set(attribute.Set) }).Set(b) // reuse the option, as x.Settable allows
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				s.ic.Add(ctx, 1, opt)
			}
		})
	}
	wg.Wait()
	require.Equal(t, map[string]int64{"k=a": 800_000, "k=b": 4000}, pointsOf(t, collect(), "ic"))
}

// Plain vs spread under a small cardinality limit (overflow series, parked
// sets, sets past 4*limit), delta temporality, with GOMAXPROCS moved up and
// down and collections running while recording.
func testOverflowDeltaProcs(t *testing.T) {
	prev := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	for _, sel := range []sdkmetric.TemporalitySelector{sdkmetric.DeltaTemporalitySelector, sdkmetric.CumulativeTemporalitySelector} {
		plain, collectPlain := sumsUnder(t, sel, fast.WithLimit(3))
		spread, collectSpread := sumsUnder(t, sel, fast.WithLimit(3), fast.SpreadAlways())
		sets := make([][]metric.AddOption, 30)
		for i := range sets {
			sets[i] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.Int("i", i)))}
		}
		sets = append(sets, nil, []metric.AddOption{metric.WithAttributeSet(*attribute.EmptySet())}, []metric.AddOption{metric.WithAttributeSet(attribute.Set{})})
		sumOf := func(rm metricdata.ResourceMetrics, acc map[string]float64) {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					switch d := m.Data.(type) {
					case metricdata.Sum[int64]:
						if d.Temporality == metricdata.CumulativeTemporality {
							continue
						}
						for _, p := range d.DataPoints {
							acc[m.Name+"|"+p.Attributes.Encoded(attribute.DefaultEncoder())] += float64(p.Value)
						}
					case metricdata.Sum[float64]:
						if d.Temporality == metricdata.CumulativeTemporality {
							continue
						}
						for _, p := range d.DataPoints {
							acc[m.Name+"|"+p.Attributes.Encoded(attribute.DefaultEncoder())] += p.Value
						}
					}
				}
			}
		}
		wantAcc, gotAcc := map[string]float64{}, map[string]float64{}
		for _, s := range []sumInstruments{plain, spread} { // fix which sets get series
			for _, o := range sets {
				s.ic.Add(context.Background(), 0, o...)
				s.iu.Add(context.Background(), 0, o...)
				s.fc.Add(context.Background(), 0, o...)
				s.fu.Add(context.Background(), 0, o...)
			}
		}
		for round := range 6 {
			for _, s := range []sumInstruments{plain, spread} {
				var wg sync.WaitGroup
				stop := make(chan struct{})
				var cw sync.WaitGroup
				if s == spread {
					cw.Go(func() {
						for i := 0; ; i++ {
							select {
							case <-stop:
								return
							default:
							}
							runtime.GOMAXPROCS([]int{1, 2, 4, 3, 8}[i%5])
							sumOf(collectSpread(), gotAcc)
						}
					})
				}
				for g := range 4 {
					wg.Go(func() {
						ctx := context.Background()
						for i := range 3000 {
							o := sets[(i*7+g+round)%len(sets)]
							v := []int64{1, 0, -2, 3}[(i+g)%4]
							s.ic.Add(ctx, v, o...)
							s.iu.Add(ctx, v, o...)
							s.fc.Add(ctx, float64(v), o...)
							s.fu.Add(ctx, float64(v)/4, o...)
						}
					})
				}
				wg.Wait()
				close(stop)
				cw.Wait()
			}
			runtime.GOMAXPROCS(prev)
			sumOf(collectPlain(), wantAcc)
			sumOf(collectSpread(), gotAcc)
		}
		require.Equal(t, wantAcc, gotAcc, "deltas")
		metricdatatest.AssertEqual(t, collectPlain(), collectSpread(), metricdatatest.IgnoreTimestamp())
	}
}

// Whole float increments are kept in an int64: two of 5e18 wrap it.
func testFloatWholeOverflow(t *testing.T) {
	for _, spreadAll := range []bool{false, true} {
		var opts []fast.Option
		if spreadAll {
			opts = append(opts, fast.SpreadAlways())
		}
		s, collect := sumsUnder(t, sdkmetric.CumulativeTemporalitySelector, opts...)
		s.fc.Add(context.Background(), 5e18)
		s.fc.Add(context.Background(), 5e18)
		_, m, ok := metricNamed(collect(), "fc")
		require.True(t, ok)
		require.InEpsilon(t, 1e19, m.Data.(metricdata.Sum[float64]).DataPoints[0].Value, 1e-9, "spreadAll=%v", spreadAll)
	}
}

// One option object, one opts slice, shared by instruments of two meters
// (SpreadAlways), goroutines migrating, and the slice's element swapped.
func testSharedOptionAcrossInstruments(t *testing.T) {
	s1, c1 := sumsUnder(t, sdkmetric.CumulativeTemporalitySelector, fast.SpreadAlways())
	s2, c2 := sumsUnder(t, sdkmetric.CumulativeTemporalitySelector, fast.SpreadAlways())
	a, b := attribute.NewSet(attribute.String("k", "a")), attribute.NewSet(attribute.String("k", "b"))
	oa, ob := metric.WithAttributeSet(a), metric.WithAttributeSet(b)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			ctx := context.Background()
			opts := []metric.AddOption{oa}
			for i := range 5000 {
				if i%2 == 1 {
					opts[0] = ob // the user's slice, mutated between calls
				} else {
					opts[0] = oa
				}
				s1.ic.Add(ctx, 1, opts...)
				s2.ic.Add(ctx, 2, opts...)
				s1.iu.Add(ctx, -1, opts...)
				if i%100 == 0 {
					runtime.Gosched()
				}
				_ = g
			}
		})
	}
	wg.Wait()
	require.Equal(t, map[string]int64{"k=a": 10000, "k=b": 10000}, pointsOf(t, c1(), "ic"))
	require.Equal(t, map[string]int64{"k=a": -10000, "k=b": -10000}, pointsOf(t, c1(), "iu"))
	require.Equal(t, map[string]int64{"k=a": 20000, "k=b": 20000}, pointsOf(t, c2(), "ic"))
}

// metric/x's documented pattern: a sync.Pool of options, Set per record.
func testSettablePool(t *testing.T) {
	s, collect := sumsUnder(t, sdkmetric.CumulativeTemporalitySelector)
	sets := []attribute.Set{attribute.NewSet(attribute.String("k", "a")), attribute.NewSet(attribute.String("k", "b"))}
	pool := sync.Pool{New: func() any { return metric.WithAttributeSet(*attribute.EmptySet()) }}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			ctx := context.Background()
			for i := range 100_000 {
				opt := pool.Get().(metric.MeasurementOption)
				opt.(interface{ Set(attribute.Set) }).Set(sets[(i+g)%2]) // x.Settable[attribute.Set]
				s.ic.Add(ctx, 1, opt)
				pool.Put(opt)
			}
		})
	}
	wg.Wait()
	require.Equal(t, map[string]int64{"k=a": 200_000, "k=b": 200_000}, pointsOf(t, collect(), "ic"))
}

// sdkFloatSums returns a plain SDK provider's float counter and up-down
// counter, read by one manual reader of temporality sel.
func sdkFloatSums(t *testing.T, sel sdkmetric.TemporalitySelector) (metric.Float64Counter, metric.Float64UpDownCounter, func() metricdata.ResourceMetrics) {
	t.Helper()
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sel))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	m := mp.Meter("sdk")
	fc, err := m.Float64Counter("fc")
	require.NoError(t, err)
	fu, err := m.Float64UpDownCounter("fu")
	require.NoError(t, err)
	return fc, fu, func() metricdata.ResourceMetrics {
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
		return rm
	}
}

// floatPoint returns the only point of float sum name, if there is one.
func floatPoint(rm metricdata.ResourceMetrics, name string) (float64, bool) {
	_, m, ok := metricNamed(rm, name)
	if !ok {
		return 0, false
	}
	d, ok := m.Data.(metricdata.Sum[float64])
	if !ok || len(d.DataPoints) != 1 {
		return 0, false
	}
	return d.DataPoints[0].Value, true
}

// testDeltaPastFloatWords: a float counter's whole increments in the
// hundreds of 2^53 (past 2^56, where a word was once capped), under a delta
// reader, against the SDK (whose delta starts each interval from zero),
// interval by interval, spread or not: small increments afterwards stay
// exact.
func testDeltaPastFloatWords(t *testing.T) {
	for _, spread := range []bool{false, true} {
		var o []fast.Option
		if spread {
			o = append(o, fast.SpreadAlways())
		}
		s, collect := sumsUnder(t, sdkmetric.DeltaTemporalitySelector, o...)
		fc, fu, sdkCollect := sdkFloatSums(t, sdkmetric.DeltaTemporalitySelector)
		ctx := context.Background()
		add := func(v float64, n int) {
			for range n {
				s.fc.Add(ctx, v)
				fc.Add(ctx, v)
			}
		}
		for i, step := range []func(){
			func() { add(1<<53, 8) },   // 2^56
			func() { add(1<<53, 200) }, // about 2^57.7, a word still below its limit (2^62)
			func() { add(1, 1000) },    // a thousand ones: exact in a delta interval, as the SDK's
			func() { add(0.5, 4) },
		} {
			step()
			got, gok := floatPoint(collect(), "fc")
			want, wok := floatPoint(sdkCollect(), "fc")
			assert.Equal(t, wok, gok, "spread=%v interval %d: a point", spread, i)
			assert.InEpsilon(t, want, got, 1e-15, "spread=%v interval %d", spread, i)
		}
		// Mixed, negative, fractional and huge increments on an up-down
		// counter, interval by interval.
		for i, step := range [][]float64{{0.1, 3, -2, 0.2}, {-0.1, -0.2}, {1 << 53, 1}, {-(1 << 53), 0.5}, {1e300}, {1}, {-1e300, 7}} {
			for _, v := range step {
				s.fu.Add(ctx, v)
				fu.Add(ctx, v)
			}
			got, _ := floatPoint(collect(), "fu")
			want, _ := floatPoint(sdkCollect(), "fu")
			assert.InDelta(t, want, got, 1e-9*math.Max(1, math.Abs(want)), "spread=%v fu interval %d (%v)", spread, i, step)
		}
	}
}

func TestSpreadAttacks(t *testing.T) {
	t.Run("Should report a float counter's deltas as the SDK does, its words in the hundreds of 2^53", testDeltaPastFloatWords)
	t.Run("Should record on the option's new set when the option is given another (Settable), spread or not", testSettableOption)
	t.Run("Should record on the option's new set after real contention spread the old one", testSettableOptionNaturalSpread)
	t.Run("Should keep metric/x's pool of options, each Set per record, on the right series", testSettablePool)
	t.Run("Should keep int64 increments near the edge exact", testInt64NearMax)
	t.Run("Should not carry a float counter's whole increments past int64", testFloatWholeOverflow)
	t.Run("Should keep one option shared by instruments of two meters on the right series", testSharedOptionAcrossInstruments)
	t.Run("Should collect what the plain sums collect past the limit, in delta, while GOMAXPROCS moves", testOverflowDeltaProcs)
}
