package monitoring_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/otlptest"
)

func TestViewsApplyToOTLP(t *testing.T) {
	t.Run("Should hand the collector go.goroutines, the Prometheus backend's rename, beside prometheus", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		svc := newService(t, pushingTo(rcv))
		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.NotEmpty(t, rcv.Points("go.goroutines"))
		assert.Empty(t, rcv.Points("go.goroutine.count"))
	})
	t.Run("Should hand the collector no goroutine count when a shared registry's Go collector serves it", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector())
		svc := newService(t, pushingTo(rcv), monitoring.WithRegistry(reg))
		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.NotEmpty(t, rcv.Points("go.memory.used"), "the other runtime metrics still go")
		assert.Empty(t, rcv.Points("go.goroutines"))
		assert.Empty(t, rcv.Points("go.goroutine.count"))
	})
	t.Run("Should keep the OpenTelemetry name with otlp alone", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		cfg := pushingTo(rcv)
		cfg.Backend = "otlp"
		svc := newService(t, cfg)
		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.NotEmpty(t, rcv.Points("go.goroutine.count"))
		assert.Empty(t, rcv.Points("go.goroutines"))
	})
}
