package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/cmd/demo/shop"
)

func TestTraceparentExemplars(t *testing.T) {
	cfg, err := monitoring.ParseConfig(defaultConfig)
	require.NoError(t, err)
	mon, err := monitoring.NewMonitoringService(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = mon.Shutdown(context.Background()) })
	tp := newTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	engine := newEngine(mon, shop.New(mon), routes{slow: time.Millisecond, tracer: tp}.withMetrics(mon))

	send := func(traceparent string) {
		t.Helper()
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/orders/book", nil)
		if traceparent != "" {
			req.Header.Set("traceparent", traceparent)
		}
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
	}
	scrape := func(accept string) string {
		t.Helper()
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, cfg.Path, nil)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		return rec.Body.String()
	}
	const sampled, unsampled = "4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c"
	send("")
	send("00-" + unsampled + "-b7ad6b7169203331-00")
	send("00-" + sampled + "-00f067aa0ba902b7-01")

	t.Run("Should show the sampled traceparent's trace ID on the latency histogram in OpenMetrics", func(t *testing.T) {
		body := scrape("application/openmetrics-text")
		assert.Regexp(t, `(?m)^http_server_request_duration_seconds_bucket\{.*http_route="/orders/:item".*\} \d+ # \{.*trace_id="`+
			sampled+`"`, body)
		assert.NotContains(t, body, unsampled, "a traceparent that is not sampled leaves no exemplar")
	})

	t.Run("Should show no trace ID in the plain text format", func(t *testing.T) {
		assert.NotContains(t, scrape("text/plain"), sampled)
	})
}
