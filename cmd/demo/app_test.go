package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/cmd/demo/shop"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/port"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, target, nil))
	return rec
}

// pushStatus is a backend whose status is given, as a push backend's is
// while its collector refuses.
type pushStatus struct {
	*monitoringtest.Backend

	status port.Status
}

func (p pushStatus) Status() port.Status { return p.status }

func TestRoutes(t *testing.T) {
	b := monitoringtest.New(t)
	engine := newEngine(b, shop.New(b), routes{slow: time.Millisecond, flakyEvery: 3, metricsPath: "/metrics", metrics: b.Handler()})

	t.Run("Should place known orders and refuse unknown ones", func(t *testing.T) {
		assert.Equal(t, http.StatusOK, get(t, engine, "/orders/book").Code)
		assert.Equal(t, http.StatusNotFound, get(t, engine, "/orders/unicorn").Code)
	})

	t.Run("Should fail exactly every n-th flaky request", func(t *testing.T) {
		var codes []int
		for range 6 {
			codes = append(codes, get(t, engine, "/flaky").Code)
		}
		assert.Equal(t, []int{200, 200, 500, 200, 200, 500}, codes)
	})

	t.Run("Should answer the slow route after its delay", func(t *testing.T) {
		start := time.Now()
		assert.Equal(t, http.StatusOK, get(t, engine, "/slow").Code)
		assert.GreaterOrEqual(t, time.Since(start), time.Millisecond)
	})

	t.Run("Should report the monitoring status on /healthz", func(t *testing.T) {
		rec := get(t, engine, "/healthz")
		require.Equal(t, http.StatusOK, rec.Code)
		var body struct {
			Status     string `json:"status"`
			Monitoring struct {
				Backend string `json:"backend"`
				Healthy bool   `json:"healthy"`
			} `json:"monitoring"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		assert.Equal(t, "ok", body.Status)
		assert.Equal(t, "monitoringtest", body.Monitoring.Backend)
		assert.True(t, body.Monitoring.Healthy)
	})

	t.Run("Should show each backend's health, last error and last export on /healthz", func(t *testing.T) {
		at := time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC)
		pushing := pushStatus{Backend: b, status: port.Status{
			Backend: "prometheus,otlp", Enabled: true, Healthy: true, Backends: []port.BackendStatus{
				{Name: "prometheus", Healthy: true},
				{Name: "otlp", Healthy: true, LastError: errors.New("the collector answered 503"), LastExport: at},
			},
		}}
		rec := get(t, newEngine(pushing, shop.New(b), routes{}), "/healthz")
		require.Equal(t, http.StatusOK, rec.Code)
		var body struct {
			Monitoring struct {
				Healthy  bool `json:"healthy"`
				Backends []struct {
					Name       string `json:"name"`
					Healthy    bool   `json:"healthy"`
					LastError  string `json:"last_error"`
					LastExport string `json:"last_export"`
				} `json:"backends"`
			} `json:"monitoring"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
		require.Len(t, body.Monitoring.Backends, 2, rec.Body.String())
		otlp := body.Monitoring.Backends[1]
		assert.Equal(t, "otlp", otlp.Name)
		assert.True(t, otlp.Healthy)
		assert.Equal(t, "the collector answered 503", otlp.LastError, "a failing push is visible")
		assert.Equal(t, "2026-11-30T11:00:00Z", otlp.LastExport)
	})

	t.Run("Should record the API routes but not /healthz or /metrics", func(t *testing.T) {
		get(t, engine, "/metrics")
		routesSeen := map[string]bool{}
		for _, s := range b.Series(t, "http.server.request.duration") {
			route, _ := s.Value("http.route")
			routesSeen[route.AsString()] = true
		}
		assert.Equal(t, map[string]bool{"/orders/:item": true, "/flaky": true, "/slow": true}, routesSeen)
		assert.NotContains(t, routesSeen, middleware.UnmatchedRoute)
	})
}

func TestMetricsOffThePublicPort(t *testing.T) {
	// newDemo wires the demo's engine as main does, on a real service built
	// from config.
	newDemo := func(t *testing.T, config string) (*gin.Engine, interface{ MetricsAddr() net.Addr }) {
		t.Helper()
		cfg, err := monitoring.ParseConfig([]byte(config))
		require.NoError(t, err)
		mon, err := monitoring.NewMonitoringService(t.Context(), cfg,
			monitoring.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, mon.Shutdown(context.Background())) })
		return newEngine(mon, shop.New(mon), routes{slow: time.Millisecond}.withMetrics(mon)), mon
	}

	t.Run("Should serve metrics on the listen_address and never on the public port", func(t *testing.T) {
		engine, mon := newDemo(t, "enabled: true\nlisten_address: 127.0.0.1:0\n")
		assert.Equal(t, http.StatusNotFound, get(t, engine, "/metrics").Code, "the public port serves no metrics")
		assert.Equal(t, http.StatusOK, get(t, engine, "/orders/book").Code)
		require.NotNil(t, mon.MetricsAddr())
		code, body := testkit.Get(t, nil, "http://"+mon.MetricsAddr().String()+"/metrics", nil)
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, `http_route="/orders/:item"`)
	})

	t.Run("Should serve metrics on the public port when there is no listen_address", func(t *testing.T) {
		engine, mon := newDemo(t, "enabled: true\n")
		assert.Nil(t, mon.MetricsAddr(), "one port only")
		get(t, engine, "/orders/book")
		rec := get(t, engine, "/metrics")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Contains(t, rec.Body.String(), `http_route="/orders/:item"`)
	})
}

func TestHealthzSaysMonitoringIsDisabled(t *testing.T) {
	t.Run("Should show on /healthz that a config without enabled: true records nothing, and why", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig([]byte("backend: stdout\n"))
		require.NoError(t, err)
		mon, err := monitoring.NewMonitoringService(t.Context(), cfg, monitoring.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, mon.Shutdown(context.Background())) })
		engine := newEngine(mon, shop.New(mon), routes{}.withMetrics(mon))

		rec := get(t, engine, "/healthz")
		require.Equal(t, http.StatusOK, rec.Code)
		var body struct {
			Monitoring struct {
				Enabled bool   `json:"enabled"`
				Reason  string `json:"reason"`
			} `json:"monitoring"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
		assert.False(t, body.Monitoring.Enabled)
		assert.Equal(t, "monitoring disabled by configuration (enabled: false); settings with no effect: backend",
			body.Monitoring.Reason)
	})
}
