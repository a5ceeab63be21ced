package service_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/service"
)

// appServer serves the application's mux on a real port, as an application
// does, and returns its base URL.
func appServer(t *testing.T, mux *http.ServeMux) string {
	t.Helper()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// routerFunc is a router that is not a ServeMux, as chi's is.
type routerFunc func(pattern string, h http.Handler)

func (f routerFunc) Handle(pattern string, h http.Handler) { f(pattern, h) }

func TestMountMetrics(t *testing.T) {
	get := func(t *testing.T, url string) int {
		t.Helper()
		code, _ := testkit.Get(t, nil, url, nil)
		return code
	}

	t.Run("Should bind nothing and mount nothing with an idle metrics server", func(t *testing.T) {
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = busy.Close() })
		svc := service.New(newFakeBackend(t), service.WithMetricsServer(busy.Addr().String(), "/internal/metrics"),
			service.WithMetricsServerIdle(), service.WithSystemMetrics(false))
		t.Cleanup(func() { require.NoError(t, svc.Shutdown(context.Background())) })

		assert.Nil(t, svc.MetricsAddr(), "no server started")
		assert.True(t, svc.Status().Healthy, "a busy address is no error when nothing listens on it")
		assert.False(t, svc.MountMetrics(http.NewServeMux()), "metrics stay off the application's port")
		path, h, ok := svc.MetricsRoute()
		assert.Equal(t, "/internal/metrics", path)
		assert.Nil(t, h)
		assert.False(t, ok)
	})

	t.Run("Should serve metrics on the application's mux when no metrics server is configured", func(t *testing.T) {
		svc := service.New(newFakeBackend(t), service.WithMetricsPath("/internal/metrics"), service.WithSystemMetrics(false))
		t.Cleanup(func() { require.NoError(t, svc.Shutdown(context.Background())) })
		c, err := svc.Meter().Int64Counter("orders")
		require.NoError(t, err)
		c.Add(t.Context(), 1)
		mux := http.NewServeMux()

		require.True(t, svc.MountMetrics(mux))
		base := appServer(t, mux)
		code, body := testkit.Get(t, nil, base+"/internal/metrics", nil)
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "orders 1")
		assert.Equal(t, http.StatusNotFound, get(t, base+"/metrics"), "only at the configured path")
		assert.Equal(t, http.StatusNotFound, get(t, base+"/internal/metrics/x"), "the path exactly")
		assert.Nil(t, svc.MetricsAddr())
	})

	t.Run("Should keep metrics off the application's mux when a metrics server is configured", func(t *testing.T) {
		svc := service.New(newFakeBackend(t), service.WithMetricsServer("127.0.0.1:0", "/metrics"),
			service.WithMetricsPath("/ignored"), service.WithSystemMetrics(false))
		t.Cleanup(func() { require.NoError(t, svc.Shutdown(context.Background())) })
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

		assert.False(t, svc.MountMetrics(mux))
		base := appServer(t, mux)
		assert.Equal(t, http.StatusNotFound, get(t, base+"/metrics"), "the application's port serves no metrics")
		assert.Equal(t, http.StatusOK, get(t, base+"/orders"))
		require.NotNil(t, svc.MetricsAddr())
		assert.Equal(t, http.StatusOK, get(t, "http://"+svc.MetricsAddr().String()+"/metrics"), "the metrics server does")

		path, h, ok := svc.MetricsRoute()
		assert.False(t, ok)
		assert.Nil(t, h, "nothing to mount by mistake")
		assert.Equal(t, "/metrics", path, "the server's path, for a skip list")
	})

	t.Run("Should keep metrics off the application's mux when the metrics server could not listen", func(t *testing.T) {
		taken := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(taken.Close)
		svc := service.New(newFakeBackend(t), service.WithMetricsServer(taken.Listener.Addr().String(), "/metrics"),
			service.WithLogger(discardLogger()), service.WithSystemMetrics(false))
		t.Cleanup(func() { require.NoError(t, svc.Shutdown(context.Background())) })
		mux := http.NewServeMux()
		assert.False(t, svc.MountMetrics(mux), "the operator asked for metrics off the public port")
		assert.Equal(t, http.StatusNotFound, get(t, appServer(t, mux)+"/metrics"))
		assert.False(t, svc.Status().Healthy, "Status says why nothing serves metrics")
	})

	t.Run("Should mount behind the credentials and answer 503 while the backend is down", func(t *testing.T) {
		svc := service.New(newFakeBackend(t), service.WithBearerToken("s3cret-token"), service.WithSystemMetrics(false))
		mux := http.NewServeMux()
		require.True(t, svc.MountMetrics(mux))
		base := appServer(t, mux)
		assert.Equal(t, http.StatusUnauthorized, get(t, base+"/metrics"))
		code, _ := testkit.Get(t, nil, base+"/metrics", http.Header{"Authorization": {"Bearer s3cret-token"}})
		assert.Equal(t, http.StatusOK, code)
		require.NoError(t, svc.Shutdown(context.Background()))
		code, _ = testkit.Get(t, nil, base+"/metrics", http.Header{"Authorization": {"Bearer s3cret-token"}})
		assert.Equal(t, http.StatusServiceUnavailable, code)
	})

	t.Run("Should match a path that ends with a slash exactly on a ServeMux", func(t *testing.T) {
		svc := service.New(newFakeBackend(t), service.WithMetricsPath("/metrics/"), service.WithSystemMetrics(false))
		t.Cleanup(func() { require.NoError(t, svc.Shutdown(context.Background())) })
		mux := http.NewServeMux()
		require.True(t, svc.MountMetrics(mux))
		base := appServer(t, mux)
		assert.Equal(t, http.StatusOK, get(t, base+"/metrics/"))
		assert.Equal(t, http.StatusNotFound, get(t, base+"/metrics/anything"), "not the subtree")
	})

	t.Run("Should hand the path as it is to another router", func(t *testing.T) {
		svc := service.New(newFakeBackend(t), service.WithSystemMetrics(false))
		t.Cleanup(func() { require.NoError(t, svc.Shutdown(context.Background())) })
		var patterns []string
		require.True(t, svc.MountMetrics(routerFunc(func(p string, h http.Handler) {
			patterns = append(patterns, p)
			assert.NotNil(t, h)
		})))
		assert.Equal(t, []string{service.DefaultMetricsPath}, patterns)
		assert.False(t, svc.MountMetrics(nil), "a nil router is not a panic")
	})

	t.Run("Should refuse, and log once, a path no router can take rather than panic", func(t *testing.T) {
		for _, path := range []string{"metrics", "/metrics/{id}", "/a b", "/metrics?x", "//metrics", "/a/../metrics", "/metrics/.", "/metrics//"} {
			logger, logs := newLogger()
			svc := service.New(newFakeBackend(t), service.WithMetricsPath(path), service.WithLogger(logger),
				service.WithSystemMetrics(false))
			mux := http.NewServeMux()
			assert.NotPanics(t, func() { assert.False(t, svc.MountMetrics(mux), path) })
			_, _, ok := svc.MetricsRoute()
			assert.False(t, ok, path)
			assert.Len(t, logs.LinesContaining("cannot be mounted"), 1, path)
			require.NoError(t, svc.Shutdown(context.Background()))
		}
	})

	t.Run("Should give Gin-style routers the route to mount", func(t *testing.T) {
		svc := service.New(newFakeBackend(t), service.WithSystemMetrics(false))
		t.Cleanup(func() { require.NoError(t, svc.Shutdown(context.Background())) })
		path, h, ok := svc.MetricsRoute()
		require.True(t, ok)
		assert.Equal(t, "/metrics", path)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil))
		assert.Equal(t, http.StatusOK, rec.Code)
	})
}
