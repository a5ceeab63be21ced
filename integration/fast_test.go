package integration_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
)

func TestFastInstrumentsOnEveryBackend(t *testing.T) {
	t.Run("Should expose fast and SDK instruments side by side in a form promtool accepts", func(t *testing.T) {
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		fastCounter := svc.Instruments().CounterVec(port.Desc{
			Name: "jobs.processed", Description: "Jobs processed.", Unit: "{job}", Keys: []string{"queue", "outcome"}})
		fastHist := svc.Instruments().HistogramVec(port.Desc{
			Name: "job.duration", Description: "Job time.", Unit: "s", Keys: []string{"queue"}})
		fastCounter.Add(3, port.Values{"emails", "ok"})
		fastCounter.Bind(port.Values{"emails", "failed"}).Add(1)
		fastHist.Record(0.2, port.Values{"emails"})
		sdkCounter, err := svc.Meter().Int64Counter("sdk.requests", metric.WithDescription("Requests."))
		require.NoError(t, err)
		sdkCounter.Add(t.Context(), 2)

		code, body := testkit.Scrape(t, svc.ExporterHandler())
		require.Equal(t, 200, code)
		assert.Contains(t, body, `jobs_processed_total{outcome="ok",queue="emails"} 3`)
		assert.Contains(t, body, `jobs_processed_total{outcome="failed",queue="emails"} 1`)
		assert.Contains(t, body, `job_duration_seconds_bucket{queue="emails",le="0.25"} 1`)
		assert.Contains(t, body, `sdk_requests_total 2`)
		assert.Equal(t, 1, strings.Count(body, "# TYPE jobs_processed_total counter"), "no duplicate family")
		out, ok := promtool.CheckMetrics(t, []byte(body))
		assert.True(t, ok, "promtool: %s\n%s", out, body)
	})

	t.Run("Should write fast instruments through the stdout backend", func(t *testing.T) {
		var buf bytes.Buffer
		cfg := enabled(monitoring.BackendStdout)
		svc := newService(t, cfg, monitoring.WithWriter(&buf))
		svc.Instruments().CounterVec(port.Desc{Name: "rows.copied", Keys: []string{"table"}}).Add(42, port.Values{"users"})
		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.Contains(t, buf.String(), `"Name":"rows.copied"`)
		assert.Contains(t, buf.String(), `"Value":42`)
	})

	t.Run("Should hand out no-op fast instruments when disabled", func(t *testing.T) {
		svc := newService(t, nil)
		c := svc.Instruments().CounterVec(port.Desc{Name: "x", Keys: []string{"k"}})
		assert.Zero(t, testing.AllocsPerRun(100, func() { c.Add(1, port.Values{"v"}) }))
	})
}
