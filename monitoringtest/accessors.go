package monitoringtest

import (
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// The accessors below read one number out of what was recorded, the way a
// test asks for it: a counter's value for a set of attributes, a
// histogram's count, sum and buckets, a gauge's value. A series is picked
// by its exact attribute set (no attributes: the series recorded without
// any); the order of attrs does not matter. They fail the test when name
// was recorded as another kind of instrument.

// Sum returns the value of the counter or up-down counter name for the
// series with exactly attrs, integer or float; 0 when that series (or the
// instrument) was not recorded.
func (b *Backend) Sum(t testing.TB, name string, attrs ...attribute.KeyValue) float64 {
	t.Helper()
	want := attribute.NewSet(attrs...)
	return b.Sums(t, name)[want.Equivalent()]
}

// Sums returns the value of every series of the counter or up-down counter
// name, keyed by its attribute set's [attribute.Distinct]; empty when it was
// not recorded. Compare it whole to assert that no other series exists.
func (b *Backend) Sums(t testing.TB, name string) map[attribute.Distinct]float64 {
	t.Helper()
	out := map[attribute.Distinct]float64{}
	m, ok := b.Metric(t, name)
	if !ok {
		return out
	}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out[p.Attributes.Equivalent()] += float64(p.Value)
		}
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			out[p.Attributes.Equivalent()] += p.Value
		}
	default:
		t.Fatalf("monitoringtest: %s is %T, not a counter", name, m.Data)
	}
	return out
}

// Gauge returns the last value of the gauge name for the series with
// exactly attrs, and whether that series was recorded.
func (b *Backend) Gauge(t testing.TB, name string, attrs ...attribute.KeyValue) (float64, bool) {
	t.Helper()
	m, ok := b.Metric(t, name)
	if !ok {
		return 0, false
	}
	want := attribute.NewSet(attrs...)
	switch d := m.Data.(type) {
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			if p.Attributes.Equals(&want) {
				return float64(p.Value), true
			}
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			if p.Attributes.Equals(&want) {
				return p.Value, true
			}
		}
	default:
		t.Fatalf("monitoringtest: %s is %T, not a gauge", name, m.Data)
	}
	return 0, false
}

// HistogramPoint is one series of a histogram: how many values were
// recorded, their sum, and how many fell in each bucket. BucketCounts has
// one more entry than Bounds: the last counts the values above the last
// bound.
type HistogramPoint struct {
	Count        uint64
	Sum          float64
	Bounds       []float64
	BucketCounts []uint64
}

// Histogram returns the series of the histogram name with exactly attrs,
// integer or float, and whether that series was recorded.
func (b *Backend) Histogram(t testing.TB, name string, attrs ...attribute.KeyValue) (HistogramPoint, bool) {
	t.Helper()
	want := attribute.NewSet(attrs...)
	p, ok := b.Histograms(t, name)[want.Equivalent()]
	return p, ok
}

// Histograms returns every series of the histogram name, integer or float,
// keyed by its attribute set's [attribute.Distinct]; empty when it was not
// recorded.
func (b *Backend) Histograms(t testing.TB, name string) map[attribute.Distinct]HistogramPoint {
	t.Helper()
	out := map[attribute.Distinct]HistogramPoint{}
	m, ok := b.Metric(t, name)
	if !ok {
		return out
	}
	switch d := m.Data.(type) {
	case metricdata.Histogram[int64]:
		for _, p := range d.DataPoints {
			out[p.Attributes.Equivalent()] = HistogramPoint{Count: p.Count, Sum: float64(p.Sum),
				Bounds: slices.Clone(p.Bounds), BucketCounts: slices.Clone(p.BucketCounts)}
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out[p.Attributes.Equivalent()] = HistogramPoint{Count: p.Count, Sum: p.Sum,
				Bounds: slices.Clone(p.Bounds), BucketCounts: slices.Clone(p.BucketCounts)}
		}
	default:
		t.Fatalf("monitoringtest: %s is %T, not a histogram", name, m.Data)
	}
	return out
}
