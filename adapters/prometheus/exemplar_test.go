package prometheus_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/port"
)

const openMetricsAccept = "application/openmetrics-text; version=1.0.0; charset=utf-8"

// sampled returns a context carrying a sampled remote span context, as a
// W3C traceparent propagator leaves it.
func sampled(traceHex, spanHex string, flags trace.TraceFlags) context.Context {
	tid, _ := trace.TraceIDFromHex(traceHex)
	sid, _ := trace.SpanIDFromHex(spanHex)
	return trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags}))
}

const (
	traceA = "0af7651916cd43dd8448eb211c80319c"
	spanA  = "b7ad6b7169203331"
	traceB = "4bf92f3577b34da6a3ce929d0e0e4736"
	spanB  = "00f067aa0ba902b7"
)

// exemplarOf matches the exemplar of trace and span with value, its labels
// in either order (the exporter writes them from a map).
func exemplarOf(traceHex, spanHex, value string) string {
	return `# \{(span_id="` + spanHex + `",trace_id="` + traceHex + `"|trace_id="` + traceHex + `",span_id="` +
		spanHex + `")\} ` + value + ` \d+\.\d+(e\+\d+)?$`
}

func TestExemplarExposition(t *testing.T) {
	t.Run("Should show the fast histogram's exemplar after its bucket line in OpenMetrics, valid for Prometheus' parser", func(t *testing.T) {
		a := newAdapter(t)
		h := a.Instruments().HistogramVec(port.Desc{Name: "http.server.request.duration", Unit: "s",
			Keys: []string{"http.route"}, Buckets: []float64{0.1, 0.5, 1}})
		h.RecordContext(sampled(traceA, spanA, trace.FlagsSampled), 0.3, port.Values{"/orders/book"})
		h.RecordContext(sampled(traceB, spanB, trace.FlagsSampled), 2, port.Values{"/orders/book"})

		status, contentType, body := scrape(t, a.Handler(), openMetricsAccept)
		require.Equal(t, 200, status)
		assert.Contains(t, contentType, "application/openmetrics-text")
		assert.Regexp(t,
			`(?m)^http_server_request_duration_seconds_bucket\{http_route="/orders/book",le="0\.5"\} 1 `+
				exemplarOf(traceA, spanA, `0\.3`), body)
		assert.Regexp(t,
			`(?m)^http_server_request_duration_seconds_bucket\{http_route="/orders/book",le="\+Inf"\} 2 `+
				exemplarOf(traceB, spanB, `2\.0`), body)
		assert.NotRegexp(t, `le="0\.1"\} 0 #`, body, "a bucket without a record in a sampled span has no exemplar")
		out, ok := promtool.CheckOpenMetrics(t, []byte(body))
		assert.True(t, ok, "%s\n%s", out, body)
	})

	t.Run("Should show the exemplars of Meter()'s histograms, on the fast path by default, in OpenMetrics", func(t *testing.T) {
		a := newAdapter(t)
		h, err := a.Meter().Float64Histogram("job.duration", metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(0.1, 0.5, 1))
		require.NoError(t, err)
		assert.Equal(t, "*fast.float64Histogram", fmt.Sprintf("%T", h), "Meter() records on the fast path")
		h.Record(sampled(traceA, spanA, trace.FlagsSampled), 0.3)
		sizes, err := a.Meter().Int64Histogram("job.size", metric.WithUnit("By"),
			metric.WithExplicitBucketBoundaries(100, 1000))
		require.NoError(t, err)
		sizes.Record(sampled(traceB, spanB, trace.FlagsSampled), 512)

		_, _, body := scrape(t, a.Handler(), openMetricsAccept)
		assert.Regexp(t, `(?m)^job_duration_seconds_bucket\{le="0\.5"\} 1 `+exemplarOf(traceA, spanA, `0\.3`), body)
		assert.Regexp(t, `(?m)^job_size_bytes_bucket\{le="1000(\.0)?"\} 1 `+exemplarOf(traceB, spanB, `512(\.0)?`), body)
		out, ok := promtool.CheckOpenMetrics(t, []byte(body))
		assert.True(t, ok, "%s\n%s", out, body)
	})

	t.Run("Should keep exemplars out of the plain text format, which still passes promtool check metrics", func(t *testing.T) {
		a := newAdapter(t)
		h := a.Instruments().HistogramVec(port.Desc{Name: "http.server.request.duration", Unit: "s"})
		h.RecordContext(sampled(traceA, spanA, trace.FlagsSampled), 0.3, port.Values{})
		sdk, err := a.Meter().Float64Histogram("job.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		sdk.Record(sampled(traceA, spanA, trace.FlagsSampled), 0.3)

		_, contentType, body := scrape(t, a.Handler(), "text/plain")
		assert.Contains(t, contentType, "text/plain")
		assert.Contains(t, body, "http_server_request_duration_seconds_count 1")
		assert.NotContains(t, body, traceA)
		assert.NotContains(t, body, "# {")
		out, ok := promtool.CheckMetrics(t, []byte(body))
		assert.True(t, ok, out)
	})

	t.Run("Should show no exemplar for a span that is not sampled", func(t *testing.T) {
		a := newAdapter(t)
		h := a.Instruments().HistogramVec(port.Desc{Name: "http.server.request.duration", Unit: "s"})
		h.RecordContext(sampled(traceA, spanA, 0), 0.3, port.Values{})
		sdk, err := a.Meter().Float64Histogram("job.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		sdk.Record(sampled(traceA, spanA, 0), 0.3)

		_, _, body := scrape(t, a.Handler(), openMetricsAccept)
		assert.Contains(t, body, "http_server_request_duration_seconds_count 1")
		assert.NotContains(t, body, traceA)
	})
}
