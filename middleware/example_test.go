package middleware_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
)

// printCount scrapes h and prints the request-count lines of the duration
// histogram.
func printCount(h http.Handler) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "http_server_request_duration_seconds_count") {
			fmt.Println(sc.Text())
		}
	}
}

// Instrument a Go 1.22+ ServeMux: wrap the mux, and the route comes from
// r.Pattern.
func ExampleHTTP() {
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(context.Background(), &cfg)
	defer func() { _ = mon.Shutdown(context.Background()) }()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "user")
	})
	handler := middleware.HTTP(mon, middleware.WithSkipPaths("/metrics"))(mux)

	handler.ServeHTTP(httptest.NewRecorder(),
		httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/users/42", nil))
	printCount(mon.ExporterHandler())
	// Output:
	// http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/users/{id}",network_protocol_version="1.1",url_scheme="http"} 1
}

// Record gin routes in ServeMux syntax, so that one dashboard reads services
// on both routers the same: gin's "/users/:id" is recorded "/users/{id}".
func ExampleWithRouteFormat() {
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(context.Background(), &cfg)
	defer func() { _ = mon.Shutdown(context.Background()) }()

	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(ginmetrics.Middleware(mon, middleware.WithSkipPaths("/metrics"),
		middleware.WithRouteFormat(middleware.RouteFormatServeMux)))
	engine.GET("/users/:id", func(c *gin.Context) { c.String(http.StatusOK, "user") })
	engine.GET("/metrics", gin.WrapH(mon.ExporterHandler()))

	engine.ServeHTTP(httptest.NewRecorder(),
		httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/users/42", nil))
	printCount(engine)
	// Output:
	// http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/users/{id}",network_protocol_version="1.1",url_scheme="http"} 1
}

// Record a method outside the conventions' list by name: PURGE, for a
// cache. The list replaces the defaults, so extend them.
func ExampleWithKnownMethods() {
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(context.Background(), &cfg)
	defer func() { _ = mon.Shutdown(context.Background()) }()

	mux := http.NewServeMux()
	mux.HandleFunc("PURGE /cache/{key}", func(http.ResponseWriter, *http.Request) {})
	handler := middleware.HTTP(mon,
		middleware.WithKnownMethods(append(middleware.DefaultKnownMethods(), "PURGE")...))(mux)

	handler.ServeHTTP(httptest.NewRecorder(),
		httptest.NewRequestWithContext(context.Background(), "PURGE", "/cache/k1", nil))
	printCount(mon.ExporterHandler())
	// Output:
	// http_server_request_duration_seconds_count{http_request_method="PURGE",http_response_status_code="200",http_route="/cache/{key}",network_protocol_version="1.1",url_scheme="http"} 1
}

// Add server.address and server.port from the server's own listen address,
// never from the client's Host header.
func ExampleWithServerAddress() {
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(context.Background(), &cfg)
	defer func() { _ = mon.Shutdown(context.Background()) }()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(http.ResponseWriter, *http.Request) {})
	handler := middleware.HTTP(mon, middleware.WithServerAddress("api.example.com", 8443))(mux)

	r := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/users/42", nil)
	r.Host = "anything.a.client.sends"
	handler.ServeHTTP(httptest.NewRecorder(), r)
	printCount(mon.ExporterHandler())
	// Output:
	// http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/users/{id}",network_protocol_version="1.1",server_address="api.example.com",server_port="8443",url_scheme="http"} 1
}
