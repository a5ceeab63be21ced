package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/compozy/monitoring/service"
)

// New never fails: even without a backend the service hands out working
// instruments, and its handler tells a scraper why there is nothing to scrape.
func ExampleNew() {
	svc := service.New(nil, service.WithLogger(slog.New(slog.DiscardHandler)))
	defer func() { _ = svc.Shutdown(context.Background()) }()

	requests, err := svc.Meter().Int64Counter("http.server.requests")
	fmt.Println("error:", err)
	requests.Add(context.Background(), 1) // recorded nowhere, never panics

	st := svc.Status()
	fmt.Println("backend:", st.Backend, "healthy:", st.Healthy)
	// Output:
	// error: <nil>
	// backend: none healthy: false
}

// An instrument with an invalid name is logged once and replaced by a no-op
// one, so business code has no error to handle.
func ExampleMonitoringService_Meter() {
	svc := service.New(nil, service.WithLogger(slog.New(slog.DiscardHandler)))

	c, err := svc.Meter().Float64Counter("1 not a valid name")
	fmt.Println(c != nil, err)
	// Output: true <nil>
}

// The exposition handler answers 503 with a one-line reason when the backend
// did not start or the service is shut down.
func ExampleMonitoringService_ExporterHandler() {
	svc := service.New(nil)
	_ = svc.Shutdown(context.Background())

	rec := httptest.NewRecorder()
	svc.ExporterHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	// Output: 503 monitoring unavailable: monitoring has been shut down
}

// A protected exposition endpoint: a scrape without the token gets 401 and
// the challenge, before anything else is revealed.
func ExampleWithBearerToken() {
	svc := service.New(nil, service.WithBearerToken("token-from-a-secret-file"),
		service.WithLogger(slog.New(slog.DiscardHandler)))
	defer func() { _ = svc.Shutdown(context.Background()) }()

	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output: 401 Bearer realm="metrics"
}

// Metrics on a port of their own, off the application's public one; Shutdown
// stops that server.
func ExampleWithMetricsServer() {
	svc := service.New(nil, service.WithMetricsServer("127.0.0.1:0", "/metrics"),
		service.WithLogger(slog.New(slog.DiscardHandler)))
	defer func() { _ = svc.Shutdown(context.Background()) }()

	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet,
		"http://"+svc.MetricsAddr().String()+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = resp.Body.Close()
	fmt.Println(resp.StatusCode) // no backend here: 503 with the reason
	// Output: 503
}

// MountMetrics puts the exposition handler on the application's own mux,
// at the configured path, unless a metrics server of its own is
// configured: metrics are never served on both ports.
func ExampleMonitoringService_MountMetrics() {
	svc := service.New(nil, service.WithMetricsPath("/metrics"), service.WithLogger(slog.New(slog.DiscardHandler)))
	defer func() { _ = svc.Shutdown(context.Background()) }()
	mux := http.NewServeMux()
	fmt.Println("mounted:", svc.MountMetrics(mux))

	own := service.New(nil, service.WithMetricsServer("127.0.0.1:0", "/metrics"),
		service.WithLogger(slog.New(slog.DiscardHandler)))
	defer func() { _ = own.Shutdown(context.Background()) }()
	fmt.Println("mounted beside a metrics server:", own.MountMetrics(http.NewServeMux()))
	// Output:
	// mounted: true
	// mounted beside a metrics server: false
}

// Gin's engine has no Handle(pattern, handler) method: MetricsRoute gives
// what to mount, and ok false when metrics have a port of their own.
func ExampleMonitoringService_MetricsRoute() {
	svc := service.New(nil, service.WithLogger(slog.New(slog.DiscardHandler)))
	defer func() { _ = svc.Shutdown(context.Background()) }()
	if path, h, ok := svc.MetricsRoute(); ok {
		fmt.Println("mount at", path, h != nil) // engine.GET(path, gin.WrapH(h))
	}
	// Output: mount at /metrics true
}
