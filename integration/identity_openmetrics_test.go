package integration_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

// openMetricsTypes scrapes h as Prometheus does when it negotiates
// OpenMetrics and returns each family name of a "# TYPE" line with how
// many times it appears. expfmt has no OpenMetrics parser, so the rule
// that matters here, unique family names, is checked on the lines.
func openMetricsTypes(t *testing.T, h http.Handler) (map[string]int, string) {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Header().Get("Content-Type"), "application/openmetrics-text")
	body := rec.Body.String()
	require.True(t, strings.HasSuffix(body, "# EOF\n"), body)
	types := map[string]int{}
	for line := range strings.SplitSeq(body, "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			types[strings.Fields(rest)[0]]++
		}
	}
	return types, body
}

func TestOneOpenMetricsFamilyPerName(t *testing.T) {
	// The counter jobs.done is jobs_done_total in the text format but the
	// family jobs_done in OpenMetrics, where the gauge jobs_done would be a
	// second family jobs_done. The two names differ on every path, so only
	// the OpenMetrics name can tell them apart.
	fastCounter := func(svc *service.MonitoringService) {
		svc.Instruments().CounterVec(port.Desc{Name: "jobs.done", Description: "X."}).Add(3, port.Values{})
	}
	fastGauge := func(svc *service.MonitoringService) {
		svc.Instruments().GaugeVec(port.Desc{Name: "jobs_done", Description: "X."}).Set(4, port.Values{})
	}
	meterCounter := func(svc *service.MonitoringService) {
		c, err := svc.Meter().Int64Counter("jobs.done")
		require.NoError(t, err)
		c.Add(t.Context(), 3)
	}
	meterGauge := func(svc *service.MonitoringService) {
		g, err := svc.Meter().Float64Gauge("jobs_done")
		require.NoError(t, err)
		g.Record(t.Context(), 4)
	}
	for _, c := range []struct {
		name          string
		first, second func(*service.MonitoringService)
		survivor      string // the text-format family that stays
		refused       string // the later instrument's name
		kind          string // and its kind
	}{
		{"a Meter() gauge after a fast counter", fastCounter, meterGauge, "jobs_done_total", "jobs_done", "gauge"},
		{"a fast counter after a Meter() gauge", meterGauge, fastCounter, "jobs_done", "jobs.done", "counter"},
		{"a fast gauge after a Meter() counter", meterCounter, fastGauge, "jobs_done_total", "jobs_done", "gauge"},
		{"a Meter() counter after a fast gauge", fastGauge, meterCounter, "jobs_done", "jobs.done", "counter"},
		{"a fast gauge after a fast counter", fastCounter, fastGauge, "jobs_done_total", "jobs_done", "gauge"},
		{"a Meter() counter after a Meter() gauge", meterGauge, meterCounter, "jobs_done", "jobs.done", "counter"},
	} {
		t.Run("Should refuse "+c.name+": one OpenMetrics family jobs_done", func(t *testing.T) {
			svc, logs := identityService(t, "")
			c.first(svc)
			c.second(svc)

			families := exposition(t, svc)
			assert.Contains(t, families, c.survivor)
			assert.NotContains(t, families, map[string]string{"jobs_done": "jobs_done_total", "jobs_done_total": "jobs_done"}[c.survivor])
			types, body := openMetricsTypes(t, svc.ExporterHandler())
			for name, n := range types {
				assert.Equal(t, 1, n, "family %s declared %d times:\n%s", name, n, body)
			}
			assert.Equal(t, 1, types["jobs_done"], body)
			assert.Len(t, refusals(logs, c.kind+` \"`+c.refused+`\" refused`, `OpenMetrics family \"jobs_done\"`), 1, logs.String())
		})
	}

	t.Run("Should refuse a gauge named as the scrape handler's error counter's OpenMetrics family", func(t *testing.T) {
		svc, logs := identityService(t, "")
		g, err := svc.Meter().Float64Gauge("promhttp.metric.handler.errors")
		require.NoError(t, err)
		g.Record(t.Context(), 1)

		exposition(t, svc)
		types, body := openMetricsTypes(t, svc.ExporterHandler())
		assert.Equal(t, 1, types["promhttp_metric_handler_errors"], body)
		assert.Len(t, refusals(logs, "promhttp.metric.handler.errors", `OpenMetrics family \"promhttp_metric_handler_errors\"`,
			"the scrape handler's error counter"), 1, logs.String())
	})
}
