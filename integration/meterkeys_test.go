package integration_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring/internal/testkit"
)

// The meter's instruments show their keys only when a value is recorded,
// so the key rule cannot refuse them at creation: a series whose
// attributes hold a label the exposition format reserves is left out of
// the scrape instead, logged once, and the rest of the scrape stays valid.
func TestMeterKeysTheExpositionReserves(t *testing.T) {
	for _, key := range []string{"le", "quantile"} {
		t.Run("Should leave out a Meter() histogram's series with the key "+key+", log it once, and keep the scrape valid", func(t *testing.T) {
			svc, logs := identityService(t, "")
			h, err := svc.Meter().Float64Histogram("latency", metric.WithUnit("s"), metric.WithDescription("Latency."))
			require.NoError(t, err)
			h.Record(t.Context(), 0.1, metric.WithAttributes(attribute.String(key, "x"), attribute.String("tenant", "t1")))
			h.Record(t.Context(), 0.2, metric.WithAttributes(attribute.String("tenant", "t2")))
			g, err := svc.Meter().Float64Gauge("load", metric.WithDescription("Load."))
			require.NoError(t, err)
			g.Record(t.Context(), 3, metric.WithAttributes(attribute.String(key, "x")))

			families := exposition(t, svc) // two scrapes; the parser and promtool accept the second
			hist := histogramOf(t, families, "latency_seconds")
			assert.Equal(t, uint64(1), hist.GetSampleCount(), "the series without the key is served")
			assert.Equal(t, "t2", families["latency_seconds"].GetMetric()[0].GetLabel()[0].GetValue())
			assert.NotContains(t, families, "load", "a family whose only series is left out is not served")
			assert.Len(t, logs.LinesContaining("reserved label", `family=latency_seconds`, "label="+key), 1, logs.String())
			assert.Len(t, logs.LinesContaining("reserved label", `family=load`, "label="+key), 1, logs.String())
		})
	}

	t.Run("Should count a Meter() series with a __-prefixed key as a gathering error, log it, and serve the rest", func(t *testing.T) {
		svc, logs := identityService(t, "")
		c, err := svc.Meter().Int64Counter("orders", metric.WithDescription("Orders."))
		require.NoError(t, err)
		c.Add(t.Context(), 1, metric.WithAttributes(attribute.String("__name__", "evil")))
		ok, err := svc.Meter().Int64Counter("fine", metric.WithDescription("Fine."))
		require.NoError(t, err)
		ok.Add(t.Context(), 2)

		testkit.Scrape(t, svc.ExporterHandler())
		code, body := testkit.Scrape(t, svc.ExporterHandler())
		require.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "fine_total 2", "the rest of the scrape is served")
		assert.NotContains(t, body, "evil")
		assert.Contains(t, body, `promhttp_metric_handler_errors_total{cause="gathering"} 1`,
			"the first scrape's failure is counted, which the MonitoringDegraded alert watches")
		assert.NotEmpty(t, logs.LinesContaining("level=ERROR", "a scrape dropped"), logs.String())
	})

	t.Run("Should serve keys the exporter only escapes, and log nothing", func(t *testing.T) {
		svc, logs := identityService(t, "")
		c, err := svc.Meter().Int64Counter("orders", metric.WithDescription("Orders."))
		require.NoError(t, err)
		c.Add(t.Context(), 3, metric.WithAttributes(attribute.String("http.route", "/a"),
			attribute.String("tenant-id", "t1"), attribute.String("level", "x"), attribute.Int("lequantile", 1)))

		families := exposition(t, svc)
		require.Contains(t, families, "orders_total")
		assert.Equal(t, map[string]string{"http_route": "/a", "tenant_id": "t1", "level": "x", "lequantile": "1"},
			testkit.Labels(families["orders_total"].GetMetric()[0]))
		assert.Empty(t, logs.LinesContaining("reserved label"), logs.String())
	})
}
