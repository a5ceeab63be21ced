package httpmetrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/middleware/internal/httpmetrics"
	"github.com/compozy/monitoring/monitoringtest"
)

// option is a middleware's own Option type: NewConfig takes any named
// func(*Config).
type option func(*httpmetrics.Config)

func TestNewConfig(t *testing.T) {
	t.Run("Should start from the second-scale default buckets", func(t *testing.T) {
		c := httpmetrics.NewConfig[option](nil)
		assert.Equal(t, httpmetrics.DefaultDurationBuckets(), c.Buckets)
		assert.Nil(t, c.Skip)
		assert.Nil(t, c.Template)
	})

	t.Run("Should apply the options in order, the last one winning", func(t *testing.T) {
		c := httpmetrics.NewConfig([]option{
			func(c *httpmetrics.Config) { c.Buckets = []float64{1} },
			func(c *httpmetrics.Config) { c.Buckets = []float64{2} },
		})
		assert.Equal(t, []float64{2}, c.Buckets)
	})

	t.Run("Should hand out a fresh default slice each time", func(t *testing.T) {
		a := httpmetrics.DefaultDurationBuckets()
		a[0] = 42
		assert.InDelta(t, 0.005, httpmetrics.DefaultDurationBuckets()[0], 0)
	})
}

func TestRecorder(t *testing.T) {
	t.Run("Should skip only the configured paths and record the rest", func(t *testing.T) {
		b := monitoringtest.New(t)
		rec := httpmetrics.New(b, httpmetrics.Config{Skip: map[string]struct{}{"/metrics": {}}, Buckets: []float64{1}})
		skipped := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil)
		kept := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/orders", nil)
		assert.True(t, rec.Skipped(skipped))
		require.False(t, rec.Skipped(kept))

		q := rec.Begin(kept)
		rec.End(kept, q, func() string { return "" }, httpmetrics.Outcome{Status: http.StatusOK, RespBytes: 3, Committed: true})
		series := b.Series(t, "http.server.request.duration")
		require.Len(t, series, 1)
		route, _ := series[0].Value("http.route")
		assert.Equal(t, httpmetrics.UnmatchedRoute, route.AsString(), "no route is the shared unmatched value")
	})
}
