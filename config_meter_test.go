package monitoring_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring"
)

// meterPath builds a service from cfg and opts and says on which path its
// Meter()'s counters record: the fast aggregation or the SDK.
func meterPath(t *testing.T, cfg monitoring.Config, opts ...monitoring.Option) string {
	t.Helper()
	svc, err := monitoring.NewMonitoringService(context.Background(), &cfg,
		append([]monitoring.Option{monitoring.WithoutOTelErrorHandler(), monitoring.WithRegistry(nil)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Shutdown(context.Background()) })
	c, err := svc.Meter().Int64Counter("path.probe")
	require.NoError(t, err)
	h, err := svc.MeterProvider().Meter("other").Float64Histogram("path.probe.seconds", metric.WithUnit("s"))
	require.NoError(t, err)
	got, other := fmt.Sprintf("%T", c), fmt.Sprintf("%T", h)
	switch {
	case got == "*fast.int64Counter" && other == "*fast.float64Histogram":
		return monitoring.MeterFast
	case got == "*metric.int64Inst" && other == "*metric.float64Inst":
		return monitoring.MeterSDK
	default:
		return got + " " + other
	}
}

func TestMeterSwitch(t *testing.T) {
	enabled := func() monitoring.Config {
		cfg := monitoring.DefaultConfig()
		cfg.Enabled = true
		return cfg
	}
	t.Run("Should record Meter() on the fast path by default", func(t *testing.T) {
		assert.Equal(t, monitoring.MeterFast, meterPath(t, enabled()))
	})
	t.Run("Should record Meter() with the SDK when the config says sdk", func(t *testing.T) {
		cfg := enabled()
		cfg.Meter = monitoring.MeterSDK
		assert.Equal(t, monitoring.MeterSDK, meterPath(t, cfg))
	})
	t.Run("Should record Meter() with the SDK with WithSDKMeter, whatever the config", func(t *testing.T) {
		cfg := enabled()
		cfg.Meter = monitoring.MeterFast
		assert.Equal(t, monitoring.MeterSDK, meterPath(t, cfg, monitoring.WithSDKMeter()))
	})
	t.Run("Should read meter from YAML and MONITORING_METER, the environment winning", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig([]byte("meter: sdk\n"))
		require.NoError(t, err)
		assert.Equal(t, monitoring.MeterSDK, cfg.Meter)
		t.Setenv("MONITORING_METER", "fast")
		cfg, err = monitoring.ParseConfig([]byte("meter: sdk\n"))
		require.NoError(t, err)
		assert.Equal(t, monitoring.MeterFast, cfg.Meter)
	})
	t.Run("Should refuse another path, naming the key, the variable and the values allowed", func(t *testing.T) {
		t.Setenv("MONITORING_METER", "turbo")
		_, err := monitoring.LoadConfig("")
		require.Error(t, err)
		assert.Contains(t, err.Error(), `meter (MONITORING_METER) is "turbo": must be "fast" (the default) or "sdk"`)
	})
}
