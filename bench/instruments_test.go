package bench_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/compozy/monitoring/port"
)

// Each benchmark runs ours beside the baselines in one process: the
// OpenTelemetry SDK used directly (otel_sdk), client_golang (client_golang),
// and where it applies the no-op backend (noop). Baselines are written the
// way their users write them at their fastest: bound handles, precomputed
// attribute options.

var keys3 = []string{"method", "route", "status"}

// ours returns the fast instruments of a Prometheus-backed service, without
// the system metrics.
func ours(b *testing.B) port.Instruments {
	b.Helper()
	cfg := prometheusConfig()
	cfg.SystemMetrics = false
	return newService(b, cfg).Instruments()
}

// noopInstruments returns the fast instruments of the disabled service.
func noopInstruments(b *testing.B) port.Instruments {
	b.Helper()
	return newService(b, nil).Instruments()
}

func otelMeter(b *testing.B) metric.Meter {
	b.Helper()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return mp.Meter("bench")
}

func attrs3(a, r, s string) attribute.Set {
	return attribute.NewSet(attribute.String("method", a), attribute.String("route", r), attribute.String("status", s))
}

// BenchmarkCounterBound: one add on a counter bound to three attribute
// values once.
func BenchmarkCounterBound(b *testing.B) {
	b.Run("impl=ours", func(b *testing.B) {
		c := ours(b).CounterVec(port.Desc{Name: "c", Keys: keys3}).Bind(port.Values{"GET", "/x", "200"})
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
		}
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c", Help: "c"}, keys3)
		c := vec.WithLabelValues("GET", "/x", "200")
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
		}
	})
	b.Run("impl=otel_sdk", func(b *testing.B) {
		c, _ := otelMeter(b).Float64Counter("c")
		opts := []metric.AddOption{metric.WithAttributeSet(attrs3("GET", "/x", "200"))}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			c.Add(ctx, 1, opts...)
		}
	})
	b.Run("impl=noop", func(b *testing.B) {
		c := noopInstruments(b).CounterVec(port.Desc{Name: "c", Keys: keys3}).Bind(port.Values{"GET", "/x", "200"})
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
		}
	})
}

// BenchmarkCounterValues: one add with three attribute values given per
// call.
func BenchmarkCounterValues(b *testing.B) {
	m, r, s := "GET", "/orders/{id}", "200"
	b.Run("impl=ours", func(b *testing.B) {
		c := ours(b).CounterVec(port.Desc{Name: "c", Keys: keys3})
		b.ReportAllocs()
		for b.Loop() {
			c.Add(1, port.Values{m, r, s})
		}
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c", Help: "c"}, keys3)
		b.ReportAllocs()
		for b.Loop() {
			vec.WithLabelValues(m, r, s).Inc()
		}
	})
	b.Run("impl=otel_sdk", func(b *testing.B) {
		c, _ := otelMeter(b).Float64Counter("c")
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			c.Add(ctx, 1, metric.WithAttributes(
				attribute.String("method", m), attribute.String("route", r), attribute.String("status", s)))
		}
	})
}

// BenchmarkHistogramBound: one record on a histogram bound to three
// attribute values once.
func BenchmarkHistogramBound(b *testing.B) {
	buckets := []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
	b.Run("impl=ours", func(b *testing.B) {
		h := ours(b).HistogramVec(port.Desc{Name: "h", Unit: "s", Keys: keys3, Buckets: buckets}).
			Bind(port.Values{"GET", "/x", "200"})
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			h.Record(float64(i%1000) / 1000)
		}
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		vec := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "h", Help: "h", Buckets: buckets}, keys3)
		h := vec.WithLabelValues("GET", "/x", "200")
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			h.Observe(float64(i%1000) / 1000)
		}
	})
	b.Run("impl=otel_sdk", func(b *testing.B) {
		h, _ := otelMeter(b).Float64Histogram("h", metric.WithExplicitBucketBoundaries(buckets...))
		opts := []metric.RecordOption{metric.WithAttributeSet(attrs3("GET", "/x", "200"))}
		ctx := context.Background()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			h.Record(ctx, float64(i%1000)/1000, opts...)
		}
	})
}

