package fast_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/internal/identity"
	"github.com/compozy/monitoring/port"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// collect reads everything a reader fed by reg (and by an SDK provider)
// holds, keyed by metric name.
func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

func newReader(t *testing.T, reg *fast.Registry) (*sdkmetric.ManualReader, metric.Meter) {
	t.Helper()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(reg))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return reader, mp.Meter("sdk")
}

// byAttrs indexes data points by their attribute set's encoding.
func sums(points []metricdata.DataPoint[float64]) map[string]float64 {
	out := map[string]float64{}
	for _, p := range points {
		out[seriesKey(p.Attributes)] = p.Value
	}
	return out
}

// seriesKey names a series by its attributes as Encoded writes them, except
// a string that is not valid UTF-8, quoted: Encoded writes each invalid
// byte as U+FFFD, which would give two series one name (FuzzLimit found
// "\x98" and "\x96" both written "code=\ufffd").
func seriesKey(set attribute.Set) string {
	parts := make([]string, 0, set.Len())
	for _, kv := range set.ToSlice() {
		v := kv.Value.String()
		if kv.Value.Type() == attribute.STRING && !utf8.ValidString(v) {
			v = strconv.Quote(v)
		}
		parts = append(parts, string(kv.Key)+"="+v)
	}
	return strings.Join(parts, ",")
}

type histPoint struct {
	count   uint64
	sum     float64
	buckets []uint64
}

func hists(points []metricdata.HistogramDataPoint[float64]) map[string]histPoint {
	out := map[string]histPoint{}
	for _, p := range points {
		out[p.Attributes.Encoded(attribute.DefaultEncoder())] = histPoint{p.Count, p.Sum, p.BucketCounts}
	}
	return out
}

func TestAgainstTheSDK(t *testing.T) {
	t.Run("Should collect exactly what the SDK collects for the same random operations from many goroutines", func(t *testing.T) {
		for seed := range uint64(5) {
			reg := fast.New()
			reader, meter := newReader(t, reg)
			buckets := []float64{0.5, 1, 2.5, 5, 10}
			keys := []string{"route", "status"}
			fc := reg.CounterVec(port.Desc{Name: "fast.count", Keys: keys})
			fu := reg.UpDownCounterVec(port.Desc{Name: "fast.level", Keys: keys})
			fh := reg.HistogramVec(port.Desc{Name: "fast.hist", Keys: keys, Buckets: buckets})
			sc, _ := meter.Float64Counter("sdk.count")
			su, _ := meter.Float64UpDownCounter("sdk.level")
			sh, _ := meter.Float64Histogram("sdk.hist", metric.WithExplicitBucketBoundaries(buckets...))

			routes := []string{"/a", "/b/{id}", "/c"}
			statuses := []string{"200", "404", "500"}
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(seed, uint64(g))) //nolint:gosec // a repeatable test input.
					bound := fc.Bind(port.Values{routes[0], statuses[0]})
					for range 2000 {
						r, s := routes[rng.IntN(len(routes))], statuses[rng.IntN(len(statuses))]
						v := port.Values{r, s}
						attrs := metric.WithAttributes(attribute.String("route", r), attribute.String("status", s))
						// Whole numbers and quarters: float sums stay exact in any order.
						n := float64(rng.IntN(5))
						q := float64(rng.IntN(48)) / 4
						switch rng.IntN(4) {
						case 0:
							fc.Add(n, v)
							sc.Add(context.Background(), n, attrs)
						case 1:
							bound.Add(n)
							sc.Add(context.Background(), n, metric.WithAttributes(
								attribute.String("route", routes[0]), attribute.String("status", statuses[0])))
						case 2:
							fu.Add(n-2, v)
							su.Add(context.Background(), n-2, attrs)
						default:
							fh.Record(q, v)
							sh.Record(context.Background(), q, attrs)
						}
					}
				})
			}
			wg.Wait()

			got := collect(t, reader)
			assert.Equal(t, sums(got["sdk.count"].(metricdata.Sum[float64]).DataPoints),
				sums(got["fast.count"].(metricdata.Sum[float64]).DataPoints), "seed %d", seed)
			assert.True(t, got["fast.count"].(metricdata.Sum[float64]).IsMonotonic)
			assert.Equal(t, sums(got["sdk.level"].(metricdata.Sum[float64]).DataPoints),
				sums(got["fast.level"].(metricdata.Sum[float64]).DataPoints), "seed %d", seed)
			assert.Equal(t, hists(got["sdk.hist"].(metricdata.Histogram[float64]).DataPoints),
				hists(got["fast.hist"].(metricdata.Histogram[float64]).DataPoints), "seed %d", seed)
			assert.Equal(t, metricdata.CumulativeTemporality, got["fast.hist"].(metricdata.Histogram[float64]).Temporality)
		}
	})

	t.Run("Should lose nothing when collections run during recording", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		c := reg.CounterVec(port.Desc{Name: "ops", Keys: []string{"k"}})
		h := reg.HistogramVec(port.Desc{Name: "lat", Unit: "s", Keys: []string{"k"}})
		stop := make(chan struct{})
		var collector sync.WaitGroup
		collector.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					_ = collect(t, reader)
				}
			}
		})
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				v := port.Values{[]string{"x", "y"}[g%2]}
				for range 5000 {
					c.Add(1, v)
					h.Record(0.02, v)
				}
			})
		}
		wg.Wait()
		close(stop)
		collector.Wait()

		got := collect(t, reader)
		total := 0.0
		for _, p := range got["ops"].(metricdata.Sum[float64]).DataPoints {
			total += p.Value
		}
		assert.InDelta(t, 20000, total, 0)
		var count uint64
		for _, p := range got["lat"].(metricdata.Histogram[float64]).DataPoints {
			count += p.Count
			assert.InDelta(t, float64(p.Count)*0.02, p.Sum, 1e-6)
		}
		assert.Equal(t, uint64(20000), count)
	})
}

