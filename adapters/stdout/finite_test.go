package stdout_test

import (
	"encoding/json"
	"log/slog"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring/adapters/stdout"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
)

// points decodes one frame into metric name -> the encoded data points.
func points(t *testing.T, doc exported) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, sm := range doc.ScopeMetrics {
		for _, m := range sm.Metrics {
			var data struct {
				DataPoints []map[string]any `json:"DataPoints"`
			}
			require.NoError(t, json.Unmarshal(m.Data, &data))
			out[m.Name] = data.DataPoints
		}
	}
	return out
}

func TestNonFiniteValues(t *testing.T) {
	t.Run("Should export every frame whatever the values, leaving out only the points JSON cannot carry, logged once", func(t *testing.T) {
		var logs testkit.Buffer
		a, buf := newAdapter(t, stdout.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		ctx := t.Context()
		gauge, err := a.Meter().Float64Gauge("sdk.ratio")
		require.NoError(t, err)
		gauge.Record(ctx, math.Inf(1), metric.WithAttributes(attribute.String("k", "inf")))
		gauge.Record(ctx, 0.5, metric.WithAttributes(attribute.String("k", "fine")))
		hist, err := a.Meter().Float64Histogram("sdk.wait", metric.WithUnit("s"))
		require.NoError(t, err)
		hist.Record(ctx, math.NaN())
		sum, err := a.Meter().Float64UpDownCounter("sdk.level")
		require.NoError(t, err)
		sum.Add(ctx, math.Inf(-1))
		good, err := a.Meter().Int64Counter("sdk.good")
		require.NoError(t, err)
		good.Add(ctx, 7)
		in := a.Instruments()
		fastGauge := in.GaugeVec(port.Desc{Name: "fast.ratio", Keys: []string{"k"}})
		fastGauge.Set(math.Inf(1), port.Values{"inf"})
		fastGauge.Set(2, port.Values{"fine"})
		in.HistogramVec(port.Desc{Name: "fast.wait", Unit: "s"}).Record(math.Inf(1), port.Values{})

		for frame := range 3 {
			require.NoError(t, a.ForceFlush(ctx), "frame %d", frame)
			good.Add(ctx, 1)
		}
		docs := decodeAll(t, buf.String())
		require.Len(t, docs, 3, "every frame is written")
		for i, doc := range docs {
			got := points(t, doc)
			require.Len(t, got["sdk.good"], 1)
			assert.InDelta(t, 7+i, got["sdk.good"][0]["Value"], 0, "frame %d", i)
			require.Len(t, got["sdk.ratio"], 1, "the finite point of the gauge stays")
			assert.InDelta(t, 0.5, got["sdk.ratio"][0]["Value"], 0)
			require.Len(t, got["fast.ratio"], 1)
			assert.InDelta(t, 2, got["fast.ratio"][0]["Value"], 0)
			assert.Empty(t, got["sdk.wait"], "a NaN sum cannot be encoded: the point is left out")
			assert.Empty(t, got["sdk.level"])
			require.Len(t, got["fast.wait"], 1, "the fast histogram ignored the infinity: an empty series")
			assert.InDelta(t, 0, got["fast.wait"][0]["Count"], 0)
		}

		lines := logs.LinesContaining("left out data points")
		require.Len(t, lines, 4, "once per metric, not once per frame: %s", logs.String())
		for _, name := range []string{"sdk.ratio", "sdk.wait", "sdk.level", "fast.ratio"} {
			assert.Len(t, logs.LinesContaining("left out data points", "metric="+name), 1, name)
		}
	})

	t.Run("Should leave out a point whose attribute value JSON cannot carry, and write the rest of every frame", func(t *testing.T) {
		var logs testkit.Buffer
		a, buf := newAdapter(t, stdout.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		ctx := t.Context()
		ratio, err := a.Meter().Float64Gauge("sdk.ratio")
		require.NoError(t, err)
		ratio.Record(ctx, 1, metric.WithAttributes(attribute.Float64("ratio", math.NaN())))
		ratio.Record(ctx, 2, metric.WithAttributes(attribute.Float64("ratio", 0.5)))
		rows, err := a.Meter().Int64Counter("sdk.rows")
		require.NoError(t, err)
		rows.Add(ctx, 3, metric.WithAttributes(attribute.Float64Slice("weights", []float64{1, math.Inf(1)})))
		rows.Add(ctx, 4, metric.WithAttributes(attribute.Float64Slice("weights", []float64{1, 2})))
		wait, err := a.Meter().Int64Histogram("sdk.wait")
		require.NoError(t, err)
		wait.Record(ctx, 5, metric.WithAttributes(attribute.Float64("bound", math.Inf(-1))))
		good, err := a.Meter().Int64Counter("sdk.good")
		require.NoError(t, err)
		good.Add(ctx, 7)
		// The fast path's attribute values are strings and integers: always
		// finite. It is exported in the same frames.
		a.Instruments().CounterVec(port.Desc{Name: "fast.rows", Keys: []string{"k"}}).Add(2, port.Values{"NaN"})

		for frame := range 3 {
			require.NoError(t, a.ForceFlush(ctx), "frame %d", frame)
		}
		docs := decodeAll(t, buf.String())
		require.Len(t, docs, 3, "every frame is written")
		for i, doc := range docs {
			got := points(t, doc)
			require.Len(t, got["sdk.good"], 1, "frame %d", i)
			assert.InDelta(t, 7, got["sdk.good"][0]["Value"], 0)
			require.Len(t, got["sdk.ratio"], 1, "the point with a finite attribute stays")
			assert.InDelta(t, 2, got["sdk.ratio"][0]["Value"], 0)
			require.Len(t, got["sdk.rows"], 1)
			assert.InDelta(t, 4, got["sdk.rows"][0]["Value"], 0)
			assert.Empty(t, got["sdk.wait"], "its only point has an infinite attribute")
			require.Len(t, got["fast.rows"], 1)
			assert.InDelta(t, 2, got["fast.rows"][0]["Value"], 0)
		}
		for _, name := range []string{"sdk.ratio", "sdk.rows", "sdk.wait"} {
			assert.Len(t, logs.LinesContaining("left out data points", "metric="+name), 1, logs.String())
		}
		assert.Len(t, logs.LinesContaining("left out data points"), 3, "once per metric: %s", logs.String())
	})

	t.Run("Should go on exporting after an infinite gauge on the periodic path too", func(t *testing.T) {
		a, buf := newAdapter(t)
		gauge, err := a.Meter().Float64Gauge("sdk.ratio")
		require.NoError(t, err)
		gauge.Record(t.Context(), math.Inf(1))
		require.NoError(t, a.Shutdown(t.Context()), "the last export on Shutdown succeeds")
		assert.Len(t, decodeAll(t, buf.String()), 1)
	})
}
