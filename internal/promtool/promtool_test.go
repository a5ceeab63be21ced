package promtool_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/promtool"
)

func TestPath(t *testing.T) {
	t.Run("Should return an absolute path to promtool", func(t *testing.T) {
		p := promtool.Path(t)
		assert.True(t, filepath.IsAbs(p), p)
		assert.Equal(t, "promtool", filepath.Base(p))
	})
}

func TestCheckMetrics(t *testing.T) {
	t.Run("Should accept a valid exposition and print nothing", func(t *testing.T) {
		out, ok := promtool.CheckMetrics(t, []byte(
			"# HELP http_server_request_duration_seconds Duration of HTTP server requests.\n"+
				"# TYPE http_server_request_duration_seconds histogram\n"+
				`http_server_request_duration_seconds_bucket{http_route="/x",le="0.1"} 1`+"\n"+
				`http_server_request_duration_seconds_bucket{http_route="/x",le="+Inf"} 2`+"\n"+
				`http_server_request_duration_seconds_sum{http_route="/x"} 0.35`+"\n"+
				`http_server_request_duration_seconds_count{http_route="/x"} 2`+"\n"+
				"# HELP orders_total Orders placed.\n"+
				"# TYPE orders_total counter\n"+
				"orders_total 3\n"+
				"# HELP queue_length Jobs waiting.\n"+
				"# TYPE queue_length gauge\n"+
				"queue_length 4\n"))
		assert.True(t, ok)
		assert.Empty(t, out)
	})

	t.Run("Should accept an empty exposition", func(t *testing.T) {
		out, ok := promtool.CheckMetrics(t, nil)
		assert.True(t, ok)
		assert.Empty(t, out)
	})

	// Each case is a problem promtool reports (its exact words, promtool 2.42).
	for name, tc := range map[string]struct{ exposition, says string }{
		"a counter without _total": {
			"# HELP orders Orders placed.\n# TYPE orders counter\norders 1\n",
			`orders counter metrics should have "_total" suffix`,
		},
		"a gauge named like a histogram's count": {
			"# HELP jobs_count Jobs.\n# TYPE jobs_count gauge\njobs_count 1\n",
			`jobs_count non-histogram and non-summary metrics should not have "_count" suffix`,
		},
		"a metric without help text": {
			"orders_total 1\n",
			"orders_total no help text",
		},
		"text that is not the exposition format": {
			"garbage{{{\n",
			"text format parsing error",
		},
	} {
		t.Run("Should reject "+name+", saying why", func(t *testing.T) {
			out, ok := promtool.CheckMetrics(t, []byte(tc.exposition))
			require.False(t, ok)
			assert.Contains(t, out, tc.says)
		})
	}
}