func TestRegistry(t *testing.T) {
	t.Run("Should refuse what cannot work and hand out a no-op instead", func(t *testing.T) {
		var errs []error
		reg := fast.New(fast.WithErrorHandler(func(err error) { errs = append(errs, err) }))
		bad := []port.Desc{
			{Name: ""}, {Name: "1x"}, {Name: "a b"},
			{Name: "k", Keys: []string{"a", "a"}}, {Name: "e", Keys: []string{""}},
			{Name: "m", Keys: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}},
			{Name: "b", Buckets: []float64{1, 1}},
		}
		for _, d := range bad {
			c := reg.CounterVec(d)
			require.NotNil(t, c)
			assert.NotPanics(t, func() { c.Add(1, port.Values{}) })
		}
		assert.Len(t, errs, len(bad))
		assert.Nil(t, collectOf(t, reg))
	})

	t.Run("Should return the same instrument for the same declaration, and refuse a clashing one", func(t *testing.T) {
		var errs []error
		reg := fast.New(fast.WithErrorHandler(func(err error) { errs = append(errs, err) }))
		a := reg.CounterVec(port.Desc{Name: "jobs", Keys: []string{"queue"}})
		b := reg.CounterVec(port.Desc{Name: "jobs", Keys: []string{"queue"}})
		a.Add(1, port.Values{"q"})
		b.Add(2, port.Values{"q"})
		reg.GaugeVec(port.Desc{Name: "jobs"})
		assert.Len(t, errs, 1)
		sm := collectOf(t, reg)
		require.Len(t, sm, 1)
		require.Len(t, sm[0].Metrics, 1)
		assert.InDelta(t, 3, sm[0].Metrics[0].Data.(metricdata.Sum[float64]).DataPoints[0].Value, 0)
	})

	t.Run("Should claim on the table it is given, and refuse what another path owns there", func(t *testing.T) {
		var errs []error
		tab := identity.NewTable(identity.DefaultNamer())
		require.NoError(t, tab.Claim(identity.Instrument{Path: "meter x", Name: "orders", Kind: identity.Counter}))
		reg := fast.New(fast.WithIdentities(tab), fast.WithErrorHandler(func(err error) { errs = append(errs, err) }))
		assert.Same(t, tab, reg.Identities())
		reg.CounterVec(port.Desc{Name: "orders"}).Add(1, port.Values{})
		reg.HistogramVec(port.Desc{Name: "d", Unit: "s"}).Record(1, port.Values{})
		reg.HistogramVec(port.Desc{Name: "d", Unit: "ms"}).Record(1, port.Values{})
		require.Len(t, errs, 2)
		assert.ErrorContains(t, errs[0], `fast counter "orders" refused, it records nothing: the exported name "orders_total"`)
		assert.ErrorContains(t, errs[1], `fast histogram "d" refused, it records nothing: already declared`)
		assert.ErrorContains(t, errs[1], `unit: "ms" (was "s")`)
		sm := collectOf(t, reg)
		require.Len(t, sm, 1)
		require.Len(t, sm[0].Metrics, 1, "only the first histogram")
		assert.Equal(t, "s", sm[0].Metrics[0].Unit)
		assert.Equal(t, identity.Help(identity.Histogram, "s"), sm[0].Metrics[0].Description)
	})

	t.Run("Should fold values beyond the limit into the overflow series", func(t *testing.T) {
		reg := fast.New(fast.WithLimit(3))
		c := reg.CounterVec(port.Desc{Name: "c", Keys: []string{"k"}})
		for i := range 100 {
			c.Add(1, port.Values{string(rune('a' + i%26)), "ignored"})
		}
		points := collectOf(t, reg)[0].Metrics[0].Data.(metricdata.Sum[float64]).DataPoints
		require.Len(t, points, 3)
		total := 0.0
		overflow := false
		for _, p := range points {
			total += p.Value
			if v, ok := p.Attributes.Value("otel.metric.overflow"); ok && v.AsBool() {
				overflow = true
			}
		}
		assert.InDelta(t, 100, total, 0, "nothing lost")
		assert.True(t, overflow)
	})

	t.Run("Should leave empty values out and export integer keys as integers", func(t *testing.T) {
		reg := fast.New()
		h := reg.HistogramVec(port.Desc{Name: "h", Unit: "s", Keys: []string{"code", "error"}, IntKeys: []string{"code"}})
		h.Record(1, port.Values{"200", ""})
		p := collectOf(t, reg)[0].Metrics[0].Data.(metricdata.Histogram[float64]).DataPoints[0]
		assert.Equal(t, attribute.NewSet(attribute.Int("code", 200)), p.Attributes)
		assert.Equal(t, fast.DefaultBuckets("s"), p.Bounds)
	})

	t.Run("Should ignore what a counter cannot take and keep gauges unset until set", func(t *testing.T) {
		reg := fast.New()
		c := reg.CounterVec(port.Desc{Name: "c"}).Bind(port.Values{})
		c.Add(-1)
		c.Add(0.5)
		g := reg.GaugeVec(port.Desc{Name: "g", Keys: []string{"k"}})
		g.Bind(port.Values{"never-set"})
		g.Set(7, port.Values{"set"})
		g.Set(9, port.Values{"set"})
		got := map[string]metricdata.Aggregation{}
		for _, m := range collectOf(t, reg)[0].Metrics {
			got[m.Name] = m.Data
		}
		assert.InDelta(t, 0.5, got["c"].(metricdata.Sum[float64]).DataPoints[0].Value, 0)
		gp := got["g"].(metricdata.Gauge[float64]).DataPoints
		require.Len(t, gp, 1)
		assert.InDelta(t, 9, gp[0].Value, 0)
	})

	t.Run("Should record with no allocation, bound or by values", func(t *testing.T) {
		reg := fast.New()
		c := reg.CounterVec(port.Desc{Name: "c", Keys: []string{"a", "b", "c"}})
		h := reg.HistogramVec(port.Desc{Name: "h", Unit: "s", Keys: []string{"a"}})
		bound := c.Bind(port.Values{"x", "y", "z"})
		a, b, cc := "x", "y", "z"
		c.Add(1, port.Values{a, b, cc})
		h.Record(0.1, port.Values{a})
		assert.Zero(t, testing.AllocsPerRun(1000, func() { bound.Add(1) }))
		assert.Zero(t, testing.AllocsPerRun(1000, func() { c.Add(1, port.Values{a, b, cc}) }))
		assert.Zero(t, testing.AllocsPerRun(1000, func() { h.Record(0.1, port.Values{a}) }))
	})
}

