package bench_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/compozy/monitoring"
)

// counterImpls are the counters BenchmarkCounterAdd compares in one run: the
// OpenTelemetry SDK used directly (the baseline), our service over the
// Prometheus backend, and the disabled service (no-op backend).
func counterImpls(b *testing.B) map[string]metric.Int64Counter {
	b.Helper()
	ctx := context.Background()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(ctx) })
	direct, err := mp.Meter("bench").Int64Counter("bench.count")
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]metric.Int64Counter{"otel_sdk": direct}
	for name, enabled := range map[string]bool{"ours_prometheus": true, "ours_noop": false} {
		cfg := monitoring.DefaultConfig()
		cfg.Enabled = enabled
		svc, err := monitoring.NewMonitoringService(ctx, &cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = svc.Shutdown(ctx) })
		c, _ := svc.Meter().Int64Counter("bench.count")
		out[name] = c
	}
	return out
}

// BenchmarkCounterAdd shows that the service adds nothing to the recording
// path: its instruments are the backend's own.
func BenchmarkCounterAdd(b *testing.B) {
	attrs := metric.WithAttributeSet(attribute.NewSet(
		attribute.String("method", "GET"), attribute.String("route", "/orders/{item}"), attribute.Int("status", 200)))
	ctx := context.Background()
	for name, c := range counterImpls(b) {
		b.Run("impl="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Add(ctx, 1, attrs)
			}
		})
	}
}
