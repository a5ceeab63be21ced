package promtool_test

import (
	"path/filepath"
	"strings"
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

// openMetrics is a valid OpenMetrics exposition: a histogram with an
// exemplar on a bucket, a counter, and the end marker.
const openMetrics = "# HELP http_server_request_duration_seconds Duration of HTTP server requests.\n" +
	"# TYPE http_server_request_duration_seconds histogram\n" +
	`http_server_request_duration_seconds_bucket{http_route="/x y",le="0.5"} 1 ` +
	`# {span_id="b7ad6b7169203331",trace_id="0af7651916cd43dd8448eb211c80319c"} 0.3 1.7e+09` + "\n" +
	`http_server_request_duration_seconds_bucket{http_route="/x y",le="+Inf"} 1` + "\n" +
	`http_server_request_duration_seconds_sum{http_route="/x y"} 0.3` + "\n" +
	`http_server_request_duration_seconds_count{http_route="/x y"} 1` + "\n" +
	"# HELP orders Orders placed.\n" +
	"# TYPE orders counter\n" +
	"orders_total 3\n" +
	"# EOF\n"

func TestCheckOpenMetrics(t *testing.T) {
	t.Run("Should accept a valid OpenMetrics exposition with an exemplar", func(t *testing.T) {
		out, ok := promtool.CheckOpenMetrics(t, []byte(openMetrics))
		assert.True(t, ok, out)
	})

	for name, broken := range map[string]string{
		"an exemplar without its closing brace": strings.Replace(openMetrics, `319c"} 0.3`, `319c" 0.3`, 1),
		"an exemplar without a value":           strings.Replace(openMetrics, `"} 0.3 1.7e+09`, `"}`, 1),
		"text after the exemplar":               strings.Replace(openMetrics, "1.7e+09", "1.7e+09 junk", 1),
		"no # EOF at the end":                   strings.TrimSuffix(openMetrics, "# EOF\n"),
	} {
		t.Run("Should refuse "+name, func(t *testing.T) {
			out, ok := promtool.CheckOpenMetrics(t, []byte(broken))
			assert.False(t, ok, out)
		})
	}
}

func TestWithTimestamps(t *testing.T) {
	t.Run("Should put a timestamp after each sample's value, before its exemplar, quoted spaces skipped", func(t *testing.T) {
		got := string(promtool.WithTimestamps([]byte(
			"# TYPE a counter\n" +
				`a_total{l="x } y"} 1 # {trace_id="1"} 1` + "\n" +
				"b 2\n# EOF\n")))
		assert.Equal(t, "# TYPE a counter\n"+
			`a_total{l="x } y"} 1 1700000000 # {trace_id="1"} 1`+"\n"+
			"b 2 1700000000\n# EOF\n", got)
	})
}