// BenchmarkCounterBoundParallel: BenchmarkCounterBound from every P.
func BenchmarkCounterBoundParallel(b *testing.B) {
	b.Run("impl=ours", func(b *testing.B) {
		c := ours(b).CounterVec(port.Desc{Name: "c", Keys: keys3}).Bind(port.Values{"GET", "/x", "200"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
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
	b.Run("impl=otel_sdk", func(b *testing.B) {
		c, _ := otelMeter(b).Float64Counter("c")
		opts := []metric.AddOption{metric.WithAttributeSet(attrs3("GET", "/x", "200"))}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				c.Add(ctx, 1, opts...)
			}
		})
	})
}

// emptyCounter is the floor: an empty method called through an interface.
type emptyCounter struct{}

//go:noinline
func (emptyCounter) Add(float64) {}

//go:noinline
func (emptyCounter) Inc() {}

// BenchmarkNoop: a record on the disabled service against an empty method
// called through an interface.
func BenchmarkNoop(b *testing.B) {
	b.Run("impl=noop", func(b *testing.B) {
		vec := noopInstruments(b).CounterVec(port.Desc{Name: "c", Keys: keys3})
		c := vec.Bind(port.Values{"GET", "/x", "200"})
		b.ReportAllocs()
		for b.Loop() {
			c.Add(1)
		}
	})
	b.Run("impl=empty_interface_call", func(b *testing.B) {
		var c port.Counter = emptyCounter{}
		b.ReportAllocs()
		for b.Loop() {
			c.Inc()
		}
	})
}

// discard is a ResponseWriter that keeps nothing but its header map.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header       { return d.h }
func (*discard) Write(p []byte) (int, error) { return len(p), nil }
func (*discard) WriteHeader(int)             {}

func scrapeLoop(b *testing.B, h http.Handler) {
	b.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil)
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// BenchmarkScrape renders /metrics with N series of one counter: ours (fast
// instruments on the Prometheus backend) against client_golang's registry.
func BenchmarkScrape(b *testing.B) {
	for _, n := range []int{1, 100, 10_000, 100_000} {
		b.Run(fmt.Sprintf("impl=ours/series=%d", n), func(b *testing.B) {
			cfg := prometheusConfig()
			cfg.SystemMetrics = false
			svc := newService(b, cfg)
			c := svc.Instruments().CounterVec(port.Desc{Name: "requests", Description: "Requests.", Keys: []string{"id"}})
			for i := range n {
				c.Add(1, port.Values{strconv.Itoa(i)})
			}
			scrapeLoop(b, svc.ExporterHandler())
		})
		b.Run(fmt.Sprintf("impl=client_golang/series=%d", n), func(b *testing.B) {
			reg := prometheus.NewRegistry()
			vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "requests_total", Help: "Requests."}, []string{"id"})
			reg.MustRegister(vec)
			for i := range n {
				vec.WithLabelValues(strconv.Itoa(i)).Inc()
			}
			scrapeLoop(b, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		})
	}
}

// BenchmarkSeriesMemory reports the heap one live counter series costs
// (bytes/series), 10,000 series with three attribute values each.
func BenchmarkSeriesMemory(b *testing.B) {
	const n = 10_000
	values := make([][3]string, n)
	for i := range values {
		values[i] = [3]string{"GET", "/route/" + strconv.Itoa(i%100), strconv.Itoa(200 + i/100)}
	}
	measure := func(b *testing.B, create func() func(v [3]string)) {
		b.Helper()
		var total float64
		for b.Loop() {
			add := create()
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for _, v := range values {
				add(v)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			total += float64(after.HeapAlloc-before.HeapAlloc) / n
			runtime.KeepAlive(add)
		}
		b.ReportMetric(total/float64(b.N), "bytes/series")
	}
	b.Run("impl=ours", func(b *testing.B) {
		in := ours(b)
		i := 0
		measure(b, func() func([3]string) {
			i++
			c := in.CounterVec(port.Desc{Name: "c" + strconv.Itoa(i), Keys: keys3})
			return func(v [3]string) { c.Add(1, port.Values{v[0], v[1], v[2]}) }
		})
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		measure(b, func() func([3]string) {
			vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c", Help: "c"}, keys3)
			return func(v [3]string) { vec.WithLabelValues(v[0], v[1], v[2]).Inc() }
		})
	})
	b.Run("impl=otel_sdk", func(b *testing.B) {
		measure(b, func() func([3]string) {
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()),
				sdkmetric.WithCardinalityLimit(0))
			c, _ := mp.Meter("m").Float64Counter("c")
			ctx := context.Background()
			return func(v [3]string) {
				c.Add(ctx, 1, metric.WithAttributes(
					attribute.String("method", v[0]), attribute.String("route", v[1]), attribute.String("status", v[2])))
			}
		})
	})
}
