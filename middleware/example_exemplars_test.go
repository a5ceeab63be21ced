package middleware_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/middleware"
)

// Link latency buckets to traces: the tracing middleware goes outside ours,
// so that the request's context carries its span when ours records. A
// sampled span becomes the bucket's exemplar, shown when the scraper asks
// for OpenMetrics.
func Example_exemplars() {
	ctx := context.Background()
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(ctx, &cfg)
	defer func() { _ = mon.Shutdown(ctx) }()
	tp := sdktrace.NewTracerProvider() // a real service also exports its spans
	defer func() { _ = tp.Shutdown(ctx) }()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "user")
	})
	handler := otelhttp.NewHandler(middleware.HTTP(mon)(mux), "shop", // otelhttp outside, ours inside
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithMeterProvider(noop.NewMeterProvider())) // ours records the HTTP metrics

	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/users/42", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	handler.ServeHTTP(httptest.NewRecorder(), req)

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
