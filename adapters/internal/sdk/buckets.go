package sdk

import (
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring/internal/fast"
)

// SecondsBuckets returns the bucket boundaries given to histograms in seconds
// that were created without boundaries of their own: the ones the
// OpenTelemetry HTTP semantic conventions advise, from 5 ms to 10 s.
func SecondsBuckets() []float64 { return fast.DefaultBuckets("s") }

// secondsProvider hands out meters whose float histograms in seconds get
// [SecondsBuckets] when the caller gives none. The default is added as the
// instrument's own advice, so boundaries the caller passes always win,
// which a View could not do.
type secondsProvider struct {
	metric.MeterProvider
}

// WithSecondsBuckets wraps p so that its float histograms with unit "s"
// default to [SecondsBuckets] instead of the SDK's millisecond-shaped ones.
func WithSecondsBuckets(p metric.MeterProvider) metric.MeterProvider {
	return secondsProvider{MeterProvider: p}
}

// Meter returns the wrapped provider's meter, with second-scale defaults.
func (p secondsProvider) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	return secondsMeter{Meter: p.MeterProvider.Meter(name, opts...)}
}

type secondsMeter struct {
	metric.Meter
}

// Float64Histogram adds second-scale boundaries to a histogram in seconds
// created without boundaries.
func (m secondsMeter) Float64Histogram(
	name string,
	opts ...metric.Float64HistogramOption,
) (metric.Float64Histogram, error) {
	cfg := metric.NewFloat64HistogramConfig(opts...)
	if cfg.Unit() == "s" && cfg.ExplicitBucketBoundaries() == nil {
		// Prepend, so that any boundaries later in opts would still win.
		opts = append([]metric.Float64HistogramOption{
			metric.WithExplicitBucketBoundaries(SecondsBuckets()...),
		}, opts...)
	}
	return m.Meter.Float64Histogram(name, opts...)
}
