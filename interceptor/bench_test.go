package interceptor

import (
	"context"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// BenchmarkActivityRecord measures what an activity attempt costs the
// metrics: the start counted and the end recorded, attributes built per
// call as ExecuteActivity builds them, on the OpenTelemetry SDK. The
// without_kind case is the attribute set before activity_kind, for the
// cost of that attribute: `make bench BENCH=ActivityRecord`.
func BenchmarkActivityRecord(b *testing.B) {
	for _, bc := range []struct {
		name string
		kind bool
	}{{"impl=without_kind", false}, {"impl=with_kind", true}} {
		b.Run(bc.name, func(b *testing.B) {
			provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			b.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
			w := &WorkerInterceptor{logger: slog.New(slog.DiscardHandler)}
			w.ins = newInstruments(provider.Meter(ScopeName), newConfig(nil),
				func(context.Context, metric.Int64Observer) error { return nil })
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				base := []attribute.KeyValue{
					attribute.String("activity_type", "charge"),
					attribute.String("task_queue", "orders"),
					attribute.String("namespace", "default"),
				}
				if bc.kind {
					base = []attribute.KeyValue{
						attribute.String("activity_type", "charge"),
						activityKind(true),
						attribute.String("task_queue", "orders"),
						attribute.String("namespace", "default"),
					}
				}
				w.ins.actStarted.Add(ctx, 1, metric.WithAttributes(base...))
				w.recordEnd(context.Background(), w.ins.actEnded, w.ins.actDuration, base, OutcomeCompleted, 0.25)
			}
		})
	}
}
