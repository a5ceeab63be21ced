package stdout

import (
	"io"
	"log/slog"
	"time"

	"github.com/compozy/monitoring/adapters/internal/sdk"
)

// DefaultInterval is how often collected metrics are written by default.
const DefaultInterval = time.Minute

type config struct {
	sdk      sdk.Settings
	writer   io.Writer
	interval time.Duration
	pretty   bool
	logger   *slog.Logger

	errorInterval time.Duration
}

// Option configures the stdout adapter.
type Option func(*config)

// WithWriter sets where the JSON is written; the default is os.Stdout.
func WithWriter(w io.Writer) Option {
	return func(c *config) { c.writer = w }
}

// WithInterval sets how often metrics are collected and written.
func WithInterval(d time.Duration) Option {
	return func(c *config) { c.interval = d }
}

// WithPrettyPrint indents the JSON for reading by eye.
func WithPrettyPrint() Option {
	return func(c *config) { c.pretty = true }
}

// WithServiceName sets the resource's service.name.
func WithServiceName(name string) Option {
	return func(c *config) { c.sdk.ServiceName = name }
}

// WithMeterName sets the instrumentation scope of the meter returned by Meter.
func WithMeterName(name string) Option {
	return func(c *config) { c.sdk.MeterName = name }
}

// WithCardinalityLimit caps the series one instrument keeps; zero or less
// removes the cap.
func WithCardinalityLimit(limit int) Option {
	return func(c *config) { c.sdk.CardinalityLimit = limit }
}

// WithLogger sets where problems are logged; the default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithErrorInterval sets how often a writer that keeps failing is reported
// again after its first failure was logged; the default is
// [DefaultErrorInterval]. Its recovery is always logged.
func WithErrorInterval(d time.Duration) Option {
	return func(c *config) { c.errorInterval = d }
}
