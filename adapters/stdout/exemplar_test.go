package stdout_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/compozy/monitoring/port"
)

func TestExemplars(t *testing.T) {
	t.Run("Should write the fast histogram's exemplar with its trace and span IDs", func(t *testing.T) {
		a, buf := newAdapter(t)
		tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
		sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
		ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
		a.Instruments().HistogramVec(port.Desc{Name: "http.server.request.duration", Unit: "s"}).
			RecordContext(ctx, 0.3, port.Values{})
		require.NoError(t, a.ForceFlush(t.Context()))

		docs := decodeAll(t, buf.String())
		require.Len(t, docs, 1)
		var data struct {
			DataPoints []struct {
				// stdoutmetric writes the IDs as JSON writes bytes: base64.
				Exemplars []struct {
					Value   float64
					TraceID []byte
					SpanID  []byte
				}
			}
		}
		var found bool
		for _, sm := range docs[0].ScopeMetrics {
			for _, m := range sm.Metrics {
				if m.Name == "http.server.request.duration" {
					found = true
					require.NoError(t, json.Unmarshal(m.Data, &data))
				}
			}
		}
		require.True(t, found, buf.String())
		require.Len(t, data.DataPoints, 1)
		require.Len(t, data.DataPoints[0].Exemplars, 1, buf.String())
		e := data.DataPoints[0].Exemplars[0]
		assert.Equal(t, tid[:], e.TraceID)
		assert.Equal(t, sid[:], e.SpanID)
		assert.InDelta(t, 0.3, e.Value, 0)
	})
}
