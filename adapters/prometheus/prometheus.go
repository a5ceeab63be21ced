package prometheus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/compozy/monitoring/adapters/internal/sdk"
	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/internal/identity"
	"github.com/compozy/monitoring/internal/ratelog"
	"github.com/compozy/monitoring/port"
)

// Name is the backend name this adapter reports in its status.
const Name = "prometheus"

// Adapter is the Prometheus backend. It implements [port.Monitoring].
type Adapter struct {
	*sdk.Backend
}

var _ port.Monitoring = (*Adapter)(nil)

// New builds the backend on a MeterProvider of its own. It fails when the
// registry refuses the exporter's collector or an option cannot be used;
// nothing is left running then.
func New(ctx context.Context, opts ...Option) (*Adapter, error) {
	cfg := newConfig(opts)
	res, err := sdk.Resource(ctx, cfg.sdk)
	if err != nil {
		return nil, fmt.Errorf("%s backend: %w", Name, err)
	}
	cfg.sdk.OnError = func(err error) { cfg.logger.Error("monitoring: fast instrument unavailable", "error", err) }
	cfg.sdk.Namespace = cfg.namespace
	instruments := sdk.NewInstruments(cfg.sdk)
	part, err := newPart(cfg, instruments)
	if err != nil {
		return nil, err
	}
	return &Adapter{Backend: sdk.Compose(cfg.sdk, res, instruments, []sdk.Part{part})}, nil
}

// NewPart builds this backend's part of a MeterProvider shared with other
// backends: its reader, which reads instruments as a producer, its views
// and its /metrics handler. Only the options of the exposition apply
// (registry, namespace, scope labels, logger, scrape limits); the
// provider's settings are the caller's.
func NewPart(_ context.Context, instruments *fast.Registry, opts ...Option) (sdk.Part, error) {
	return newPart(newConfig(opts), instruments)
}

func newConfig(opts []Option) config {
	cfg := config{
		sdk: sdk.DefaultSettings(), logger: slog.Default(),
		scrapeTimeout: DefaultScrapeTimeout, maxScrapes: DefaultMaxScrapes,
		errorInterval: DefaultErrorInterval,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.registry == nil {
		cfg.registry = prometheus.NewRegistry()
	}
	return cfg
}

func newPart(cfg config, instruments *fast.Registry) (sdk.Part, error) {
	// The handler first: it registers promhttp_metric_handler_errors_total,
	// and a registry that refuses it must fail the start before the
	// exporter's collector is in.
	handler, err := newHandler(cfg)
	if err != nil {
		return sdk.Part{}, fmt.Errorf("%s backend: %w", Name, err)
	}
	// What the exporter and the handler add themselves is nobody else's.
	instruments.Identities().Reserve("target_info", "the exporter's target_info")
	instruments.Identities().Reserve("promhttp_metric_handler_errors_total", "the scrape handler's error counter")
	exporterOpts := []otelprom.Option{
		otelprom.WithRegisterer(cfg.registry),
		otelprom.WithProducer(instruments.ForReader(nil)),
		otelprom.WithTranslationStrategy(identity.Strategy()),
		otelprom.WithNamespace(cfg.namespace),
	}
	if !cfg.scopeLabels {
		exporterOpts = append(exporterOpts, otelprom.WithoutScopeInfo())
	}
	exporter, err := otelprom.New(exporterOpts...)
	if err != nil {
		return sdk.Part{}, fmt.Errorf("%s backend: creating the exporter: %w", Name, err)
	}
	return sdk.Part{Name: Name, Reader: exporter, Views: []sdkmetric.View{goroutinesView(cfg.registry, cfg.namespace)}, Handler: handler}, nil
}

// goroutinesView exposes the runtime's go.goroutine.count gauge as
// go_goroutines, the name client_golang's Go collector uses: Prometheus
// reserves the _count suffix for histograms and summaries, and promtool
// rejects it on a gauge. When the registry already holds a collector that
// serves go_goroutines (client_golang's Go collector, registered in its
// default registry or by the application), that collector serves it and
// ours is left out of this backend: one family, no gathering error.
func goroutinesView(reg prometheus.Registerer, namespace string) sdkmetric.View {
	instrument := sdkmetric.Instrument{Name: "go.goroutine.count"}
	if namespace == "" && declares(reg, goroutinesName) {
		return sdkmetric.NewView(instrument, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})
	}
	return sdkmetric.NewView(instrument, sdkmetric.Stream{Name: "go.goroutines"})
}

