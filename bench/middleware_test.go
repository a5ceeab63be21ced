package bench_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/service"
)

// discardWriter is a ResponseWriter that keeps nothing, reused across
// iterations so the benchmark measures the router and the middleware.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header       { return w.h }
func (*discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (*discardWriter) WriteHeader(int)             {}
func (w *discardWriter) reset()                    { clear(w.h) }
func newDiscardWriter() *discardWriter             { return &discardWriter{h: http.Header{}} }

var _ io.Writer = (*discardWriter)(nil)

// newService builds the service of cfg (nil: disabled) and shuts it down
// when tb ends.
func newService(tb testing.TB, cfg *monitoring.Config) *service.MonitoringService {
	tb.Helper()
	svc, err := monitoring.NewMonitoringService(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = svc.Shutdown(context.Background()) })
	return svc
}

// prometheusConfig is the enabled Prometheus backend every instrumented
// variant records into, ours and the baselines alike; uncapped, as
// client_golang has no cardinality cap: every series is real.
func prometheusConfig() *monitoring.Config {
	cfg := monitoring.DefaultConfig()
	cfg.Enabled, cfg.CardinalityLimit = true, 0
	return &cfg
}

func run(b *testing.B, h http.Handler, target string) {
	b.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, target, nil)
	if err != nil {
		b.Fatal(err)
	}
	w := newDiscardWriter()
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
}

type variant struct {
	name string
	h    http.Handler
}

// ginVariants are bare gin, gin with our middleware, and gin with otelgin
// v0.71.0 (metrics into the same backend, tracing on the default no-op
// provider), each serving GET /orders/:id.
func ginVariants(svc *service.MonitoringService) []variant {
	gin.SetMode(gin.ReleaseMode)
	build := func(mw ...gin.HandlerFunc) http.Handler {
		e := gin.New()
		e.Use(mw...)
		e.GET("/orders/:id", func(c *gin.Context) { c.String(http.StatusOK, "order") })
		return e
	}
	return []variant{
		{"bare", build()},
		{"ours", build(middleware.Gin(svc))},
		{"otelgin", build(otelgin.Middleware("bench", otelgin.WithMeterProvider(svc.MeterProvider())))},
	}
}

// httpVariants are the net/http trio: a Go 1.22 ServeMux bare, with our
// middleware, and with otelhttp v0.71.0.
func httpVariants(svc *service.MonitoringService) []variant {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "order")
	})
	return []variant{
		{"bare", mux},
		{"ours", middleware.HTTP(svc)(mux)},
		{"otelhttp", otelhttp.NewHandler(mux, "orders", otelhttp.WithMeterProvider(svc.MeterProvider()))},
	}
}

// BenchmarkGinMiddleware measures one request to a gin route with a path
// parameter, bare and with each middleware.
func BenchmarkGinMiddleware(b *testing.B) {
	for _, v := range ginVariants(newService(b, prometheusConfig())) {
		b.Run("impl="+v.name, func(b *testing.B) { run(b, v.h, "/orders/42") })
	}
}

// BenchmarkHTTPMiddleware is the net/http pair of BenchmarkGinMiddleware.
func BenchmarkHTTPMiddleware(b *testing.B) {
	for _, v := range httpVariants(newService(b, prometheusConfig())) {
		b.Run("impl="+v.name, func(b *testing.B) { run(b, v.h, "/orders/42") })
	}
}

// TestVariants makes sure every benchmarked variant serves the route, so no
// row of the benchmarks measures a 404.
func TestVariants(t *testing.T) {
	svc := newService(t, prometheusConfig())
	for _, v := range append(ginVariants(svc), httpVariants(svc)...) {
		t.Run("Should serve the benchmark route with "+v.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			v.h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/orders/42", nil))
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, "order", rec.Body.String())
		})
	}
	rec := httptest.NewRecorder()
	svc.ExporterHandler().ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
	assert.Contains(t, rec.Body.String(), `http_route="/orders/{id}"`, "ours recorded into the shared backend")
}
