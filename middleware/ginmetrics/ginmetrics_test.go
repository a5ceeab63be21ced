package ginmetrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
	"github.com/compozy/monitoring/monitoringtest"
)

// The behaviour gin shares with net/http (semantic conventions,
// cardinality, options, route formats) is tested on both routers from one
// table in package middleware's tests; these are gin's own.

const durationName = "http.server.request.duration"

func get(h http.Handler, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, target, nil))
	return rec
}

func TestMiddleware(t *testing.T) {
	t.Run("Should record gin wildcards as gin writes them, or in ServeMux syntax on request", func(t *testing.T) {
		for want, opts := range map[string][]middleware.Option{
			"/files/*path":     nil,
			"/files/{path...}": {middleware.WithRouteFormat(middleware.RouteFormatServeMux)},
		} {
			b := monitoringtest.New(t)
			e := gin.New()
			e.Use(ginmetrics.Middleware(b, opts...))
			e.GET("/files/*path", func(c *gin.Context) { c.Status(http.StatusNoContent) })
			get(e, "/files/a/b/c")
			route, _ := b.Series(t, durationName)[0].Value("http.route")
			assert.Equal(t, want, route.AsString())
		}
	})

	t.Run("Should hand a handler's panic on to gin.Recovery after recording it", func(t *testing.T) {
		b := monitoringtest.New(t)
		e := gin.New()
		e.Use(gin.CustomRecovery(func(c *gin.Context, _ any) { c.AbortWithStatus(http.StatusTeapot) }), ginmetrics.Middleware(b))
		e.GET("/panic", func(*gin.Context) { panic("boom") })
		rec := get(e, "/panic")
		assert.Equal(t, http.StatusTeapot, rec.Code, "the application's recovery answered")
		series := b.Series(t, durationName)
		require.Len(t, series, 1)
		errType, _ := series[0].Value("error.type")
		assert.Equal(t, "panic", errType.AsString())
		status, _ := series[0].Value("http.response.status_code")
		assert.Equal(t, int64(http.StatusInternalServerError), status.AsInt64())
	})

	t.Run("Should ignore WithRouteFunc and take the route from c.FullPath()", func(t *testing.T) {
		b := monitoringtest.New(t)
		e := gin.New()
		e.Use(ginmetrics.Middleware(b, middleware.WithRouteFunc(func(*http.Request) string { return "/from/func" })))
		e.GET("/users/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })
		get(e, "/users/7")
		route, _ := b.Series(t, durationName)[0].Value("http.route")
		assert.Equal(t, "/users/:id", route.AsString())
	})
}
