package main

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"

	"github.com/compozy/monitoring/cmd/demo/shop"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
	"github.com/compozy/monitoring/port"
)

// routes are the demo API's knobs.
type routes struct {
	// slow is how long GET /slow takes.
	slow time.Duration
	// flakyEvery makes every n-th GET /flaky fail with a 500; 0 never fails.
	flakyEvery int64
	// metricsPath is the exposition endpoint's path, and metrics its
	// handler on the public engine: nil when metrics are served on a
	// listen_address of their own instead, so never on both ports.
	metricsPath string
	metrics     http.Handler
	// tracer, when set, traces the requests (see [tracing]), so that a
	// sampled traceparent becomes the latency histogram's exemplar.
	tracer trace.TracerProvider
}

// metricsRouter is the part of *service.MonitoringService that says where
// the exposition handler belongs on the application's router.
type metricsRouter interface {
	MetricsRoute() (path string, handler http.Handler, ok bool)
}

// withMetrics sets the exposition route as mon says it belongs on the
// application's port: none when a listen_address is configured.
func (r routes) withMetrics(mon metricsRouter) routes {
	r.metricsPath, r.metrics, _ = mon.MetricsRoute()
	return r
}

// newEngine builds the demo API on gin, instrumented by the middleware:
//
//	GET /orders/:item  a route with a path parameter (404 for an unknown item)
//	GET /slow          answers after r.slow; nothing to a client that left before
//	GET /flaky         fails with a 500 on every r.flakyEvery-th request
//	GET /healthz       the service's and monitoring's status, per backend (not recorded)
//	GET r.metricsPath  the exposition handler, when r.metrics is set (not recorded)
func newEngine(mon port.Monitoring, orders *shop.Shop, r routes) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	// Recovery first, so it answers the panics the middleware re-raises after
	// recording them.
	// Tracing before the metrics middleware, which records with the span
	// tracing put in the request's context.
	engine.Use(gin.Recovery())
	if r.tracer != nil {
		engine.Use(tracing(r.tracer))
	}
	engine.Use(ginmetrics.Middleware(mon, middleware.WithSkipPaths(r.metricsPath, "/healthz")))

	engine.GET("/orders/:item", func(c *gin.Context) {
		order, err := orders.PlaceOrder(c.Request.Context(), c.Param("item"))
		if errors.Is(err, shop.ErrUnknownItem) {
			c.String(http.StatusNotFound, err.Error())
			return
		}
		c.JSON(http.StatusOK, order)
	})
	engine.GET("/slow", func(c *gin.Context) {
		select {
		case <-time.After(r.slow):
			c.String(http.StatusOK, "done")
		case <-c.Request.Context().Done():
			// The client went away: nobody is left to answer, and a 5xx
			// would count its abort as a server error. The middleware
			// records the request with error.type="client_aborted".
		}
	})
	var flaky atomic.Int64
	engine.GET("/flaky", func(c *gin.Context) {
		if n := flaky.Add(1); r.flakyEvery > 0 && n%r.flakyEvery == 0 {
			c.String(http.StatusInternalServerError, "flaky failure %d", n)
			return
		}
		c.String(http.StatusOK, "ok")
	})
	engine.GET("/healthz", func(c *gin.Context) {
		// port.Status encodes its errors as text, and each backend's health,
		// last export error and last export: a failing push shows here.
		c.JSON(http.StatusOK, gin.H{"status": "ok", "monitoring": mon.Status()})
	})
	if r.metrics != nil {
		engine.GET(r.metricsPath, gin.WrapH(r.metrics))
	}
	return engine
}
