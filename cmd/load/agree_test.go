package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/middleware/ginmetrics"
	"github.com/compozy/monitoring/monitoringtest"
)

// demoLike serves the demo's routes, instrumented as the demo is: known and
// unknown orders, /flaky failing every third request, and /slow, which
// answers when released or says nothing once its client went away, as the
// demo's does. entered receives a value for each /slow request that started.
func demoLike(b *monitoringtest.Backend, release <-chan struct{}, entered chan<- struct{}) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(gin.Recovery(), ginmetrics.Middleware(b))
	e.GET("/orders/:item", func(c *gin.Context) {
		if c.Param("item") == "unicorn" {
			c.String(http.StatusNotFound, "unknown item")
			return
		}
		c.String(http.StatusOK, "ordered")
	})
	var flaky atomic.Int64
	e.GET("/flaky", func(c *gin.Context) {
		if flaky.Add(1)%3 == 0 {
			c.String(http.StatusInternalServerError, "flaky")
			return
		}
		c.String(http.StatusOK, "ok")
	})
	e.GET("/slow", func(c *gin.Context) {
		entered <- struct{}{}
		select {
		case <-release:
			c.String(http.StatusOK, "done")
		case <-c.Request.Context().Done():
		}
	})
	return e
}

// recorded returns the request counts of the duration histogram by
// "route status", the status being "aborted" for error.type client_aborted.
func recorded(t *testing.T, b *monitoringtest.Backend) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	m, ok := b.Metric(t, "http.server.request.duration")
	require.True(t, ok)
	for _, p := range m.Data.(metricdata.Histogram[float64]).DataPoints {
		route, _ := p.Attributes.Value("http.route")
		status := "none"
		if v, ok := p.Attributes.Value("http.response.status_code"); ok {
			status = fmt.Sprint(v.AsInt64())
		}
		if v, _ := p.Attributes.Value(attribute.Key("error.type")); v.AsString() == "client_aborted" {
			status = "aborted"
		}
		if p.Count > 0 {
			out[route.AsString()+" "+status] += p.Count
		}
	}
	return out
}

// byRoute turns a tally by path into counts by the demo's route templates.
func byRoute(counts *tally) map[string]uint64 {
	out := map[string]uint64{}
	for k, n := range counts.n {
		if strings.HasPrefix(k, "/orders/") {
			k = "/orders/:item" + k[strings.IndexByte(k, ' '):]
		}
		out[k] += uint64(n) //nolint:gosec // a count of requests, never negative.
	}
	return out
}

func TestSummaryAgreesWithMetrics(t *testing.T) {
	t.Run("Should tally exactly what the middleware recorded when the duration ends", func(t *testing.T) {
		b := monitoringtest.New(t)
		release := make(chan struct{})
		close(release)
		entered := make(chan struct{}, 1024)
		srv := httptest.NewServer(demoLike(b, release, entered))
		defer srv.Close()
		base, err := url.Parse(srv.URL)
		require.NoError(t, err)

		send, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		paths := []string{"/orders/book", "/orders/pen", "/orders/unicorn", "/flaky", "/flaky", "/slow"}
		counts := generate(send, t.Context(), srv.Client(), base, 4, paths)

		summary := byRoute(counts)
		require.Positive(t, summary["/flaky 500"], "the run saw server errors")
		require.Positive(t, summary["/orders/:item 404"])
		assert.Equal(t, summary, recorded(t, b), "the summary and the metrics agree, status by status")
	})

	t.Run("Should tally requests cut by an interrupt as aborted, recorded as client_aborted and never as a 5xx", func(t *testing.T) {
		b := monitoringtest.New(t)
		const workers = 3
		entered, finished := make(chan struct{}, workers), make(chan struct{}, workers)
		h := demoLike(b, nil, entered)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			finished <- struct{}{}
		}))
		defer srv.Close()
		base, err := url.Parse(srv.URL)
		require.NoError(t, err)

		abort, interrupt := context.WithCancel(t.Context())
		done := make(chan *tally, 1)
		go func() { done <- generate(abort, abort, srv.Client(), base, workers, []string{"/slow"}) }()
		for range workers {
			<-entered
		}
		interrupt()
		counts := <-done
		assert.Equal(t, map[string]uint64{"/slow aborted": workers}, byRoute(counts))
		// The server finishes recording after the client has gone.
		for range workers {
			<-finished
		}
		assert.Equal(t, map[string]uint64{"/slow aborted": workers}, recorded(t, b), "no 5xx, no status code")
	})
}
