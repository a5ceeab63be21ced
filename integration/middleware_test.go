package integration_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
)

func TestMiddlewareOnPrometheus(t *testing.T) {
	t.Run("Should expose the HTTP metrics in a form promtool accepts", func(t *testing.T) {
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		gin.SetMode(gin.TestMode)
		e := gin.New()
		e.Use(ginmetrics.Middleware(svc, middleware.WithSkipPaths("/metrics")))
		e.GET("/orders/:id", func(c *gin.Context) { c.String(http.StatusOK, "order") })
		e.GET("/fail", func(c *gin.Context) { c.String(http.StatusInternalServerError, "no") })
		e.GET("/metrics", gin.WrapH(svc.ExporterHandler()))
		for _, target := range []string{"/orders/1", "/orders/2", "/fail", "/missing"} {
			e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, target, nil))
		}

		code, body := testkit.Scrape(t, e)
		require.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, `http_server_request_duration_seconds_count{`+
			`http_request_method="GET",http_response_status_code="200",http_route="/orders/:id",`+
			`network_protocol_version="1.1",url_scheme="http"} 2`)
		assert.Contains(t, body, `error_type="500"`)
		assert.Contains(t, body, `http_route="unmatched"`)
		assert.Contains(t, body, `http_server_active_requests{http_request_method="GET",url_scheme="http"} 0`)
		assert.Contains(t, body, "http_server_request_body_size_bytes_bucket")
		assert.Contains(t, body, "http_server_response_body_size_bytes_sum")
		assert.NotContains(t, body, `http_route="/metrics"`)

		out, ok := promtool.CheckMetrics(t, []byte(body))
		assert.True(t, ok, "promtool: %s\n%s", out, body)
	})

	t.Run("Should expose each router's own route syntax, parsed and accepted by promtool", func(t *testing.T) {
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		mux := http.NewServeMux()
		for _, p := range []string{"GET /users/{id}", "GET /files/{path...}", "GET /{$}"} {
			mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
		}
		e := gin.New()
		e.Use(ginmetrics.Middleware(svc))
		e.GET("/gin/users/:id", func(c *gin.Context) { c.Status(http.StatusOK) })
		e.GET("/gin/files/*path", func(c *gin.Context) { c.Status(http.StatusOK) })
		e.NoRoute(gin.WrapH(middleware.HTTP(svc)(mux)))
		for _, target := range []string{"/users/1", "/files/a/b", "/", "/gin/users/1", "/gin/files/a/b"} {
			e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, target, nil))
		}
		_, body := testkit.Scrape(t, svc.ExporterHandler())
		families, err := testkit.ParseExposition(body)
		require.NoError(t, err)
		routes := map[string]bool{}
		for _, m := range families["http_server_request_duration_seconds"].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "http_route" {
					routes[l.GetValue()] = true
				}
			}
		}
		for _, want := range []string{"/users/{id}", "/files/{path...}", "/{$}", "/gin/users/:id", "/gin/files/*path"} {
			assert.True(t, routes[want], "%s in %v", want, routes)
		}
		out, ok := promtool.CheckMetrics(t, []byte(body))
		assert.True(t, ok, "promtool: %s", out)
	})

	t.Run("Should show the overflow series once the cardinality limit is reached", func(t *testing.T) {
		cfg := enabled(monitoring.BackendPrometheus)
		cfg.CardinalityLimit = 5
		svc := newService(t, cfg)
		mux := http.NewServeMux()
		for i := range 10 {
			mux.HandleFunc(fmt.Sprintf("GET /r%d", i), func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, "ok")
			})
		}
		h := middleware.HTTP(svc)(mux)
		for i := range 10 {
			h.ServeHTTP(httptest.NewRecorder(),
				httptest.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("/r%d", i), nil))
		}
		_, body := testkit.Scrape(t, svc.ExporterHandler())
		assert.Contains(t, body, `http_server_request_duration_seconds_count{otel_metric_overflow="true"}`)
	})
}
