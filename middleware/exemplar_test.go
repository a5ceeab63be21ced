package middleware_test

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/monitoringtest"
)

const (
	traceparentTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	traceparentSpan  = "00f067aa0ba902b7"
)

// withTraceparent is what a tracing middleware does in front of ours: it
// extracts the W3C traceparent header into the request's context.
func withTraceparent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := propagation.TraceContext{}.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// durationExemplars returns the exemplars of every point of the duration
// histogram.
func durationExemplars(t *testing.T, mon *monitoringtest.Backend) []metricdata.Exemplar[float64] {
	t.Helper()
	return exemplarsOf(t, mon, durationName)
}

func exemplarsOf(t *testing.T, mon *monitoringtest.Backend, name string) []metricdata.Exemplar[float64] {
	t.Helper()
	m, ok := mon.Metric(t, name)
	require.True(t, ok)
	var out []metricdata.Exemplar[float64]
	for _, p := range m.Data.(metricdata.Histogram[float64]).DataPoints {
		out = append(out, p.Exemplars...)
	}
	return out
}

func TestDurationExemplars(t *testing.T) {
	for _, flags := range []string{"01", "00"} {
		t.Run("Should keep no exemplar for a client's traceparent alone, a remote span context with IDs the client wrote (flags "+flags+")", func(t *testing.T) {
			mon := monitoringtest.New(t)
			mux := http.NewServeMux()
			mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "order") })
			h := withTraceparent(middleware.HTTP(mon)(mux))
			req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/orders/7", nil)
			req.Header.Set("traceparent", "00-"+traceparentTrace+"-"+traceparentSpan+"-"+flags)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code)
			assert.Empty(t, durationExemplars(t, mon), "no tracer started a span: no trace to link to")
		})
	}

	t.Run("Should keep a sampled span started here as the duration's exemplar, on the duration only", func(t *testing.T) {
		mon := monitoringtest.New(t)
		tp := sdktrace.NewTracerProvider()
		t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		mux := http.NewServeMux()
		mux.HandleFunc("POST /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, "order")
		})
		var spanID string
		h := withTraceparent(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, span := tp.Tracer("test").Start(r.Context(), "server") // a local span, child of the client's
			defer span.End()
			spanID = span.SpanContext().SpanID().String()
			middleware.HTTP(mon)(mux).ServeHTTP(w, r.WithContext(ctx))
		}))
		req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/orders/7", strings.NewReader("body"))
		req.Header.Set("traceparent", "00-"+traceparentTrace+"-"+traceparentSpan+"-01")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)

		ex := durationExemplars(t, mon)
		require.Len(t, ex, 1)
		assert.Equal(t, traceparentTrace, hex.EncodeToString(ex[0].TraceID))
		assert.Equal(t, spanID, hex.EncodeToString(ex[0].SpanID), "the span started here")
		assert.Positive(t, ex[0].Value)
		assert.Empty(t, exemplarsOf(t, mon, reqSizeName), "only the duration keeps exemplars")
		assert.Empty(t, exemplarsOf(t, mon, respSizeName))
	})

	t.Run("Should keep otelhttp's sampled server span, installed outside ours, as the exemplar", func(t *testing.T) {
		mon := monitoringtest.New(t)
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
		t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "order") })
		h := otelhttp.NewHandler(middleware.HTTP(mon)(mux), "orders", otelhttp.WithTracerProvider(tp),
			otelhttp.WithPropagators(propagation.TraceContext{}), otelhttp.WithMeterProvider(noop.NewMeterProvider()))
		req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/orders/7", nil)
		req.Header.Set("traceparent", "00-"+traceparentTrace+"-"+traceparentSpan+"-01")
		h.ServeHTTP(httptest.NewRecorder(), req)

		ex := durationExemplars(t, mon)
		require.Len(t, ex, 1)
		assert.Equal(t, traceparentTrace, hex.EncodeToString(ex[0].TraceID))
		assert.NotEqual(t, traceparentSpan, hex.EncodeToString(ex[0].SpanID), "otelhttp's own server span")
		series := mon.Series(t, durationName)
		require.Len(t, series, 1)
		route, _ := series[0].Value("http.route")
		assert.Equal(t, "/orders/{id}", route.AsString(), "the route survives otelhttp's r.WithContext")
	})

	t.Run("Should keep none for a request without a span", func(t *testing.T) {
		mon := monitoringtest.New(t)
		mux := http.NewServeMux()
		mux.HandleFunc("GET /x", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "x") })
		h := withTraceparent(middleware.HTTP(mon)(mux))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/x", nil))
		assert.Empty(t, durationExemplars(t, mon))
	})
}
