package integration_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
)

// TestOneHTTPInstrumentationPerProcess pins what docs/http.md
// and the middleware's option docs say: the http.server.* names have one
// owner per process, so a second HTTP instrumentation (otelhttp, or our
// middleware with other keys or buckets) has its histograms refused and
// logged, while the first records on.
func TestOneHTTPInstrumentationPerProcess(t *testing.T) {
	noContent := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	serve := func(t *testing.T, handlers ...http.Handler) {
		t.Helper()
		for _, h := range handlers {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/x", nil))
		}
	}
	histograms := []string{"http.server.request.duration", "http.server.request.body.size", "http.server.response.body.size"}

	t.Run("Should refuse otelhttp's http.server.* histograms, logged, when our middleware came first", func(t *testing.T) {
		svc, logs := identityService(t, "")
		ours := middleware.HTTP(svc)(noContent)
		theirs := otelhttp.NewHandler(noContent, "x", otelhttp.WithMeterProvider(svc.MeterProvider()))
		serve(t, ours, theirs)

		families := exposition(t, svc)
		assert.Equal(t, uint64(1), histogramOf(t, families, "http_server_request_duration_seconds").GetSampleCount(),
			"ours only")
		for _, name := range histograms {
			assert.Len(t, logs.LinesContaining("using a no-op", name, "refused", "fast instruments"), 1, logs.String())
		}
	})

	t.Run("Should refuse our histograms, logged, when otelhttp came first; active requests still recorded", func(t *testing.T) {
		svc, logs := identityService(t, "")
		theirs := otelhttp.NewHandler(noContent, "x", otelhttp.WithMeterProvider(svc.MeterProvider()))
		ours := middleware.HTTP(svc)(noContent)
		serve(t, theirs, ours)

		families := exposition(t, svc)
		duration := families["http_server_request_duration_seconds"].GetMetric()
		if assert.Len(t, duration, 1) {
			assert.Equal(t, uint64(1), duration[0].GetHistogram().GetSampleCount(), "otelhttp's only")
			assert.Contains(t, duration[0].String(), "server_address", "otelhttp's attributes, not ours")
		}
		assert.Contains(t, families, "http_server_active_requests", "not refused: otelhttp has none")
		for _, name := range histograms {
			assert.Len(t, logs.LinesContaining("fast instrument unavailable", name, "refused",
				`meter \"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp\"`), 1, logs.String())
		}
	})

	t.Run("Should refuse otelgin's http.server.request.duration, logged, when our Gin middleware came first", func(t *testing.T) {
		svc, logs := identityService(t, "")
		gin.SetMode(gin.TestMode)
		engine := gin.New()
		engine.Use(ginmetrics.Middleware(svc), otelgin.Middleware("x", otelgin.WithMeterProvider(svc.MeterProvider())))
		engine.GET("/x", func(c *gin.Context) { c.Status(http.StatusNoContent) })
		serve(t, engine)

		families := exposition(t, svc)
		assert.Equal(t, uint64(1), histogramOf(t, families, "http_server_request_duration_seconds").GetSampleCount(),
			"ours only")
		assert.Len(t, logs.LinesContaining("using a no-op", "http.server.request.duration", "refused", "fast instruments"), 1,
			logs.String())
	})

	t.Run("Should refuse nothing when otelhttp is given a MeterProvider of its own (here a no-op one, for traces only)", func(t *testing.T) {
		svc, logs := identityService(t, "")
		ours := middleware.HTTP(svc)(noContent)
		theirs := otelhttp.NewHandler(noContent, "x", otelhttp.WithMeterProvider(noop.NewMeterProvider()))
		serve(t, ours, theirs)

		families := exposition(t, svc)
		assert.Equal(t, uint64(1), histogramOf(t, families, "http_server_request_duration_seconds").GetSampleCount())
		assert.Empty(t, logs.LinesContaining("refused"), logs.String())
	})

	t.Run("Should refuse the histograms of a second middleware with other extra keys; only active requests record", func(t *testing.T) {
		svc, logs := identityService(t, "")
		tier := func(*http.Request) []string { return []string{"gold"} }
		first := middleware.HTTP(svc)(noContent)
		second := middleware.HTTP(svc, middleware.WithExtraAttributes([]string{"tenant.tier"}, tier))(noContent)
		serve(t, first, second)

		families := exposition(t, svc)
		assert.Equal(t, uint64(1), histogramOf(t, families, "http_server_request_duration_seconds").GetSampleCount(),
			"the second middleware's requests are not in it")
		assert.NotContains(t, families["http_server_request_duration_seconds"].String(), "tenant_tier")
		assert.Contains(t, families, "http_server_active_requests")
		for _, name := range histograms {
			assert.Len(t, refusals(logs, name, "differs in keys"), 1, logs.String())
		}
	})

	t.Run("Should share every instrument between two middlewares given identical options", func(t *testing.T) {
		svc, logs := identityService(t, "")
		tier := func(*http.Request) []string { return []string{"gold"} }
		opts := []middleware.Option{middleware.WithExtraAttributes([]string{"tenant.tier"}, tier), middleware.WithDurationBuckets(0.1, 1)}
		first := middleware.HTTP(svc, opts...)(noContent)
		second := middleware.HTTP(svc, opts...)(noContent)
		serve(t, first, second)

		families := exposition(t, svc)
		assert.Equal(t, uint64(2), histogramOf(t, families, "http_server_request_duration_seconds").GetSampleCount())
		assert.Empty(t, logs.LinesContaining("refused"), logs.String())
	})
}
