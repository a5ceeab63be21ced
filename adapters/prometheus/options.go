package prometheus

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/compozy/monitoring/adapters/internal/sdk"
)

// Registry is where the exporter registers its collector and what the
// handler gathers from: a *prometheus.Registry, such as the one behind
// client_golang's prometheus.DefaultRegisterer, so that existing
// client_golang metrics share the same /metrics. Any type with both methods
// sets will do.
type Registry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

type config struct {
	sdk           sdk.Settings
	registry      Registry
	namespace     string
	scopeLabels   bool
	logger        *slog.Logger
	scrapeTimeout time.Duration
	maxScrapes    int
	errorInterval time.Duration
}

// Defaults of the scrape handler's protections.
const (
	DefaultScrapeTimeout = 10 * time.Second
	DefaultMaxScrapes    = 4
	// DefaultErrorInterval is how often scrape errors that come back on
	// every scrape are logged at most.
	DefaultErrorInterval = time.Minute
)

// Option configures the Prometheus adapter.
type Option func(*config)

// WithRegistry registers the exporter into r and serves what r gathers. The
// default is a fresh registry owned by the adapter, never the global one.
// When r already holds client_golang's Go collector (as its default
// registry does), that collector serves go_goroutines and the runtime's
// go.goroutine.count is left out of this backend, so the family appears
// once and scrapes count no gathering error.
func WithRegistry(r Registry) Option {
	return func(c *config) { c.registry = r }
}

// WithServiceName sets the resource's service.name, shown in target_info.
func WithServiceName(name string) Option {
	return func(c *config) { c.sdk.ServiceName = name }
}

// WithMeterName sets the instrumentation scope of the meter returned by Meter.
func WithMeterName(name string) Option {
	return func(c *config) { c.sdk.MeterName = name }
}

// WithNamespace prefixes every exported metric name with ns and an underscore.
func WithNamespace(ns string) Option {
	return func(c *config) { c.namespace = ns }
}

// WithCardinalityLimit caps the series one instrument keeps; attribute sets
// beyond it are folded into the series labelled otel_metric_overflow="true".
// Zero or less removes the cap.
func WithCardinalityLimit(limit int) Option {
	return func(c *config) { c.sdk.CardinalityLimit = limit }
}

// WithScopeLabels keeps the otel_scope_* labels on every series.
func WithScopeLabels() Option {
	return func(c *config) { c.scopeLabels = true }
}

// WithLogger sets where scrape errors are logged; the default is
// slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithScrapeTimeout bounds a scrape: past d the handler answers 503 and
// the scrape's gathering is left to finish on its own. Zero or less
// removes the bound. The default is [DefaultScrapeTimeout].
func WithScrapeTimeout(d time.Duration) Option {
	return func(c *config) { c.scrapeTimeout = d }
}

// WithMaxConcurrentScrapes bounds the scrapes served at once; the ones past
// it are answered 503 at once. Zero or less removes the bound. The default
// is [DefaultMaxScrapes].
func WithMaxConcurrentScrapes(n int) Option {
	return func(c *config) { c.maxScrapes = n }
}

// WithErrorInterval sets how often scrape errors are logged at most; the
// ones in between are counted in the next line. Zero or less logs every
// one. Every failed scrape is still counted in
// promhttp_metric_handler_errors_total. The default is
// [DefaultErrorInterval].
func WithErrorInterval(d time.Duration) Option {
	return func(c *config) { c.errorInterval = d }
}
