package monitoring

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/compozy/monitoring/adapters/compose"
	noopadapter "github.com/compozy/monitoring/adapters/noop"
	otlpadapter "github.com/compozy/monitoring/adapters/otlp"
	promadapter "github.com/compozy/monitoring/adapters/prometheus"
	stdoutadapter "github.com/compozy/monitoring/adapters/stdout"
	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

// NewMonitoringService builds the service the configuration asks for. A nil
// cfg means [DefaultConfig]. An invalid cfg, or a credential or TLS file
// that cannot be read, is the only error it returns: a backend that cannot start
// is logged, reported by the service's status, and replaced by the no-op
// backend, so the application runs on without metrics and /metrics answers
// 503 with the reason. With cfg.Auth, the exposition handler asks for the
// credentials; with cfg.ListenAddress, it is also served on a server of its
// own, which the service's Shutdown stops (an address that cannot be
// listened on is logged and reported by the status); without it, mount the
// handler on the application's router with the service's MountMetrics (or
// MetricsRoute, for Gin), which does nothing when ListenAddress is set. It also routes
// OpenTelemetry's own errors to the logger, rate-limited (see
// [WithoutOTelErrorHandler]). A cfg that leaves Enabled false but gives
// other settings is logged at WARN with [Config.IgnoredSettings], and the
// status's Reason says so; such a cfg starts no metrics server on
// ListenAddress (MountMetrics still mounts nothing), while its Auth still
// guards the exposition handler, which then answers why nothing is recorded.
func NewMonitoringService(ctx context.Context, cfg *Config, opts ...Option) (*service.MonitoringService, error) {
	if cfg == nil {
		d := DefaultConfig()
		cfg = &d
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	creds, err := cfg.credentials()
	if err != nil {
		return nil, err
	}
	o := options{logger: slog.Default()}
	if cfg.Enabled && cfg.usesOTLP() {
		if o.otlp, err = cfg.otlpSecrets(); err != nil {
			return nil, err
		}
	}
	for _, opt := range opts {
		opt(&o)
	}
	if !o.keepOTelErrorHandler {
		otel.SetErrorHandler(newSlogErrorHandler(o.logger, OTelErrorInterval, time.Now))
	}
	if ignored := cfg.IgnoredSettings(); len(ignored) > 0 {
		o.logger.WarnContext(ctx, "monitoring: disabled by configuration (enabled: false): nothing is recorded, and these settings take no effect; "+
			"set enabled: true (MONITORING_ENABLED=true) to record", "settings", strings.Join(ignored, ", "))
	}
	backend, err := newBackend(ctx, cfg, &o)
	if err != nil {
		o.logger.ErrorContext(ctx, "monitoring: backend failed to start, recording nothing",
			"backend", cfg.Backend, "error", err)
		backend = noopadapter.New(noopadapter.WithStartError(err))
	}
	sopts := []service.Option{
		service.WithLogger(o.logger),
		service.WithSystemMetrics(cfg.SystemMetrics),
		service.WithBuildInfo(o.version, o.commit),
		service.WithMetricsPath(cfg.Path),
	}
	switch cfg.Auth {
	case AuthBearer:
		sopts = append(sopts, service.WithBearerToken(creds.token))
	case AuthBasic:
		sopts = append(sopts, service.WithBasicAuth(creds.username, creds.password))
	}
	if cfg.ListenAddress != "" {
		sopts = append(sopts, service.WithMetricsServer(cfg.ListenAddress, cfg.Path),
			service.WithServerWriteTimeout(cfg.ServerWriteTimeout))
		if !cfg.Enabled {
			// Disabled: nothing to serve, so nothing listens; the
			// application's port still never serves the endpoint.
			sopts = append(sopts, service.WithMetricsServerIdle())
		}
	}
	return service.New(backend, sopts...), nil
}

// newBackend builds the backends cfg names on one MeterProvider: each
// contributes its part from [backendTable], the fast-path registry is a
// producer on every reader. A backend that fails to start degrades only
// itself, reported by the status; when none starts, the error is returned
// and the caller serves the no-op backend.
func newBackend(ctx context.Context, cfg *Config, o *options) (port.Monitoring, error) {
	names := cfg.Backends()
	switch {
	case !cfg.Enabled:
		reason := disabledReason
		if ignored := cfg.IgnoredSettings(); len(ignored) > 0 {
			reason += "; settings with no effect: " + strings.Join(ignored, ", ")
		}
		return noopadapter.New(noopadapter.WithReason(reason)), nil
	case len(names) == 1 && names[0] == BackendNoop:
		return noopadapter.New(noopadapter.WithReason("the noop backend chosen by configuration (backend: noop)")), nil
	}
	version, _ := service.BuildInfo(o.version, o.commit)
	settings := compose.DefaultSettings()
	settings.ServiceName = cfg.ServiceName
	settings.ServiceVersion = version
	settings.InstanceID = cfg.ServiceInstanceID
	if settings.InstanceID == "" {
		settings.InstanceID = otlpadapter.NewInstanceID()
	}
	settings.ResourceAttributes = cfg.resourceAttrs
	settings.CardinalityLimit = cfg.CardinalityLimit
	settings.Meter = cfg.Meter
	if o.sdkMeter {
		settings.Meter = compose.MeterSDK
	}
	settings.NoExemplars = cfg.Exemplars == ExemplarsOff
	// Instruments are judged by the names the Prometheus exporter gives them.
	settings.Namespace = cfg.Prometheus.Namespace
	if o.meterName != "" {
		settings.MeterName = o.meterName
	}
	settings.OnError = compose.LogUnavailable(o.logger)
	instruments := compose.NewInstruments(settings)

	table := backendTable()
	parts := make([]compose.Part, 0, len(names))
	var errs []error
	for _, name := range names {
		entry := table[name]
		part, err := entry.part(ctx, cfg, o, instruments)
		if err != nil {
			if len(names) > 1 {
				o.logger.ErrorContext(ctx, "monitoring: backend failed to start, the others record",
					"backend", name, "error", err)
			}
			errs = append(errs, err)
			part = compose.Failed(name, err, entry.serves)
		}
		parts = append(parts, part)
	}
	if len(errs) == len(names) {
		return nil, errors.Join(errs...)
	}
	return compose.New(ctx, settings, instruments, parts)
}

// backendEntry is one backend of the table: how to build its part of the
// shared provider from the configuration, and whether it serves the
// exposition endpoint.
type backendEntry struct {
	serves bool
	part   func(ctx context.Context, cfg *Config, o *options, in *compose.Instruments) (compose.Part, error)
}

// backendTable lists the backends by name: adding one is a new adapter
// package and one entry here.
func backendTable() map[string]backendEntry {
	return map[string]backendEntry{
		BackendPrometheus: {serves: true, part: prometheusPart},
		BackendStdout:     {part: stdoutPart},
		BackendOTLP:       {part: otlpPart},
	}
}

func prometheusPart(ctx context.Context, cfg *Config, o *options, in *compose.Instruments) (compose.Part, error) {
	popts := []promadapter.Option{
		promadapter.WithNamespace(cfg.Prometheus.Namespace),
		promadapter.WithLogger(o.logger),
		promadapter.WithScrapeTimeout(cfg.Prometheus.ScrapeTimeout),
		promadapter.WithMaxConcurrentScrapes(cfg.Prometheus.MaxConcurrentScrapes),
	}
	if o.registry != nil {
		popts = append(popts, promadapter.WithRegistry(o.registry))
	}
	return promadapter.NewPart(ctx, in, popts...) //nolint:wrapcheck // the adapter names itself.
}

func stdoutPart(ctx context.Context, cfg *Config, o *options, in *compose.Instruments) (compose.Part, error) {
	sopts := []stdoutadapter.Option{
		stdoutadapter.WithInterval(cfg.Stdout.Interval),
		stdoutadapter.WithLogger(o.logger),
	}
	if o.writerSet {
		sopts = append(sopts, stdoutadapter.WithWriter(o.writer))
	}
	return stdoutadapter.NewPart(ctx, in, sopts...) //nolint:wrapcheck // the adapter names itself.
}

func otlpPart(ctx context.Context, cfg *Config, o *options, in *compose.Instruments) (compose.Part, error) {
	secrets, oc := o.otlp, cfg.OTLP
	oopts := []otlpadapter.Option{
		otlpadapter.WithProtocol(oc.Protocol),
		otlpadapter.WithEndpoint(cfg.otlpEndpoint()),
		otlpadapter.WithInterval(oc.Interval),
		otlpadapter.WithTimeout(oc.Timeout),
		otlpadapter.WithTemporality(oc.Temporality),
		otlpadapter.WithLogger(o.logger),
	}
	if len(secrets.headers) > 0 {
		oopts = append(oopts, otlpadapter.WithHeaders(secrets.headers))
	}
	if secrets.tls != nil {
		oopts = append(oopts, otlpadapter.WithTLS(secrets.tls))
	}
	if oc.Insecure {
		oopts = append(oopts, otlpadapter.WithInsecure())
	}
	if oc.Compression == OTLPCompressionGzip {
		oopts = append(oopts, otlpadapter.WithGzip())
	}
	if o.otlpErrorInterval > 0 {
		oopts = append(oopts, otlpadapter.WithErrorInterval(o.otlpErrorInterval))
	}
	return otlpadapter.NewPart(ctx, in, oopts...) //nolint:wrapcheck // the adapter names itself.
}
