package monitoring_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/otlptest"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
)

// pushingTo returns a config for prometheus and otlp, otlp exporting to
// rcv only when flushed.
func pushingTo(rcv *otlptest.Receiver) *monitoring.Config {
	cfg := enabled("prometheus,otlp")
	cfg.ServiceName = "checkout"
	cfg.ServiceInstanceID = "checkout-1"
	cfg.OTLP.Endpoint = rcv.URL
	cfg.OTLP.Interval = time.Hour
	cfg.OTLP.Timeout = 2 * time.Second
	return cfg
}

func sumOf(rcv *otlptest.Receiver, name string) float64 {
	var v float64
	for _, p := range rcv.Points(name) {
		v += p.Value
	}
	return v
}

func TestSeveralBackends(t *testing.T) {
	t.Run("Should export each record to /metrics and to the collector, cumulative on both", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		svc := newService(t, pushingTo(rcv))
		testkit.Count(t, svc.Meter(), "shop.orders", 3)
		svc.Instruments().CounterVec(port.Desc{Name: "shop.refunds", Keys: []string{"reason"}}).
			Add(2, port.Values{"damaged"})

		require.NoError(t, svc.ForceFlush(t.Context()))
		code, body := testkit.Scrape(t, svc.Handler())
		require.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "shop_orders_total 3")
		assert.Contains(t, body, `shop_refunds_total{reason="damaged"} 2`)
		assert.InDelta(t, 3.0, sumOf(rcv, "shop.orders"), 0)
		assert.InDelta(t, 2.0, sumOf(rcv, "shop.refunds"), 0)
		p := rcv.Points("shop.orders")[0]
		assert.Equal(t, "checkout", p.Resource["service.name"])
		assert.Equal(t, "checkout-1", p.Resource["service.instance.id"])
		assert.NotEmpty(t, p.Resource["service.version"])

		st := svc.Status()
		assert.Equal(t, "prometheus,otlp", st.Backend)
		require.Len(t, st.Backends, 2)
		assert.Equal(t, "prometheus", st.Backends[0].Name)
		assert.Equal(t, "otlp", st.Backends[1].Name)
		assert.False(t, st.Backends[1].LastExport.IsZero())
	})

	t.Run("Should hand the collector deltas that add up to the total while /metrics stays cumulative", func(t *testing.T) {
		rcv := otlptest.NewGRPC(t)
		cfg := pushingTo(rcv)
		cfg.OTLP.Protocol = monitoring.OTLPProtocolGRPC
		cfg.OTLP.Temporality = monitoring.OTLPTemporalityDelta
		svc := newService(t, cfg)
		fast := svc.Instruments().CounterVec(port.Desc{Name: "fast.jobs"}).Bind(port.Values{})
		slow, err := svc.Meter().Int64Counter("sdk.jobs")
		require.NoError(t, err)
		ctx := t.Context()

		recorded := 0
		for round := 1; round <= 4; round++ {
			for range round * 10 {
				fast.Inc()
				slow.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", "x")))
				recorded++
			}
			require.NoError(t, svc.ForceFlush(ctx))
			// A scrape between exports must not disturb the deltas.
			_, body := testkit.Scrape(t, svc.Handler())
			assert.Contains(t, body, "fast_jobs_total "+strconv.Itoa(recorded))
		}
		assert.InDelta(t, float64(recorded), sumOf(rcv, "fast.jobs"), 0)
		assert.InDelta(t, float64(recorded), sumOf(rcv, "sdk.jobs"), 0)
		assert.Len(t, rcv.Points("fast.jobs"), 4, "one delta per export")
	})

	t.Run("Should serve the other backends when one fails to start, and say which", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		logger, logs := testLogger()
		svc := newService(t, pushingTo(rcv),
			monitoring.WithRegistry(refusingRegistry{}), monitoring.WithLogger(logger))
		testkit.Count(t, svc.Meter(), "shop.orders", 1)
		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.InDelta(t, 1.0, sumOf(rcv, "shop.orders"), 0, "otlp records")

		st := svc.Status()
		assert.True(t, st.Enabled)
		assert.False(t, st.Healthy)
		require.Len(t, st.Backends, 2)
		assert.False(t, st.Backends[0].Healthy)
		assert.ErrorIs(t, st.Backends[0].Err, errRefused)
		assert.True(t, st.Backends[1].Healthy)
		code, body := testkit.Scrape(t, svc.Handler())
		assert.Equal(t, http.StatusServiceUnavailable, code, "the failed scrape backend answers 503")
		assert.Contains(t, body, "prometheus")
		assert.Contains(t, logs.String(), "backend=prometheus")
	})

	t.Run("Should keep /metrics at 200 while the prometheus backend is healthy and another failed", func(t *testing.T) {
		logger, _ := testLogger()
		svc := newService(t, enabled("stdout,prometheus"), monitoring.WithWriter(nil), monitoring.WithLogger(logger))
		testkit.Count(t, svc.Meter(), "shop.orders", 1)
		code, body := testkit.Scrape(t, svc.Handler())
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "shop_orders_total 1")
		st := svc.Status()
		assert.False(t, st.Healthy)
		assert.NoError(t, st.Err)
		assert.Equal(t, "stdout", st.Backends[0].Name)
		assert.Error(t, st.Backends[0].Err)
	})

	t.Run("Should start at once and record with the collector unreachable", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		rcv.Close()
		cfg := pushingTo(rcv)
		svc, err := monitoring.NewMonitoringService(t.Context(), cfg, monitoring.WithLogger(discard()))
		require.NoError(t, err)
		testkit.Count(t, svc.Meter(), "shop.orders", 1)
		code, _ := testkit.Scrape(t, svc.Handler())
		assert.Equal(t, http.StatusOK, code)
		require.Error(t, svc.ForceFlush(t.Context()))
		st := svc.Status()
		assert.True(t, st.Healthy, "a collector that is down is not a failed backend")
		assert.Error(t, st.Backends[1].LastError)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = svc.Shutdown(ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "otlp")
	})

	t.Run("Should run noop alone", func(t *testing.T) {
		svc := newService(t, enabled("noop"))
		assert.Equal(t, "noop", svc.Status().Backend)
	})
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
