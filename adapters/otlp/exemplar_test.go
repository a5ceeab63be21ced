package otlp_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/compozy/monitoring/internal/otlptest"
	"github.com/compozy/monitoring/port"
)

func TestExemplars(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		a := newAdapter(t, protocol, rcv)
		tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
		sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
		ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
		a.Instruments().HistogramVec(port.Desc{Name: "http.server.request.duration", Unit: "s"}).
			RecordContext(ctx, 0.3, port.Values{})
		sdk, err := a.Meter().Float64Histogram("job.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		sdk.Record(ctx, 0.7)
		require.NoError(t, a.ForceFlush(t.Context()))

		for name, value := range map[string]float64{"http.server.request.duration": 0.3, "job.duration": 0.7} {
			t.Run("Should export the exemplar of "+name+" on its data point", func(t *testing.T) {
				points := rcv.Points(name)
				require.Len(t, points, 1)
				require.Len(t, points[0].Exemplars, 1)
				e := points[0].Exemplars[0]
				assert.Equal(t, tid[:], e.GetTraceId())
				assert.Equal(t, sid[:], e.GetSpanId())
				assert.InDelta(t, value, e.GetAsDouble(), 0)
				assert.NotZero(t, e.GetTimeUnixNano())
			})
		}
	})
}
