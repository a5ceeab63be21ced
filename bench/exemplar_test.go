package bench_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/port"
)

// spanContext returns parent with a span context, sampled or not, as
// otelhttp or a propagator leaves it in a request's context.
func spanContext(parent context.Context, sampled bool) context.Context {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	cfg := trace.SpanContextConfig{TraceID: tid, SpanID: sid}
	if sampled {
		cfg.TraceFlags = trace.FlagsSampled
	}
	return trace.ContextWithSpanContext(parent, trace.NewSpanContext(cfg))
}

// serverContext is a request's context as net/http's server builds it: the
// server and the local address as values, a cancel for the connection and
// one for the request. Looking for a span in it walks what it walks in
// production, where a bare context.Background() would answer at once.
func serverContext(b *testing.B) context.Context {
	b.Helper()
	ctx := context.WithValue(context.Background(), http.ServerContextKey, &http.Server{ReadHeaderTimeout: time.Second})
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080})
	ctx, cancelConn := context.WithCancel(ctx)
	ctx, cancelReq := context.WithCancel(ctx)
	b.Cleanup(func() { cancelReq(); cancelConn() })
	return ctx
}

func runWith(ctx context.Context, b *testing.B, h http.Handler) {
	b.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/orders/42", nil)
	if err != nil {
		b.Fatal(err)
	}
	w := newDiscardWriter()
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
}

// BenchmarkHTTPMiddlewareExemplar measures the net/http middleware on a
// request context shaped as the server's: with exemplars off (the record
// path without any span lookup), with exemplars on and no span, with an
// unsampled span, and with a sampled span (an exemplar kept on every
// request), beside the bare mux.
func BenchmarkHTTPMiddlewareExemplar(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "order") })
	off := prometheusConfig()
	off.Exemplars = monitoring.ExemplarsOff
	withOff := middleware.HTTP(newService(b, off))(mux)
	withOn := middleware.HTTP(newService(b, prometheusConfig()))(mux)
	base := serverContext(b)
	for _, v := range []struct {
		name string
		h    http.Handler
		ctx  context.Context
	}{
		{"bare", mux, base},
		{"exemplars_off", withOff, base},
		{"no_span", withOn, base},
		{"unsampled_span", withOn, spanContext(base, false)},
		{"sampled_span", withOn, spanContext(base, true)},
	} {
		b.Run("impl="+v.name, func(b *testing.B) { runWith(v.ctx, b, v.h) })
	}
}

// BenchmarkHistogramExemplar: one record with an exemplar on a histogram
// bound to three attribute values once, the values spread over the
// buckets. client_golang's ObserveWithExemplar gets its labels built once,
// its fastest use (a service builds them from each request's span).
func BenchmarkHistogramExemplar(b *testing.B) {
	buckets := []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
	sampled := spanContext(context.Background(), true)
	b.Run("impl=ours", func(b *testing.B) {
		h := ours(b).HistogramVec(port.Desc{Name: "h", Unit: "s", Keys: keys3, Buckets: buckets}).
			Bind(port.Values{"GET", "/x", "200"})
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			h.RecordContext(sampled, float64(i%1000)/1000)
		}
	})
	// The same record without an exemplar: no span in a server-shaped
	// context, and Record, which looks for none. ours minus ours_no_span is
	// what a sampled span adds to a request.
	for name, ctx := range map[string]context.Context{"ours_no_span": serverContext(b), "ours_record": nil} {
		b.Run("impl="+name, func(b *testing.B) {
			h := ours(b).HistogramVec(port.Desc{Name: "h", Unit: "s", Keys: keys3, Buckets: buckets}).
				Bind(port.Values{"GET", "/x", "200"})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if ctx == nil {
					h.Record(float64(i%1000) / 1000)
				} else {
					h.RecordContext(ctx, float64(i%1000)/1000)
				}
			}
		})
	}
	b.Run("impl=client_golang", func(b *testing.B) {
		vec := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "h", Help: "h", Buckets: buckets}, keys3)
		h := vec.WithLabelValues("GET", "/x", "200").(prometheus.ExemplarObserver)
		sc := trace.SpanContextFromContext(sampled)
		labels := prometheus.Labels{"trace_id": sc.TraceID().String(), "span_id": sc.SpanID().String()}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			h.ObserveWithExemplar(float64(i%1000)/1000, labels)
		}
	})
	b.Run("impl=otel_sdk", func(b *testing.B) {
		h, _ := otelMeter(b).Float64Histogram("h", metric.WithExplicitBucketBoundaries(buckets...))
		opts := []metric.RecordOption{metric.WithAttributeSet(attrs3("GET", "/x", "200"))}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			h.Record(sampled, float64(i%1000)/1000, opts...)
		}
	})
}

