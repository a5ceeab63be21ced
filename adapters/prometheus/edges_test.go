package prometheus_test

import (
	"math"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	promadapter "github.com/compozy/monitoring/adapters/prometheus"
	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/port"
)

// byLabel indexes a family's series by the value of one label ("" when the
// series has no such label).
func byLabel(f *dto.MetricFamily, name string) map[string]*dto.Metric {
	out := map[string]*dto.Metric{}
	for _, m := range f.GetMetric() {
		key := ""
		for _, l := range m.GetLabel() {
			if l.GetName() == name {
				key = l.GetValue()
			}
		}
		out[key] = m
	}
	return out
}

func TestCardinalityLimitExposition(t *testing.T) {
	t.Run("Should serve spellings of an existing series in that series, past the limit, on both paths", func(t *testing.T) {
		a := newAdapter(t, promadapter.WithCardinalityLimit(3))
		fast := a.Instruments().CounterVec(port.Desc{
			Name: "fast.requests", Description: "Requests.", Keys: []string{"code"}, IntKeys: []string{"code"},
		})
		sdk, err := a.Meter().Int64Counter("sdk.requests", metric.WithDescription("Requests."))
		require.NoError(t, err)
		for _, v := range []string{"200", "404", "500", "0200", "+200"} {
			fast.Add(1, port.Values{v})
		}
		for _, v := range []int{200, 404, 500, 200, 200} {
			sdk.Add(t.Context(), 1, metric.WithAttributes(attribute.Int("code", v)))
		}

		status, _, body := scrape(t, a.Handler(), "")
		require.Equal(t, http.StatusOK, status)
		families := gathered(t, body)
		for _, name := range []string{"fast_requests_total", "sdk_requests_total"} {
			series := byLabel(families[name], "code")
			require.Len(t, series, 3, name)
			assert.InDelta(t, 3, series["200"].GetCounter().GetValue(), 0, "%s: 0200 and +200 are 200", name)
			assert.InDelta(t, 1, series["404"].GetCounter().GetValue(), 0, name)
			assert.InDelta(t, 1, series[""].GetCounter().GetValue(), 0, "%s: only 500 overflows", name)
		}
		out, ok := promtool.CheckMetrics(t, []byte(body))
		assert.True(t, ok, out)
	})
}

func TestNonFiniteExposition(t *testing.T) {
	t.Run("Should serve every family whatever the values, infinities and NaN on gauges included", func(t *testing.T) {
		a := newAdapter(t)
		ctx := t.Context()
		in := a.Instruments()
		fastGauge := in.GaugeVec(port.Desc{Name: "fast.ratio", Description: "Ratio.", Keys: []string{"k"}})
		fastGauge.Set(math.Inf(1), port.Values{"pos"})
		fastGauge.Set(math.Inf(-1), port.Values{"neg"})
		fastHist := in.HistogramVec(port.Desc{Name: "fast.wait", Description: "Wait.", Unit: "s"}).Bind(port.Values{})
		fastHist.Record(math.Inf(1))
		fastHist.Record(0.5)
		fastCount := in.CounterVec(port.Desc{Name: "fast.things", Description: "Things."}).Bind(port.Values{})
		fastCount.Add(math.Inf(1))
		fastCount.Add(2)

		gauge, err := a.Meter().Float64Gauge("sdk.ratio", metric.WithDescription("Ratio."))
		require.NoError(t, err)
		gauge.Record(ctx, math.Inf(1), metric.WithAttributes(attribute.String("k", "pos")))
		gauge.Record(ctx, math.NaN(), metric.WithAttributes(attribute.String("k", "nan")))
		hist, err := a.Meter().Float64Histogram("sdk.wait", metric.WithDescription("Wait."), metric.WithUnit("s"))
		require.NoError(t, err)
		hist.Record(ctx, math.Inf(1))
		good, err := a.Meter().Int64Counter("sdk.good", metric.WithDescription("Good."))
		require.NoError(t, err)
		good.Add(ctx, 7)

		for range 2 { // not only the first frame: every later one too
			status, _, body := scrape(t, a.Handler(), "")
			require.Equal(t, http.StatusOK, status)
			families := gathered(t, body)
			fg := byLabel(families["fast_ratio"], "k")
			assert.True(t, math.IsInf(fg["pos"].GetGauge().GetValue(), 1))
			assert.True(t, math.IsInf(fg["neg"].GetGauge().GetValue(), -1))
			fh := families["fast_wait_seconds"].GetMetric()[0].GetHistogram()
			assert.Equal(t, uint64(1), fh.GetSampleCount(), "the fast histogram ignores infinities")
			assert.InDelta(t, 0.5, fh.GetSampleSum(), 0)
			assert.InDelta(t, 2, families["fast_things_total"].GetMetric()[0].GetCounter().GetValue(), 0)
			sg := byLabel(families["sdk_ratio"], "k")
			assert.True(t, math.IsInf(sg["pos"].GetGauge().GetValue(), 1))
			assert.True(t, math.IsNaN(sg["nan"].GetGauge().GetValue()))
			sh := families["sdk_wait_seconds"].GetMetric()[0].GetHistogram()
			assert.Equal(t, uint64(1), sh.GetSampleCount(), "the SDK histogram counts it, in the +Inf bucket")
			assert.True(t, math.IsInf(sh.GetSampleSum(), 1))
			assert.InDelta(t, 7, families["sdk_good_total"].GetMetric()[0].GetCounter().GetValue(), 0)
			out, ok := promtool.CheckMetrics(t, []byte(body))
			assert.True(t, ok, out)
		}
	})
}
