package monitoring_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/testkit"
)

// TestMountMetricsOnBothPorts checks the promise of MountMetrics through the
// configuration a user writes: with listen_address, metrics are served on
// that server and the application's port answers 404 at the path; without
// it, the application's port serves them at the configured path.
func TestMountMetricsOnBothPorts(t *testing.T) {
	t.Parallel()
	app := func(t *testing.T, cfg *monitoring.Config) (string, bool, func(string) int) {
		t.Helper()
		svc := newService(t, cfg)
		testkit.Count(t, svc.Meter(), "shop.orders", 1)
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
		mounted := svc.MountMetrics(mux)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		metricsServer := ""
		if addr := svc.MetricsAddr(); addr != nil {
			metricsServer = "http://" + addr.String()
		}
		return metricsServer, mounted, func(url string) int {
			code, _ := testkit.Get(t, nil, srv.URL+url, nil)
			return code
		}
	}

	t.Run("Should serve metrics on the listen_address only when it is set", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.ParseConfig([]byte("enabled: true\nlisten_address: 127.0.0.1:0\npath: /internal/metrics\n"))
		require.NoError(t, err)
		metricsServer, mounted, appGet := app(t, cfg)

		assert.False(t, mounted)
		assert.Equal(t, http.StatusNotFound, appGet("/internal/metrics"), "the application's port serves no metrics")
		assert.Equal(t, http.StatusOK, appGet("/orders"))
		require.NotEmpty(t, metricsServer)
		code, body := testkit.Get(t, nil, metricsServer+"/internal/metrics", nil)
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "shop_orders_total 1")
	})

	t.Run("Should serve metrics on the application's mux at the configured path without listen_address", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.ParseConfig([]byte("enabled: true\npath: /internal/metrics\n"))
		require.NoError(t, err)
		metricsServer, mounted, appGet := app(t, cfg)

		assert.True(t, mounted)
		assert.Empty(t, metricsServer, "no second server")
		assert.Equal(t, http.StatusOK, appGet("/internal/metrics"))
		assert.Equal(t, http.StatusNotFound, appGet("/metrics"))
	})

	t.Run("Should refuse a path a router would read as a wildcard", func(t *testing.T) {
		t.Parallel()
		_, err := monitoring.ParseConfig([]byte("path: /metrics/{job}\n"))
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "path", fe.Field)
	})
}
