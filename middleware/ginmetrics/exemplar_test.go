package ginmetrics_test

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/compozy/monitoring/middleware/ginmetrics"
	"github.com/compozy/monitoring/monitoringtest"
)

func TestDurationExemplars(t *testing.T) {
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	for flags, sampled := range map[string]bool{"01": true, "00": false} {
		t.Run("Should keep otelgin's span as the duration's exemplar only when sampled (flags "+flags+")", func(t *testing.T) {
			b := monitoringtest.New(t)
			tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			e := gin.New()
			// otelgin first: ours records with the span it puts in the request.
			e.Use(otelgin.Middleware("test", otelgin.WithTracerProvider(tp),
				otelgin.WithPropagators(propagation.TraceContext{}), otelgin.WithMeterProvider(noop.NewMeterProvider())))
			e.Use(ginmetrics.Middleware(b))
			e.GET("/orders/:id", func(c *gin.Context) { c.String(http.StatusOK, "order") })
			req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/orders/7", nil)
			req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-"+flags)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code)

			m, ok := b.Metric(t, durationName)
			require.True(t, ok)
			points := m.Data.(metricdata.Histogram[float64]).DataPoints
			require.Len(t, points, 1)
			if !sampled {
				assert.Empty(t, points[0].Exemplars)
				return
			}
			require.Len(t, points[0].Exemplars, 1)
			assert.Equal(t, traceID, hex.EncodeToString(points[0].Exemplars[0].TraceID))
			assert.NotEqual(t, "00f067aa0ba902b7", hex.EncodeToString(points[0].Exemplars[0].SpanID),
				"the span is otelgin's server span, a child of the caller's")
		})
	}
}
