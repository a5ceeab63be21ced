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
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
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
	return testkit.Started(tb, svc, err)
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

// ginVariants are bare gin, gin with our middleware on ours, and gin with
// otelgin v0.71.0 on theirs (metrics into a backend of the same kind,
// tracing on the default no-op provider), each serving GET /orders/:id.
// otelgin gets a service of its own: on ours, its http.server.* instruments
// would be refused (one owner per exported name) and record nothing.
func ginVariants(ours, theirs *service.MonitoringService) []variant {
	gin.SetMode(gin.ReleaseMode)
	build := func(mw ...gin.HandlerFunc) http.Handler {
		e := gin.New()
		e.Use(mw...)
		e.GET("/orders/:id", func(c *gin.Context) { c.String(http.StatusOK, "order") })
		return e
	}
	return []variant{
		{"bare", build()},
		{"ours", build(ginmetrics.Middleware(ours))},
		{"otelgin", build(otelgin.Middleware("bench", otelgin.WithMeterProvider(theirs.MeterProvider())))},
	}
}

// httpVariants are the net/http trio: a Go 1.22 ServeMux bare, with our
// middleware on ours, and with otelhttp v0.71.0 on theirs.
func httpVariants(ours, theirs *service.MonitoringService) []variant {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "order")
	})
	return []variant{
		{"bare", mux},
		{"ours", middleware.HTTP(ours)(mux)},
		{"otelhttp", otelhttp.NewHandler(mux, "orders", otelhttp.WithMeterProvider(theirs.MeterProvider()))},
	}
}

// BenchmarkGinMiddleware measures one request to a gin route with a path
// parameter, bare and with each middleware.
func BenchmarkGinMiddleware(b *testing.B) {
	for _, v := range ginVariants(newService(b, prometheusConfig()), newService(b, prometheusConfig())) {
		b.Run("impl="+v.name, func(b *testing.B) { run(b, v.h, "/orders/42") })
	}
}

// BenchmarkHTTPMiddleware is the net/http pair of BenchmarkGinMiddleware.
func BenchmarkHTTPMiddleware(b *testing.B) {
	for _, v := range httpVariants(newService(b, prometheusConfig()), newService(b, prometheusConfig())) {
		b.Run("impl="+v.name, func(b *testing.B) { run(b, v.h, "/orders/42") })
	}
}

// TestVariants makes sure every benchmarked variant serves the route and
// records, so no row of the benchmarks measures a 404 or an instrument
// that records nothing.
func TestVariants(t *testing.T) {
	for _, tc := range []struct {
		name     string
		variants func(ours, theirs *service.MonitoringService) []variant
		route    string
	}{{"gin", ginVariants, "/orders/:id"}, {"net/http", httpVariants, "/orders/{id}"}} {
		ours, theirs := newService(t, prometheusConfig()), newService(t, prometheusConfig())
		for _, v := range tc.variants(ours, theirs) {
			t.Run("Should serve the benchmark route with "+tc.name+" "+v.name, func(t *testing.T) {
				rec := httptest.NewRecorder()
				v.h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/orders/42", nil))
				assert.Equal(t, http.StatusOK, rec.Code)
				assert.Equal(t, "order", rec.Body.String())
			})
		}
		for who, svc := range map[string]*service.MonitoringService{"ours": ours, "the OpenTelemetry middleware": theirs} {
			t.Run("Should record the "+tc.name+" request duration with "+who, func(t *testing.T) {
				rec := httptest.NewRecorder()
				svc.ExporterHandler().ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
				assert.Contains(t, rec.Body.String(), "http_server_request_duration_seconds_count{")
				if who == "ours" {
					assert.Contains(t, rec.Body.String(), `http_route="`+tc.route+`"`)
				}
			})
		}
	}
}
