package interceptor

import "log/slog"

// ScopeName is the instrumentation scope of the interceptor's meter.
const ScopeName = "github.com/compozy/monitoring/interceptor"

// SDKScopeName is the instrumentation scope of the SDK metrics handler.
const SDKScopeName = "go.temporal.io/sdk"

type config struct {
	logger  *slog.Logger
	buckets []float64
}

func newConfig(opts []Option) config {
	c := config{
		logger: slog.Default(),
		// Workflows and activities run from milliseconds to hours.
		buckets: []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 21600, 86400},
	}
	for _, opt := range opts {
		opt(&c)
	}
	return c
}

// Option configures the interceptor and the metrics handler.
type Option func(*config)

// WithLogger sets where failures of the metrics code and the errors of
// failed executions are logged; the default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithDurationBuckets replaces the bucket boundaries, in seconds, of the
// workflow and activity duration histograms.
func WithDurationBuckets(bounds ...float64) Option {
	return func(c *config) { c.buckets = append([]float64(nil), bounds...) }
}
