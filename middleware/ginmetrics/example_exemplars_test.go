package ginmetrics_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/middleware/ginmetrics"
)

// Link latency buckets to traces on gin: otelgin before ours, so that the
// request's context carries its span when ours records.
func Example_exemplars() {
	ctx := context.Background()
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(ctx, &cfg)
	defer func() { _ = mon.Shutdown(ctx) }()
	tp := sdktrace.NewTracerProvider() // a real service also exports its spans
	defer func() { _ = tp.Shutdown(ctx) }()

	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(gin.Recovery(),
		otelgin.Middleware("shop", otelgin.WithTracerProvider(tp), otelgin.WithPropagators(propagation.TraceContext{}),
			otelgin.WithMeterProvider(noop.NewMeterProvider())), // tracing first, ours records the HTTP metrics
		ginmetrics.Middleware(mon))
	engine.GET("/users/:id", func(c *gin.Context) { c.String(http.StatusOK, "user") })

	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/users/42", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	engine.ServeHTTP(httptest.NewRecorder(), req)

	scrape := httptest.NewRequestWithContext(ctx, http.MethodGet, "/metrics", nil)
	scrape.Header.Set("Accept", "application/openmetrics-text")
	rec := httptest.NewRecorder()
	mon.ExporterHandler().ServeHTTP(rec, scrape)
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "http_server_request_duration_seconds_bucket") &&
			strings.Contains(line, `trace_id="4bf92f3577b34da6a3ce929d0e0e4736"`) {
			fmt.Println("a latency bucket links to trace 4bf92f3577b34da6a3ce929d0e0e4736")
		}
	}
	// Output:
	// a latency bucket links to trace 4bf92f3577b34da6a3ce929d0e0e4736
}