// goroutinesName is the family of client_golang's Go collector that our
// runtime metrics would otherwise serve too.
const goroutinesName = "go_goroutines"

// errProbe marks the descriptor that makes a probe's registration fail.
var errProbe = errors.New("monitoring: probe descriptor, never registered")

// probe describes a family under a help text no collector uses, then an
// invalid descriptor, so that registering it always fails: with a
// consistency error when a collector already declares the family under
// another help text, with errProbe otherwise.
type probe struct{ name string }

func (p probe) Describe(ch chan<- *prometheus.Desc) {
	ch <- prometheus.NewDesc(p.name, "monitoring: probe, never registered", nil, nil)
	ch <- prometheus.NewInvalidDesc(errProbe)
}

func (probe) Collect(chan<- prometheus.Metric) {}

// declares reports whether a collector registered in reg declares the
// family name. It asks the registry's own consistency check, which reads
// descriptors only: no collector is run, and nothing is registered.
func declares(reg prometheus.Registerer, name string) bool {
	p := probe{name: name}
	err := reg.Register(p)
	if err == nil { // a registry that accepts invalid descriptors
		reg.Unregister(p)
		return false
	}
	return !errors.Is(err, errProbe)
}

// newHandler serves what the registry gathers. It counts failed scrapes in
// promhttp_metric_handler_errors_total{cause="gathering"|"encoding"} (the
// MonitoringDegraded alert watches it), serves every family that gathered
// cleanly rather than a bare 500, negotiates OpenMetrics, and bounds the
// time of a scrape, writing included, and the scrapes holding an exposition
// at once (see [scrapeHandler]). Series that carry a label the format
// reserves are left out and logged (see [withoutReservedLabels]). promhttp panics
// when the registry refuses its counter: that becomes an error.
func newHandler(cfg config) (h http.Handler, err error) {
	defer func() {
		if p := recover(); p != nil {
			cause, ok := p.(error)
			if !ok {
				cause = fmt.Errorf("%v", p)
			}
			err = fmt.Errorf("registering the scrape error counter: %w", cause)
		}
	}()
	return newScrapeHandler(promhttp.HandlerFor(withoutReservedLabels(cfg.registry, cfg.logger), promhttp.HandlerOpts{
		ErrorLog:          &scrapeErrorLog{logger: cfg.logger, limit: ratelog.New(cfg.errorInterval)},
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          cfg.registry,
		EnableOpenMetrics: true,
	}), cfg.maxScrapes, cfg.scrapeTimeout, cfg.logger), nil
}

// scrapeErrorLog is promhttp's error log, through slog and rate-limited: a
// fault that comes back on every scrape (a family registered twice, by two
// services on one registry or by a client_golang collector using one of our
// names) is logged when it first shows, then at most once per interval with
// the number of errors held back. Every failed scrape is still counted in
// promhttp_metric_handler_errors_total.
type scrapeErrorLog struct {
	logger *slog.Logger
	limit  *ratelog.Limiter
}

// Println logs a scrape's errors unless the last line was less than an
// interval ago.
func (l *scrapeErrorLog) Println(v ...any) {
	ok, held := l.limit.Allow()
	if !ok {
		return
	}
	l.logger.Error("prometheus: a scrape dropped what could not be gathered or encoded and served the rest "+
		"(a metric registered twice on a shared registry, or a collector failing)",
		"error", fmt.Sprint(v...), "errors_held_back", held)
}
