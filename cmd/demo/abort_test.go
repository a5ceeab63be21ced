package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/cmd/demo/shop"
	"github.com/compozy/monitoring/monitoringtest"
)

func TestClientAbortIsNotAServerError(t *testing.T) {
	t.Run("Should record a client that leaves /slow as client_aborted, with no status code and no 5xx", func(t *testing.T) {
		b := monitoringtest.New(t)
		// /slow would answer after an hour: only the client's leaving ends it.
		engine := newEngine(b, shop.New(b), routes{slow: time.Hour})
		arrived, finished := make(chan struct{}, 1), make(chan struct{}, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			engine.ServeHTTP(w, r)
			finished <- struct{}{}
		}))
		defer srv.Close()

		ctx, cancel := context.WithCancel(t.Context())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/slow", nil)
		require.NoError(t, err)
		result := make(chan error, 1)
		go func() {
			resp, err := srv.Client().Do(req)
			if err == nil {
				_ = resp.Body.Close()
			}
			result <- err
		}()
		<-arrived
		cancel()
		require.ErrorIs(t, <-result, context.Canceled)
		<-finished

		m, ok := b.Metric(t, "http.server.request.duration")
		require.True(t, ok)
		points := m.Data.(metricdata.Histogram[float64]).DataPoints
		require.Len(t, points, 1)
		assert.Equal(t, uint64(1), points[0].Count)
		want := attribute.NewSet(
			attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http"),
			attribute.String("http.route", "/slow"), attribute.String("network.protocol.version", "1.1"),
			attribute.String("error.type", "client_aborted"))
		assert.True(t, want.Equals(&points[0].Attributes), "got %v", points[0].Attributes.Encoded(attribute.DefaultEncoder()))
	})
}