func collectOf(t *testing.T, reg *fast.Registry) []metricdata.ScopeMetrics {
	t.Helper()
	sm, err := reg.Produce(context.Background())
	require.NoError(t, err)
	return sm
}

func TestFamilyRegressions(t *testing.T) {
	t.Run("Should keep over-limit values on the fast path once parked", func(t *testing.T) {
		reg := fast.New(fast.WithLimit(3))
		c := reg.CounterVec(port.Desc{Name: "c", Keys: []string{"k"}})
		c.Add(1, port.Values{"a"})
		c.Add(1, port.Values{"b"})
		c.Add(1, port.Values{"over"})
		// A parked value is found again without a new series or a lock: no
		// allocation on the repeat.
		assert.Zero(t, testing.AllocsPerRun(100, func() { c.Add(1, port.Values{"over"}) }))
		points := collectOf(t, reg)[0].Metrics[0].Data.(metricdata.Sum[float64]).DataPoints
		assert.Len(t, points, 3)
	})

	t.Run("Should merge values that are the same integer into one series", func(t *testing.T) {
		reg := fast.New()
		c := reg.CounterVec(port.Desc{Name: "c", Keys: []string{"code"}, IntKeys: []string{"code"}})
		for _, v := range []string{"1", "01", "+1"} {
			c.Add(1, port.Values{v})
		}
		points := collectOf(t, reg)[0].Metrics[0].Data.(metricdata.Sum[float64]).DataPoints
		require.Len(t, points, 1)
		assert.InDelta(t, 3, points[0].Value, 0)
	})

	t.Run("Should refuse an integer key that is not a key", func(t *testing.T) {
		var errs []error
		reg := fast.New(fast.WithErrorHandler(func(err error) { errs = append(errs, err) }))
		reg.CounterVec(port.Desc{Name: "c", Keys: []string{"a"}, IntKeys: []string{"b"}})
		require.Len(t, errs, 1)
		assert.Contains(t, errs[0].Error(), `"b"`)
	})
}
