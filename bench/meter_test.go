package bench_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/interceptor"
	"github.com/compozy/monitoring/service"
)

// The Meter() benchmarks: the OpenTelemetry API through the service's
// Meter() on the fast path (ours_fast, the default), on the SDK path
// (ours_sdk, meter: sdk), the SDK used directly (otel_sdk) and
// client_golang where the issue compares with it.

// meterService returns a Prometheus-backed service without system metrics
// whose Meter() records on path (monitoring.MeterFast or MeterSDK).
func meterService(b *testing.B, path string) *service.MonitoringService {
	b.Helper()
	cfg := prometheusConfig()
	cfg.SystemMetrics, cfg.Meter = false, path
	return newService(b, cfg)
}

// BenchmarkMeterCounter: one add on a counter of the OpenTelemetry API with
// a precomputed attribute set of three keys; client_golang with three
// label values per call.
func BenchmarkMeterCounter(b *testing.B) {
	opts := []metric.AddOption{metric.WithAttributeSet(attrs3("POST", "/users/{id}", "201"))}
	ctx := context.Background()
	for _, path := range []string{monitoring.MeterFast, monitoring.MeterSDK} {
		b.Run("impl=ours_"+path, func(b *testing.B) {
			c, _ := meterService(b, path).Meter().Float64Counter("c")
			b.ReportAllocs()
			for b.Loop() {
				c.Add(ctx, 1, opts...)
			}
		})
	}
	b.Run("impl=otel_sdk", func(b *testing.B) {
		c, _ := otelMeter(b).Float64Counter("c")
		b.ReportAllocs()
		for b.Loop() {
			c.Add(ctx, 1, opts...)
		}
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c", Help: "c"}, keys3)
		b.ReportAllocs()
		for b.Loop() {
			vec.WithLabelValues("POST", "/users/{id}", "201").Inc()
		}
	})
}

// BenchmarkMeterHistogram: one record on a histogram in seconds with a
// precomputed attribute set.
func BenchmarkMeterHistogram(b *testing.B) {
	opts := []metric.RecordOption{metric.WithAttributeSet(attrs3("GET", "/x", "200"))}
	ctx := context.Background()
	for _, path := range []string{monitoring.MeterFast, monitoring.MeterSDK} {
		b.Run("impl=ours_"+path, func(b *testing.B) {
			h, _ := meterService(b, path).Meter().Float64Histogram("h", metric.WithUnit("s"))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				h.Record(ctx, float64(i%1000)/1000, opts...)
			}
		})
	}
	b.Run("impl=otel_sdk", func(b *testing.B) {
		h, _ := otelMeter(b).Float64Histogram("h", metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			h.Record(ctx, float64(i%1000)/1000, opts...)
		}
	})
}

// BenchmarkMeterCounterAttributes: one add with the attributes given per
// call (metric.WithAttributes), the set built each time.
func BenchmarkMeterCounterAttributes(b *testing.B) {
	m, r, s := "GET", "/orders/{id}", "200"
	ctx := context.Background()
	add := func(b *testing.B, c metric.Float64Counter) {
		b.ReportAllocs()
		for b.Loop() {
			c.Add(ctx, 1, metric.WithAttributes(
				attribute.String("method", m), attribute.String("route", r), attribute.String("status", s)))
		}
	}
	for _, path := range []string{monitoring.MeterFast, monitoring.MeterSDK} {
		b.Run("impl=ours_"+path, func(b *testing.B) {
			c, _ := meterService(b, path).Meter().Float64Counter("c")
			add(b, c)
		})
	}
	b.Run("impl=otel_sdk", func(b *testing.B) {
		c, _ := otelMeter(b).Float64Counter("c")
		add(b, c)
	})
}

// BenchmarkMeterCounterParallel: BenchmarkMeterCounter from every P on one
// series; client_golang with its pre-bound counter.
func BenchmarkMeterCounterParallel(b *testing.B) {
	opts := []metric.AddOption{metric.WithAttributeSet(attrs3("GET", "/x", "200"))}
	parallel := func(b *testing.B, c metric.Float64Counter) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				c.Add(ctx, 1, opts...)
			}
		})
	}
	for _, path := range []string{monitoring.MeterFast, monitoring.MeterSDK} {
		b.Run("impl=ours_"+path, func(b *testing.B) {
			c, _ := meterService(b, path).Meter().Float64Counter("c")
			parallel(b, c)
		})
	}
	b.Run("impl=otel_sdk", func(b *testing.B) {
		c, _ := otelMeter(b).Float64Counter("c")
		parallel(b, c)
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c", Help: "c"}, keys3).WithLabelValues("GET", "/x", "200")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
	})
}

// BenchmarkTemporalHandler: the Temporal SDK's hot records through
// interceptor.NewMetricsHandler, as the SDK makes them for each request: the
// handler with the request's tags, then temporal_request counted and
// temporal_request_latency timed, on the fast path and on the SDK path.
func BenchmarkTemporalHandler(b *testing.B) {
	tags := map[string]string{
		"namespace": "default", "operation": "PollWorkflowTaskQueue", "task_queue": "orders", "client_name": "temporal-go",
	}
	for _, path := range []string{monitoring.MeterFast, monitoring.MeterSDK} {
		b.Run("impl=ours_"+path, func(b *testing.B) {
			h := interceptor.NewMetricsHandler(meterService(b, path)).WithTags(tags)
			b.ReportAllocs()
			for b.Loop() {
				h.Counter("temporal_request").Inc(1)
				h.Timer("temporal_request_latency").Record(3 * time.Millisecond)
			}
		})
	}
}

// BenchmarkMeterCounterParallelSeries: BenchmarkMeterCounterParallel on
// eight series in turn, each goroutine from a different one.
func BenchmarkMeterCounterParallelSeries(b *testing.B) {
	var opts [8][]metric.AddOption
	for i := range opts {
		opts[i] = []metric.AddOption{metric.WithAttributeSet(attrs3("GET", "/x", strconv.Itoa(200+i)))}
	}
	parallel := func(b *testing.B, c metric.Float64Counter) {
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ctx, i := context.Background(), int(next.Add(3))
			for pb.Next() {
				c.Add(ctx, 1, opts[i%len(opts)]...)
				i++
			}
		})
	}
	for _, path := range []string{monitoring.MeterFast, monitoring.MeterSDK} {
		b.Run("impl=ours_"+path, func(b *testing.B) {
			c, _ := meterService(b, path).Meter().Float64Counter("c")
			parallel(b, c)
		})
	}
	b.Run("impl=client_golang", func(b *testing.B) {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c", Help: "c"}, keys3)
		var cs [8]prometheus.Counter
		for i := range cs {
			cs[i] = vec.WithLabelValues("GET", "/x", strconv.Itoa(200+i))
		}
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(3))
			for pb.Next() {
				cs[i%len(cs)].Inc()
				i++
			}
		})
	})
}
