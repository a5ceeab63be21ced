package main

import (
	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// newTracerProvider returns the demo's tracer provider. It follows the
// caller's sampling decision: a request whose W3C traceparent header has
// the sampled flag (-01) gets a sampled span, one without a traceparent
// gets none. It exports nowhere (no span processor): the spans exist for
// their IDs, which the latency histogram keeps as exemplars, so that
//
//	curl -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' 127.0.0.1:8080/orders/book
//	curl -H 'Accept: application/openmetrics-text' 127.0.0.1:8080/metrics
//
// shows trace_id="4bf92f3577b34da6a3ce929d0e0e4736" on the bucket of
// that request's duration. A real service exports its spans to a tracing
// backend, where Grafana follows the exemplar to the trace.
func newTracerProvider() *sdktrace.TracerProvider {
	return sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
}

// tracing is otelgin, as a service traced with OpenTelemetry installs it:
// it starts each request's span from its W3C traceparent header and puts it
// in the request's context, where the monitoring middleware finds it. Its
// own metrics are off: the monitoring middleware records the HTTP metrics.
func tracing(tp trace.TracerProvider) gin.HandlerFunc {
	return otelgin.Middleware("demo",
		otelgin.WithTracerProvider(tp),
		otelgin.WithPropagators(propagation.TraceContext{}),
		otelgin.WithMeterProvider(noop.NewMeterProvider()))
}
