package prometheus

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"

	"github.com/compozy/monitoring/adapters/internal/sdk"
	"github.com/compozy/monitoring/port"
)

// Name is the backend name this adapter reports in its status.
const Name = "prometheus"

// Adapter is the Prometheus backend. It implements [port.Monitoring].
type Adapter struct {
	*sdk.Backend
}

var _ port.Monitoring = (*Adapter)(nil)

// New builds the backend. It fails when the registry refuses the exporter's
// collector or an option cannot be used; nothing is left running then.
func New(ctx context.Context, opts ...Option) (*Adapter, error) {
	cfg := config{sdk: sdk.DefaultSettings(), logger: slog.Default()}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.registry == nil {
		cfg.registry = prometheus.NewRegistry()
	}

	res, err := sdk.Resource(ctx, cfg.sdk)
	if err != nil {
		return nil, fmt.Errorf("%s backend: %w", Name, err)
	}
	exporterOpts := []otelprom.Option{
		otelprom.WithRegisterer(cfg.registry),
		otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes),
		otelprom.WithNamespace(cfg.namespace),
	}
	if !cfg.scopeLabels {
		exporterOpts = append(exporterOpts, otelprom.WithoutScopeInfo())
	}
	exporter, err := otelprom.New(exporterOpts...)
	if err != nil {
		return nil, fmt.Errorf("%s backend: creating the exporter: %w", Name, err)
	}

	handler := promhttp.HandlerFor(cfg.registry, promhttp.HandlerOpts{
		ErrorLog: slogPrinter{cfg.logger},
		// Serve every family that gathered cleanly rather than a bare 500.
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
	return &Adapter{Backend: sdk.NewBackend(Name, cfg.sdk, res, exporter, handler)}, nil
}

// slogPrinter lets promhttp log through slog.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	p.l.Error("prometheus: serving metrics", "error", fmt.Sprint(v...))
}
