package bench_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/otlptest"
	"github.com/compozy/monitoring/port"
)

// exportSeries is the number of series each export carries.
const exportSeries = 10_000

// otlpService is the otlp backend of the root package exporting to url,
// only when flushed, uncapped and without the system metrics.
func otlpService(b *testing.B, url string) interface {
	Meter() metric.Meter
	Instruments() port.Instruments
	ForceFlush(ctx context.Context) error
} {
	b.Helper()
	cfg := monitoring.DefaultConfig()
	cfg.Enabled, cfg.Backend, cfg.CardinalityLimit, cfg.SystemMetrics = true, monitoring.BackendOTLP, 0, false
	cfg.OTLP.Endpoint, cfg.OTLP.Interval = url, time.Hour
	return newService(b, &cfg)
}

// flushLoop exports everything once per iteration.
func flushLoop(b *testing.B, flush func(context.Context) error) {
	b.Helper()
	ctx := context.Background()
	if err := flush(ctx); err != nil { // warm: the connection is open
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOTLPExport: one collection and OTLP/HTTP export of 10,000
// counter series to an in-process receiver that reads and drops them, from
// our fast path, from our SDK path (the meter of the service), and from the
// OpenTelemetry SDK used directly with the same exporter.
func BenchmarkOTLPExport(b *testing.B) {
	rcv := otlptest.NewHTTP(b)
	rcv.SetMode(otlptest.Discard)

	b.Run("impl=ours_fast", func(b *testing.B) {
		svc := otlpService(b, rcv.URL)
		vec := svc.Instruments().CounterVec(port.Desc{Name: "requests", Keys: []string{"series"}})
		for i := range exportSeries {
			vec.Add(1, port.Values{strconv.Itoa(i)})
		}
		flushLoop(b, svc.ForceFlush)
	})
	b.Run("impl=ours_sdk", func(b *testing.B) {
		svc := otlpService(b, rcv.URL)
		c, err := svc.Meter().Float64Counter("requests")
		if err != nil {
			b.Fatal(err)
		}
		for i := range exportSeries {
			c.Add(context.Background(), 1, metric.WithAttributes(attribute.String("series", strconv.Itoa(i))))
		}
		flushLoop(b, svc.ForceFlush)
	})
	b.Run("impl=otel_sdk", func(b *testing.B) {
		exp, err := otlpmetrichttp.New(context.Background(), otlpmetrichttp.WithEndpointURL(rcv.URL))
		if err != nil {
			b.Fatal(err)
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithCardinalityLimit(0),
			sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))))
		b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		c, err := mp.Meter("bench").Float64Counter("requests")
		if err != nil {
			b.Fatal(err)
		}
		for i := range exportSeries {
			c.Add(context.Background(), 1, metric.WithAttributes(attribute.String("series", strconv.Itoa(i))))
		}
		flushLoop(b, mp.ForceFlush)
	})
}
