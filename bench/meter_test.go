package bench_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/metric"
)

// BenchmarkMeterCounter: one add on a counter of the OpenTelemetry API with
// a precomputed attribute set of three keys, through the service's Meter()
// (the SDK behind the service's guards and the attribute-key rule) and
// through the SDK used directly.
func BenchmarkMeterCounter(b *testing.B) {
	set := metric.WithAttributeSet(attrs3("POST", "/users/{id}", "201"))
	ctx := context.Background()
	b.Run("impl=ours_meter", func(b *testing.B) {
		cfg := prometheusConfig()
		cfg.SystemMetrics = false
		c, _ := newService(b, cfg).Meter().Float64Counter("c")
		b.ReportAllocs()
		for b.Loop() {
			c.Add(ctx, 1, set)
		}
	})
	b.Run("impl=otel_sdk", func(b *testing.B) {
		c, _ := otelMeter(b).Float64Counter("c")
		b.ReportAllocs()
		for b.Loop() {
			c.Add(ctx, 1, set)
		}
	})
}
