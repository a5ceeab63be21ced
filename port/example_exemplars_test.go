package port_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/port"
)

// RecordContext records as Record does and, when the context carries a
// sampled span (from otelhttp, otelgin, Temporal's tracing interceptor, or
// your own tracer), keeps it as the bucket's exemplar: a link from the
// latency bucket to that trace.
func ExampleHistogramVec_RecordContext() {
	ctx := context.Background()
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(ctx, &cfg)
	defer func() { _ = mon.Shutdown(ctx) }()
	latency := mon.Instruments().HistogramVec(port.Desc{Name: "job.duration", Unit: "s", Keys: []string{"queue"}})
	bound := latency.Bind(port.Values{"emails"})
	// In a real service the tracing middleware puts the span there.
	ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	}))
	queue, elapsed := "reports", 250*time.Millisecond

	latency.RecordContext(ctx, elapsed.Seconds(), port.Values{queue}) // a HistogramVec
	bound.RecordContext(ctx, elapsed.Seconds())                       // a bound Histogram

	scrape := httptest.NewRequestWithContext(ctx, http.MethodGet, "/metrics", nil)
	scrape.Header.Set("Accept", "application/openmetrics-text") // exemplars show in OpenMetrics only
	rec := httptest.NewRecorder()
	mon.ExporterHandler().ServeHTTP(rec, scrape)
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "job_duration_seconds_bucket") && strings.Contains(line, "trace_id=") {
			_, labels, _ := strings.Cut(line, "{")
			queueLabel, _, _ := strings.Cut(labels, ",")
			fmt.Println(queueLabel, "bucket links to trace 4bf92f3577b34da6a3ce929d0e0e4736:",
				strings.Contains(line, `trace_id="4bf92f3577b34da6a3ce929d0e0e4736"`))
		}
	}
	// Output:
	// queue="emails" bucket links to trace 4bf92f3577b34da6a3ce929d0e0e4736: true
	// queue="reports" bucket links to trace 4bf92f3577b34da6a3ce929d0e0e4736: true
}

// RecordSince records the seconds since start, a latency, and keeps its
// exemplar stamped start plus those seconds: one reading of the clock for
// both, where timing the work and calling RecordContext reads it twice.
func ExampleHistogram_RecordSince() {
	ctx := context.Background()
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(ctx, &cfg)
	defer func() { _ = mon.Shutdown(ctx) }()
	jobLatency := mon.Instruments().HistogramVec(port.Desc{Name: "job.duration", Unit: "s", Keys: []string{"queue"}}).
		Bind(port.Values{"emails"})
	ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	}))

	start := time.Now()
	// ... the job ...
	jobLatency.RecordSince(ctx, start)

	scrape := httptest.NewRequestWithContext(ctx, http.MethodGet, "/metrics", nil)
	scrape.Header.Set("Accept", "application/openmetrics-text")
	rec := httptest.NewRecorder()
	mon.ExporterHandler().ServeHTTP(rec, scrape)
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "job_duration_seconds_count") {
			fmt.Println(line)
		}
		if strings.HasPrefix(line, "job_duration_seconds_bucket") && strings.Contains(line, "trace_id=") {
			fmt.Println("a bucket links to trace 4bf92f3577b34da6a3ce929d0e0e4736:",
				strings.Contains(line, `trace_id="4bf92f3577b34da6a3ce929d0e0e4736"`))
		}
	}
	// Output:
	// a bucket links to trace 4bf92f3577b34da6a3ce929d0e0e4736: true
	// job_duration_seconds_count{queue="emails"} 1
}
