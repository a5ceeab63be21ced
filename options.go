package monitoring

import (
	"io"
	"log/slog"
	"time"

	promadapter "github.com/compozy/monitoring/adapters/prometheus"
)

// Registry is what [WithRegistry] accepts: a prometheus.Registerer that is
// also a prometheus.Gatherer, such as *prometheus.Registry.
type Registry = promadapter.Registry

type options struct {
	logger    *slog.Logger
	registry  Registry
	writer    io.Writer
	writerSet bool
	meterName string
	version   string
	commit    string
	// otlpErrorInterval, when positive, is how often the otlp backend logs
	// an export that keeps failing.
	otlpErrorInterval time.Duration
	// otlp holds the headers and TLS settings read from their files.
	otlp otlpSecrets
	// keepOTelErrorHandler leaves OpenTelemetry's global error handler alone.
	keepOTelErrorHandler bool
	// sdkMeter records Meter()'s instruments with the SDK, whatever the config.
	sdkMeter bool
}

// Option configures [NewMonitoringService].
type Option func(*options)

// WithLogger sets where monitoring logs, including a backend's failure to
// start; the default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithRegistry makes the Prometheus backend register into r and serve what r
// gathers, so metrics already registered there share the same endpoint. To
// join client_golang's global registry, pass
// prometheus.DefaultRegisterer.(*prometheus.Registry), which is what it holds
// unless the application replaced it.
//
// One registry serves one service: two services registered into the same
// registry would expose the same families twice.
func WithRegistry(r Registry) Option {
	return func(o *options) { o.registry = r }
}

// WithWriter sets where the stdout backend writes; the default is os.Stdout.
func WithWriter(w io.Writer) Option {
	return func(o *options) { o.writer, o.writerSet = w, true }
}

// WithMeterName sets the instrumentation scope of the service's meter.
func WithMeterName(name string) Option {
	return func(o *options) { o.meterName = name }
}

// WithBuildInfo sets the version and the commit that build_info reports,
// typically the values -ldflags stamped into the binary. Empty values fall
// back to what the binary knows of itself.
func WithBuildInfo(version, commit string) Option {
	return func(o *options) { o.version, o.commit = version, commit }
}

// WithoutOTelErrorHandler leaves OpenTelemetry's global error handler as it
// is. By default NewMonitoringService installs one that sends OpenTelemetry's
// own errors (a failed export, a failed collection) to the logger, at most
// once per [OTelErrorInterval] for the same message.
func WithoutOTelErrorHandler() Option {
	return func(o *options) { o.keepOTelErrorHandler = true }
}

// WithExportErrorInterval sets how often a push backend (otlp) whose
// exports keep failing is logged at most; the default is a minute. Every
// failure is still counted in monitoring.export.failures, and the recovery
// always logged.
func WithExportErrorInterval(d time.Duration) Option {
	return func(o *options) { o.otlpErrorInterval = d }
}

// WithSDKMeter makes Meter() and MeterProvider() record every instrument
// with the OpenTelemetry SDK itself, as the config's meter: sdk does,
// instead of recording synchronous instruments on the fast path: for a
// feature only the SDK has (see docs/instruments.md).
func WithSDKMeter() Option {
	return func(o *options) { o.sdkMeter = true }
}
