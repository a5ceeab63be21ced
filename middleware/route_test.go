package middleware_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
	"github.com/compozy/monitoring/monitoringtest"
)

// ginRoutes and muxRoutes are the same small API on each router: the path
// requested, and the route template as that router writes it.
var (
	ginRoutes = map[string]string{
		"/users/7":          "/users/:id",
		"/users/7/orders/9": "/users/:id/orders/:order",
		"/files/a/b/c":      "/files/*path",
		"/plain":            "/plain",
		"/no/such/path":     middleware.UnmatchedRoute,
	}
	muxRoutes = map[string]string{
		"/users/7":          "/users/{id}",
		"/users/7/orders/9": "/users/{id}/orders/{order}",
		"/files/a/b/c":      "/files/{path...}",
		"/plain":            "/plain",
		"/":                 "/{$}",
		"/no/such/path":     middleware.UnmatchedRoute,
	}
)

func ginAPI(opts ...middleware.Option) func(*monitoringtest.Backend) http.Handler {
	return func(b *monitoringtest.Backend) http.Handler {
		e := gin.New()
		e.Use(ginmetrics.Middleware(b, opts...))
		for _, route := range ginRoutes {
			if route != middleware.UnmatchedRoute {
				e.GET(route, func(c *gin.Context) { c.Status(http.StatusNoContent) })
			}
		}
		return e
	}
}

func muxAPI(opts ...middleware.Option) func(*monitoringtest.Backend) http.Handler {
	return func(b *monitoringtest.Backend) http.Handler {
		mux := http.NewServeMux()
		for _, route := range muxRoutes {
			if route != middleware.UnmatchedRoute {
				mux.HandleFunc("GET "+route, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
			}
		}
		return middleware.HTTP(b, opts...)(mux)
	}
}

// routesRecorded serves each path once and returns path -> http.route.
func routesRecorded(t *testing.T, build func(*monitoringtest.Backend) http.Handler, paths map[string]string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for path := range paths {
		b := monitoringtest.New(t)
		serve(build(b), http.MethodGet, path, "")
		series := b.Series(t, durationName)
		require.Len(t, series, 1, path)
		route, ok := series[0].Value("http.route")
		require.True(t, ok, path)
		got[path] = route.AsString()
	}
	return got
}

func TestRouteFormat(t *testing.T) {
	t.Run("Should record gin's c.FullPath() unchanged by default", func(t *testing.T) {
		assert.Equal(t, ginRoutes, routesRecorded(t, ginAPI(), ginRoutes))
	})

	t.Run("Should record the ServeMux pattern's path unchanged by default", func(t *testing.T) {
		assert.Equal(t, muxRoutes, routesRecorded(t, muxAPI(), muxRoutes))
	})

	t.Run("Should write gin routes in ServeMux syntax with RouteFormatServeMux, and leave ServeMux's as they are", func(t *testing.T) {
		opt := middleware.WithRouteFormat(middleware.RouteFormatServeMux)
		assert.Equal(t, map[string]string{
			"/users/7": "/users/{id}", "/users/7/orders/9": "/users/{id}/orders/{order}",
			"/files/a/b/c": "/files/{path...}", "/plain": "/plain", "/no/such/path": middleware.UnmatchedRoute,
		}, routesRecorded(t, ginAPI(opt), ginRoutes))
		assert.Equal(t, muxRoutes, routesRecorded(t, muxAPI(opt), muxRoutes))
	})

	t.Run("Should write ServeMux routes in gin syntax with RouteFormatGin, and leave gin's as they are", func(t *testing.T) {
		opt := middleware.WithRouteFormat(middleware.RouteFormatGin)
		assert.Equal(t, map[string]string{
			"/users/7": "/users/:id", "/users/7/orders/9": "/users/:id/orders/:order",
			"/files/a/b/c": "/files/*path", "/plain": "/plain", "/": "/{$}", "/no/such/path": middleware.UnmatchedRoute,
		}, routesRecorded(t, muxAPI(opt), muxRoutes))
		assert.Equal(t, ginRoutes, routesRecorded(t, ginAPI(opt), ginRoutes))
	})

	t.Run("Should give both routers the same routes once normalised to one syntax", func(t *testing.T) {
		for _, f := range []middleware.RouteFormat{middleware.RouteFormatServeMux, middleware.RouteFormatGin} {
			opt := middleware.WithRouteFormat(f)
			fromGin := routesRecorded(t, ginAPI(opt), ginRoutes)
			fromMux := routesRecorded(t, muxAPI(opt), muxRoutes)
			delete(fromMux, "/") // "/{$}" has no gin route
			assert.Equal(t, fromGin, fromMux, "format %d", f)
		}
	})

	t.Run("Should never merge two ServeMux patterns into one route, whatever the format", func(t *testing.T) {
		// One mux whose patterns differ only by the {$} anchor, a subtree
		// or a wildcard: each path reaches another pattern, and is recorded
		// as another route in every format.
		patterns := map[string]string{ // request path -> pattern it matches
			"/":      "/{$}",
			"/other": "/",
			"/a/":    "/a/{$}",
			"/a/x/y": "/a/",
			"/a":     "/a",
			"/b/1":   "/b/{id}",
			"/b/1/2": "/b/{id}/{rest...}",
			"/b/":    "/b/{$}",
		}
		build := func(f middleware.RouteFormat) func(*monitoringtest.Backend) http.Handler {
			return func(b *monitoringtest.Backend) http.Handler {
				mux := http.NewServeMux()
				for _, pattern := range patterns {
					mux.HandleFunc("GET "+pattern, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
				}
				return middleware.HTTP(b, middleware.WithRouteFormat(f))(mux)
			}
		}
		for format, want := range map[middleware.RouteFormat]map[string]string{
			middleware.RouteFormatRouter:   patterns,
			middleware.RouteFormatServeMux: patterns,
			middleware.RouteFormatGin: {
				"/": "/{$}", "/other": "/", "/a/": "/a/{$}", "/a/x/y": "/a/", "/a": "/a",
				"/b/1": "/b/:id", "/b/1/2": "/b/:id/*rest", "/b/": "/b/{$}",
			},
		} {
			got := routesRecorded(t, build(format), patterns)
			assert.Equal(t, want, got, "format %d", format)
			distinct := map[string]bool{}
			for _, route := range got {
				distinct[route] = true
			}
			assert.Len(t, distinct, len(patterns), "format %d merged routes: %v", format, got)
		}
	})

	t.Run("Should rewrite a route function's routes too, and leave a format it does not know alone", func(t *testing.T) {
		routeFunc := middleware.WithRouteFunc(func(*http.Request) string { return "/custom/:x/{y}" })
		handler := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
		for format, want := range map[middleware.RouteFormat]string{
			middleware.RouteFormatRouter:   "/custom/:x/{y}",
			middleware.RouteFormatServeMux: "/custom/{x}/{y}",
			middleware.RouteFormatGin:      "/custom/:x/:y",
			middleware.RouteFormat(42):     "/custom/:x/{y}",
		} {
			b := monitoringtest.New(t)
			serve(middleware.HTTP(b, routeFunc, middleware.WithRouteFormat(format))(handler), http.MethodGet, "/custom/1/2", "")
			route, _ := b.Series(t, durationName)[0].Value("http.route")
			assert.Equal(t, want, route.AsString(), "format %d", format)
		}
	})
}
