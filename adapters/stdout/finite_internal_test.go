package stdout

import (
	"log/slog"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/internal/testkit"
)

// TestFiniteExemplarAttributes covers what the adapter's own meter cannot
// produce on demand: an exemplar whose filtered attributes hold a NaN (a
// view that filters attributes, with exemplars sampled). JSON cannot carry
// it, so its point is left out, as for a non-finite exemplar value.
func TestFiniteExemplarAttributes(t *testing.T) {
	t.Run("Should leave out a point whose exemplar has a non-finite filtered attribute, and keep the frame intact", func(t *testing.T) {
		var logs testkit.Buffer
		f := newFiniteFilter(slog.New(slog.NewTextHandler(&logs, nil)))
		bad := metricdata.DataPoint[int64]{Value: 1, Exemplars: []metricdata.Exemplar[int64]{
			{Value: 1, FilteredAttributes: []attribute.KeyValue{attribute.Float64Slice("w", []float64{math.NaN()})}},
		}}
		fine := metricdata.DataPoint[int64]{Value: 2, Exemplars: []metricdata.Exemplar[int64]{
			{Value: 2, FilteredAttributes: []attribute.KeyValue{attribute.Float64("w", 1)}},
		}}
		rm := &metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{Metrics: []metricdata.Metrics{
			{Name: "rows", Data: metricdata.Sum[int64]{DataPoints: []metricdata.DataPoint[int64]{bad, fine}}},
		}}}}

		for range 2 {
			out := f.filter(rm)
			got := out.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints
			require.Len(t, got, 1)
			assert.Equal(t, int64(2), got[0].Value)
		}
		assert.Len(t, rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints, 2, "rm is not modified")
		assert.Len(t, logs.LinesContaining("left out data points", "metric=rows"), 1, logs.String())
	})
}
