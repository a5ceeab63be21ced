package ginmetrics_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
)

// Instrument gin: install the middleware with Use, after gin.Recovery. The
// route is recorded as gin writes it: "/users/:id".
func ExampleMiddleware() {
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(context.Background(), &cfg)
	defer func() { _ = mon.Shutdown(context.Background()) }()

	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(gin.Recovery(), ginmetrics.Middleware(mon, middleware.WithSkipPaths("/metrics")))
	engine.GET("/users/:id", func(c *gin.Context) { c.String(http.StatusOK, "user") })
	engine.GET("/metrics", gin.WrapH(mon.ExporterHandler()))

	engine.ServeHTTP(httptest.NewRecorder(),
		httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/users/42", nil))
	engine.ServeHTTP(httptest.NewRecorder(),
		httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/nowhere", nil))

	// Scrape and print the request counts.
	rec := httptest.NewRecorder()
	engine.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "http_server_request_duration_seconds_count") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/users/:id",network_protocol_version="1.1",url_scheme="http"} 1
	// http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="404",http_route="unmatched",network_protocol_version="1.1",url_scheme="http"} 1
}
