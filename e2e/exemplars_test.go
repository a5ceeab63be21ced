package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/binaries"
	"github.com/compozy/monitoring/internal/testkit"
)

// exemplarTraceIDs asks Prometheus for the exemplars of the series q selects
// over the last hour and returns the trace IDs, with the route of each.
func exemplarTraceIDs(t *testing.T, api promAPI, q string) (map[string]string, error) {
	t.Helper()
	now := time.Now()
	u := fmt.Sprintf("%s/api/v1/query_exemplars?query=%s&start=%d&end=%d", api.base, url.QueryEscape(q),
		now.Add(-time.Hour).Unix(), now.Add(time.Minute).Unix())
	code, body := httpGet(t, u)
	var resp struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   []struct {
			SeriesLabels map[string]string `json:"seriesLabels"`
			Exemplars    []struct {
				Labels map[string]string `json:"labels"`
			} `json:"exemplars"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		return nil, fmt.Errorf("query_exemplars: %d %q: %w", code, body, err)
	}
	if code != http.StatusOK || resp.Status != "success" {
		return nil, fmt.Errorf("query_exemplars %q: %d %s", q, code, resp.Error)
	}
	out := map[string]string{}
	for _, series := range resp.Data {
		for _, e := range series.Exemplars {
			out[e.Labels["trace_id"]] = series.SeriesLabels["http_route"]
		}
	}
	return out, nil
}

func TestExemplarsAgainstARealPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the demo and runs a Prometheus server")
	}
	binaries.Path(t, "prometheus", prometheusHint)
	demo := buildDemo(t)
	addr := fmt.Sprintf("127.0.0.1:%d", testkit.FreePort(t))
	startDemo(t, demo, addr)
	// Prometheus negotiates OpenMetrics by default; exemplar storage is a
	// feature flag in 2.42.
	api := startPrometheus(t, addr, "--enable-feature=exemplar-storage")
	const selector = `http_server_request_duration_seconds_bucket{job="monitoring-demo"}`
	get := func(traceparent string) {
		t.Helper()
		code, _ := testkit.Get(t, nil, "http://"+addr+"/orders/book", http.Header{"Traceparent": {traceparent}})
		require.Equal(t, http.StatusOK, code)
	}

	sampled := []string{
		"4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c", "5b8efff798038103d269b633813fc60c",
	}
	const unsampled = "a3ce929d0e0e47364bf92f3577b34da6"
	t.Run("Should return the trace ID of each sampled traceparent from /api/v1/query_exemplars", func(t *testing.T) {
		for _, id := range sampled {
			// Before each sampled request, one that is not sampled: it must
			// leave no exemplar, and not replace the last one.
			get("00-" + unsampled + "-b7ad6b7169203331-00")
			get("00-" + id + "-00f067aa0ba902b7-01")
			// One exemplar per bucket, the latest: each request is seen by a
			// scrape before the next replaces it.
			waitFor(t, 30*time.Second, "the exemplar of trace "+id, func() (bool, error) {
				ids, err := exemplarTraceIDs(t, api, selector)
				_, ok := ids[id]
				return ok, err
			})
		}
		ids, err := exemplarTraceIDs(t, api, selector)
		require.NoError(t, err)
		for _, id := range sampled {
			assert.Equal(t, "/orders/:item", ids[id], "trace %s on the route's duration", id)
		}
		assert.NotContains(t, ids, unsampled)
	})

	t.Run("Should scrape the OpenMetrics exposition with exemplars cleanly", func(t *testing.T) {
		assert.InDelta(t, 1, api.value(t, `up{job="monitoring-demo"}`), 0)
		code, body := httpGet(t, api.base+"/api/v1/targets")
		require.Equal(t, http.StatusOK, code)
		var targets struct {
			Data struct {
				ActiveTargets []struct {
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"activeTargets"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &targets))
		require.Len(t, targets.Data.ActiveTargets, 1)
		assert.Equal(t, "up", targets.Data.ActiveTargets[0].Health)
		assert.Empty(t, targets.Data.ActiveTargets[0].LastError)
	})
}