// BenchmarkHistogramRecordSince: the middleware's duration record, the
// only part of a request that a sampled span changes: RecordSince on a
// bound seconds histogram, from a server-shaped context without a span and
// with a sampled one (the difference is what a sampled span adds to a
// request), and, as the middleware recorded before RecordSince, the
// elapsed time read first and recorded with RecordContext, which reads the
// clock again for the exemplar.
func BenchmarkHistogramRecordSince(b *testing.B) {
	server := serverContext(b)
	sampled := spanContext(server, true)
	for _, v := range []struct {
		name   string
		ctx    context.Context
		record func(h port.Histogram, ctx context.Context, start time.Time)
	}{
		{"no_span", server, port.Histogram.RecordSince},
		{"sampled_span", sampled, port.Histogram.RecordSince},
		{"record_context_sampled_span", sampled, func(h port.Histogram, ctx context.Context, start time.Time) {
			h.RecordContext(ctx, time.Since(start).Seconds())
		}},
	} {
		b.Run("impl="+v.name, func(b *testing.B) {
			h := ours(b).HistogramVec(port.Desc{Name: "h", Unit: "s", Keys: keys3}).Bind(port.Values{"GET", "/x", "200"})
			start := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				v.record(h, v.ctx, start)
			}
		})
	}
}

// BenchmarkMeterHistogramExemplar: one record on a Meter() histogram in
// seconds with a precomputed attribute set, by the record's context: none
// (context.Background()), a server-shaped request context without a span,
// an unsampled span, a sampled one (an exemplar kept on every record). On
// the fast path (ours_fast), the same with exemplars: off (ours_fast_off:
// no span lookup), the SDK path (ours_sdk) and the SDK used directly.
func BenchmarkMeterHistogramExemplar(b *testing.B) {
	opts := []metric.RecordOption{metric.WithAttributeSet(attrs3("GET", "/x", "200"))}
	contexts := []struct {
		name string
		ctx  func(*testing.B) context.Context
	}{
		{"none", func(*testing.B) context.Context { return context.Background() }},
		{"server", serverContext},
		{"unsampled", func(b *testing.B) context.Context { return spanContext(serverContext(b), false) }},
		{"sampled", func(b *testing.B) context.Context { return spanContext(serverContext(b), true) }},
	}
	impls := []struct {
		name, meter, exemplars string
	}{
		{"ours_fast", monitoring.MeterFast, monitoring.ExemplarsTraceBased},
		{"ours_fast_off", monitoring.MeterFast, monitoring.ExemplarsOff},
		{"ours_sdk", monitoring.MeterSDK, monitoring.ExemplarsTraceBased},
	}
	for _, c := range contexts {
		b.Run("ctx="+c.name, func(b *testing.B) {
			for _, impl := range impls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					cfg := prometheusConfig()
					cfg.SystemMetrics, cfg.Meter, cfg.Exemplars = false, impl.meter, impl.exemplars
					h, _ := newService(b, cfg).Meter().Float64Histogram("h", metric.WithUnit("s"))
					ctx := c.ctx(b)
					b.ReportAllocs()
					for i := 0; b.Loop(); i++ {
						h.Record(ctx, float64(i%1000)/1000, opts...)
					}
				})
			}
			b.Run("impl=otel_sdk", func(b *testing.B) {
				h, _ := otelMeter(b).Float64Histogram("h", metric.WithUnit("s"),
					metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10))
				ctx := c.ctx(b)
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					h.Record(ctx, float64(i%1000)/1000, opts...)
				}
			})
		})
	}
}
