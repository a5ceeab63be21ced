package identity

import "github.com/prometheus/otlptranslator"

// Kind is what an instrument measures, as far as its exported family is
// concerned.
type Kind int

// The kinds of instrument.
const (
	Counter Kind = iota + 1
	UpDownCounter
	Gauge
	Histogram
)

// String names the kind in log lines.
func (k Kind) String() string {
	switch k {
	case Counter:
		return "counter"
	case UpDownCounter:
		return "up-down counter"
	case Gauge:
		return "gauge"
	case Histogram:
		return "histogram"
	default:
		return "instrument"
	}
}

// metricType is the kind as the Prometheus translation sees it.
func (k Kind) metricType() otlptranslator.MetricType {
	switch k {
	case Counter:
		return otlptranslator.MetricTypeMonotonicCounter
	case UpDownCounter:
		return otlptranslator.MetricTypeNonMonotonicCounter
	case Gauge:
		return otlptranslator.MetricTypeGauge
	case Histogram:
		return otlptranslator.MetricTypeHistogram
	default:
		return otlptranslator.MetricTypeUnknown
	}
}
