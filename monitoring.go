package monitoring

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel"

	noopadapter "github.com/compozy/monitoring/adapters/noop"
	promadapter "github.com/compozy/monitoring/adapters/prometheus"
	stdoutadapter "github.com/compozy/monitoring/adapters/stdout"
	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

// NewMonitoringService builds the service the configuration asks for. A nil
// cfg means [DefaultConfig]. An invalid cfg, or a credential file that
// cannot be read, is the only error it returns: a backend that cannot start
// is logged, reported by the service's status, and replaced by the no-op
// backend, so the application runs on without metrics and /metrics answers
// 503 with the reason. With cfg.Auth, the exposition handler asks for the
// credentials; with cfg.ListenAddress, it is also served on a server of its
// own, which the service's Shutdown stops (an address that cannot be
// listened on is logged and reported by the status). It also routes
// OpenTelemetry's own errors to the logger, rate-limited (see
// [WithoutOTelErrorHandler]).
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
	for _, opt := range opts {
		opt(&o)
	}
	if !o.keepOTelErrorHandler {
		otel.SetErrorHandler(newSlogErrorHandler(o.logger, OTelErrorInterval, time.Now))
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
	}
	return service.New(backend, sopts...), nil
}

// newBackend builds the adapter cfg names, with that adapter's own options.
func newBackend(ctx context.Context, cfg *Config, o *options) (port.Monitoring, error) {
	if !cfg.Enabled {
		return noopadapter.New(), nil
	}
	switch cfg.Backend {
	case BackendPrometheus:
		popts := []promadapter.Option{
			promadapter.WithServiceName(cfg.ServiceName),
			promadapter.WithNamespace(cfg.Namespace),
			promadapter.WithCardinalityLimit(cfg.CardinalityLimit),
			promadapter.WithLogger(o.logger),
			promadapter.WithScrapeTimeout(cfg.ScrapeTimeout),
			promadapter.WithMaxConcurrentScrapes(cfg.MaxConcurrentScrapes),
		}
		if o.registry != nil {
			popts = append(popts, promadapter.WithRegistry(o.registry))
		}
		if o.meterName != "" {
			popts = append(popts, promadapter.WithMeterName(o.meterName))
		}
		return promadapter.New(ctx, popts...)
	case BackendStdout:
		sopts := []stdoutadapter.Option{
			stdoutadapter.WithServiceName(cfg.ServiceName),
			stdoutadapter.WithCardinalityLimit(cfg.CardinalityLimit),
			stdoutadapter.WithInterval(cfg.StdoutInterval),
			stdoutadapter.WithLogger(o.logger),
		}
		if o.writerSet {
			sopts = append(sopts, stdoutadapter.WithWriter(o.writer))
		}
		if o.meterName != "" {
			sopts = append(sopts, stdoutadapter.WithMeterName(o.meterName))
		}
		return stdoutadapter.New(ctx, sopts...)
	default:
		return noopadapter.New(), nil
	}
}
