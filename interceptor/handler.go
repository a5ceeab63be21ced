package interceptor

import (
	"go.opentelemetry.io/otel/metric"
	"go.temporal.io/sdk/client"
	otelcontrib "go.temporal.io/sdk/contrib/opentelemetry"

	"github.com/compozy/monitoring/port"
)

// NewMetricsHandler returns a client.MetricsHandler that sends the Temporal
// SDK's own temporal_* metrics (request latency, task slots,
// schedule-to-start latency, sticky cache, ...) to mon. Set it as
// client.Options.MetricsHandler. Counters are monotonic (Prometheus _total)
// and timers are histograms in seconds with second-scale buckets. An
// instrument the backend refuses is logged, never panicked on (the
// contrib handler's default).
func NewMetricsHandler(mon port.Recorder, opts ...Option) client.MetricsHandler {
	cfg := newConfig(opts)
	return otelcontrib.NewMetricsHandler(otelcontrib.MetricsHandlerOptions{
		Meter: describedMeter{mon.MeterProvider().Meter(SDKScopeName)},
		OnError: func(err error) {
			cfg.logger.Error("monitoring: temporal SDK metric unavailable", "error", err)
		},
		UseMonotonicCounters: true,
	})
}

// describedMeter gives the SDK's instruments, created without a
// description, a help text naming them, so the exposition has HELP lines
// (promtool asks for them).
type describedMeter struct{ metric.Meter }

func sdkHelp(name string) string {
	return "Temporal Go SDK metric " + name + ", as described in Temporal's SDK metrics reference."
}

// Int64Counter adds a description to an SDK counter.
func (m describedMeter) Int64Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return m.Meter.Int64Counter(name, append([]metric.Int64CounterOption{metric.WithDescription(sdkHelp(name))}, opts...)...)
}

// Int64UpDownCounter adds a description to an SDK up-down counter.
func (m describedMeter) Int64UpDownCounter(
	name string, opts ...metric.Int64UpDownCounterOption,
) (metric.Int64UpDownCounter, error) {
	return m.Meter.Int64UpDownCounter(name,
		append([]metric.Int64UpDownCounterOption{metric.WithDescription(sdkHelp(name))}, opts...)...)
}

// Float64Gauge adds a description to an SDK gauge.
func (m describedMeter) Float64Gauge(name string, opts ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	return m.Meter.Float64Gauge(name, append([]metric.Float64GaugeOption{metric.WithDescription(sdkHelp(name))}, opts...)...)
}

// Float64Histogram adds a description to an SDK timer.
func (m describedMeter) Float64Histogram(
	name string, opts ...metric.Float64HistogramOption,
) (metric.Float64Histogram, error) {
	return m.Meter.Float64Histogram(name,
		append([]metric.Float64HistogramOption{metric.WithDescription(sdkHelp(name))}, opts...)...)
}
