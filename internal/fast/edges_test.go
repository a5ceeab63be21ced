package fast_test

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/port"
)

// TestLimitLooksUpExistingSeriesFirst is the rule of the cardinality limit:
// a value that maps to a series that exists is recorded there whatever the
// limit, as the SDK does; only a new series goes to the overflow.
func TestLimitLooksUpExistingSeriesFirst(t *testing.T) {
	t.Run("Should record spellings of an existing integer series there, not in the overflow, as the SDK does", func(t *testing.T) {
		reg := fast.New(fast.WithLimit(3))
		reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(reg))
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(3))
		t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		sdk, err := mp.Meter("sdk").Float64Counter("sdk.requests")
		require.NoError(t, err)
		c := reg.CounterVec(port.Desc{Name: "fast.requests", Keys: []string{"code"}, IntKeys: []string{"code"}})

		for _, v := range []string{"200", "404", "500", "0200", "+200", "500", "0404"} {
			c.Add(1, port.Values{v})
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			sdk.Add(t.Context(), 1, metric.WithAttributes(attribute.Int64("code", n)))
		}

		got := collect(t, reader)
		want := sums(got["sdk.requests"].(metricdata.Sum[float64]).DataPoints)
		assert.Equal(t, want, sums(got["fast.requests"].(metricdata.Sum[float64]).DataPoints))
		assert.Equal(t, map[string]float64{"code=200": 3, "code=404": 2, "otel.metric.overflow=true": 2}, want,
			"the SDK's own reading of the same sequence")
	})

	t.Run("Should send a new value past the limit to the overflow, and keep sending it there", func(t *testing.T) {
		reg := fast.New(fast.WithLimit(3))
		c := reg.CounterVec(port.Desc{Name: "c", Keys: []string{"code"}, IntKeys: []string{"code"}})
		for _, v := range []string{"1", "2", "3", "03", "4", "1"} {
			c.Add(1, port.Values{v})
		}
		// Many spellings of an existing series past the limit: more than
		// the index keeps for over-limit values, all of them land there.
		spelling := "2"
		for range 100 {
			spelling = "0" + spelling
			c.Add(1, port.Values{spelling})
		}
		points := sums(collectOf(t, reg)[0].Metrics[0].Data.(metricdata.Sum[float64]).DataPoints)
		assert.Equal(t, map[string]float64{"code=1": 2, "code=2": 101, "otel.metric.overflow=true": 3}, points)
	})
}

// TestNonFiniteValues pins what each fast instrument does with NaN and the
// infinities: counters, up-down counters and histograms ignore them (a
// histogram's sum would otherwise stay infinite or NaN for the life of the
// process); a gauge keeps an infinity (a reading Prometheus can carry) and
// ignores NaN (keeping the last reading).
func TestNonFiniteValues(t *testing.T) {
	t.Run("Should ignore NaN and infinities on counters, up-down counters and histograms, and keep infinities on gauges", func(t *testing.T) {
		reg := fast.New()
		c := reg.CounterVec(port.Desc{Name: "c"}).Bind(port.Values{})
		u := reg.UpDownCounterVec(port.Desc{Name: "u"}).Bind(port.Values{})
		h := reg.HistogramVec(port.Desc{Name: "h", Unit: "s"}).Bind(port.Values{})
		g := reg.GaugeVec(port.Desc{Name: "g", Keys: []string{"k"}})
		for _, v := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
			c.Add(v)
			u.Add(v)
			h.Record(v)
		}
		c.Add(2)
		u.Add(-3)
		h.Record(0.5)
		g.Set(1, port.Values{"pos"})
		g.Set(math.Inf(1), port.Values{"pos"})
		g.Set(math.Inf(-1), port.Values{"neg"})
		g.Set(4, port.Values{"nan"})
		g.Set(math.NaN(), port.Values{"nan"})

		got := map[string]metricdata.Aggregation{}
		for _, m := range collectOf(t, reg)[0].Metrics {
			got[m.Name] = m.Data
		}
		assert.InDelta(t, 2, got["c"].(metricdata.Sum[float64]).DataPoints[0].Value, 0)
		assert.InDelta(t, -3, got["u"].(metricdata.Sum[float64]).DataPoints[0].Value, 0)
		hp := got["h"].(metricdata.Histogram[float64]).DataPoints[0]
		assert.Equal(t, uint64(1), hp.Count, "only the finite observation counts")
		assert.InDelta(t, 0.5, hp.Sum, 0)
		gauges := map[string]float64{}
		for _, p := range got["g"].(metricdata.Gauge[float64]).DataPoints {
			gauges[p.Attributes.Encoded(attribute.DefaultEncoder())] = p.Value
		}
		assert.Equal(t, map[string]float64{"k=pos": math.Inf(1), "k=neg": math.Inf(-1), "k=nan": 4}, gauges)
	})
}

// TestLargeSums pins what whole-number sums do past what an integer holds:
// the fast instruments go on as floats and never wrap. The SDK keeps the
// whole part of its float sums in an int64 (sdk/metric/internal/aggregate,
// atomicCounter), so its Float64Counter reads negative past 2^63; client_golang
// keeps it in a uint64 and wraps to zero at 2^64.
func TestLargeSums(t *testing.T) {
	t.Run("Should keep counting past 2^63 and 2^64 as floats, where the SDK's float counter wraps", func(t *testing.T) {
		reg := fast.New()
		reader, meter := newReader(t, reg)
		sdkCount, err := meter.Float64Counter("sdk.count")
		require.NoError(t, err)
		count := reg.CounterVec(port.Desc{Name: "fast.count"}).Bind(port.Values{})
		level := reg.UpDownCounterVec(port.Desc{Name: "fast.level"}).Bind(port.Values{})
		const step = 1<<53 - 1 // the largest whole delta kept as an integer
		value := func(name string) float64 {
			return collect(t, reader)[name].(metricdata.Sum[float64]).DataPoints[0].Value
		}
		done := 0
		for _, n := range []int{1100, 2100} { // 1100 x 2^53 is past 2^63, 2100 x 2^53 past 2^64
			for ; done < n; done++ {
				count.Add(step)
				sdkCount.Add(context.Background(), step)
				level.Add(-step)
			}
			want := float64(n) * step
			assert.InEpsilon(t, want, value("fast.count"), 1e-9, "%d steps", n)
			assert.InEpsilon(t, -want, value("fast.level"), 1e-9, "%d steps", n)
			if n == 1100 { // the reference, fed the same increments
				assert.Negative(t, value("sdk.count"), "the SDK's float counter wraps at 2^63")
			}
		}
		count.Add(1)
		assert.InEpsilon(t, 2100*float64(step), value("fast.count"), 1e-9)
	})
}

// FuzzLimit feeds the same sequence of values, spelled any way, to a fast
// counter with an integer key and to an SDK counter given the attribute
// each value stands for, both under the same cardinality limit: every
// series, the overflow series included, must hold the same total.
func FuzzLimit(f *testing.F) {
	f.Add("200", "0200", uint8(3), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add("+200", "x", uint8(2), []byte{1, 0, 1, 0, 9, 9, 3})
	f.Add("", "-0", uint8(1), []byte{5, 4, 3, 2, 1, 0})
	f.Add("9223372036854775807", "9223372036854775808", uint8(4), []byte{0, 1, 0, 1, 2})
	f.Fuzz(func(t *testing.T, a, b string, limit uint8, ops []byte) {
		limit = limit%8 + 1
		reg := fast.New(fast.WithLimit(int(limit)))
		reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(reg))
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(int(limit)))
		defer func() { _ = mp.Shutdown(context.Background()) }()
		sdk, err := mp.Meter("sdk").Float64Counter("sdk")
		if err != nil {
			t.Fatal(err)
		}
		c := reg.CounterVec(port.Desc{Name: "fast", Keys: []string{"code"}, IntKeys: []string{"code"}})
		pool := []string{a, b, "200", "0200", "+200", "404", "0", "-0", "abc", ""}
		for _, op := range ops {
			v := pool[int(op)%len(pool)]
			c.Add(1, port.Values{v})
			var attrs []attribute.KeyValue
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				attrs = append(attrs, attribute.Int64("code", n))
			} else if v != "" {
				attrs = append(attrs, attribute.String("code", v))
			}
			sdk.Add(context.Background(), 1, metric.WithAttributes(attrs...))
		}
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		got := map[string]map[string]float64{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				got[m.Name] = sums(m.Data.(metricdata.Sum[float64]).DataPoints)
			}
		}
		if len(ops) > 0 && (len(got["sdk"]) == 0 || len(got["sdk"]) > int(limit)) {
			t.Fatalf("the SDK kept %d series under a limit of %d", len(got["sdk"]), limit)
		}
		for k, v := range got["sdk"] {
			if got["fast"][k] != v {
				t.Fatalf("limit %d, series %q: fast %v, SDK %v\nfast %v\nSDK  %v", limit, k, got["fast"][k], v, got["fast"], got["sdk"])
			}
		}
		if len(got["fast"]) != len(got["sdk"]) {
			t.Fatalf("fast %v, SDK %v", got["fast"], got["sdk"])
		}
	})
}
