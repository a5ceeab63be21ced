package fast

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TemporalityProducer is the view of a [Registry] that one reader collects:
// the SDK hands an external producer's data to its reader as it is, without
// converting it to the reader's temporality, so a reader that exports
// deltas (an OTLP exporter on delta) needs its own view, one that remembers
// what it reported last for each series and hands out the difference.
// Readers on cumulative temporality use the Registry itself.
//
// Each reader must have its own view: two readers sharing one would split
// the deltas between them.
type TemporalityProducer struct {
	r           *Registry
	temporality func(sdkmetric.InstrumentKind) metricdata.Temporality

	mu     sync.Mutex
	last   map[seriesKey]*lastPoint
	meters meterDeltas // the same for the meter's instruments
}

// seriesKey identifies a series across collections.
type seriesKey struct {
	name  string
	attrs attribute.Distinct
}

// lastPoint is what was reported last for a series: the cumulative values
// and when, the start of the next delta.
type lastPoint struct {
	at     time.Time
	value  float64
	count  uint64
	sum    float64
	counts []uint64
}

var _ sdkmetric.Producer = (*TemporalityProducer)(nil)

// ForReader returns the view of r for a reader whose temporality, by kind
// of instrument, is temporality (the exporter's Temporality method): r
// itself when every kind the registry makes is cumulative (a nil
// temporality is), a [TemporalityProducer] otherwise.
func (r *Registry) ForReader(temporality func(sdkmetric.InstrumentKind) metricdata.Temporality) sdkmetric.Producer {
	if temporality == nil {
		return r
	}
	delta := false
	for _, k := range []sdkmetric.InstrumentKind{
		sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindUpDownCounter, sdkmetric.InstrumentKindHistogram,
	} {
		delta = delta || temporality(k) == metricdata.DeltaTemporality
	}
	if !delta {
		return r
	}
	return &TemporalityProducer{
		r: r, temporality: temporality, last: map[seriesKey]*lastPoint{},
		meters: meterDeltas{temporality: temporality},
	}
}

// Produce returns what the registry holds, with the sums and histograms the
// reader wants as deltas turned into the difference since this view's
// previous collection. Series that did not change are left out of a delta,
// as the SDK does. Gauges and the kinds the reader wants cumulative pass
// through unchanged.
//
// It is safe for concurrent use: the snapshot is taken under the view's
// lock, so that collections convert their snapshots in the order they were
// taken (a later snapshot converted first would make the next delta
// negative).
func (p *TemporalityProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	scopes := p.r.produceFast()
	for i := range scopes {
		kept := scopes[i].Metrics[:0]
		for _, m := range scopes[i].Metrics {
			if m, ok := p.convert(m); ok {
				kept = append(kept, m)
			}
		}
		scopes[i].Metrics = kept
	}
	return append(scopes, p.r.meters.produce(p.r.now(), &p.meters)...), nil
}

func (p *TemporalityProducer) convert(m metricdata.Metrics) (metricdata.Metrics, bool) {
	switch data := m.Data.(type) {
	case metricdata.Sum[float64]:
		kind := sdkmetric.InstrumentKindUpDownCounter
		if data.IsMonotonic {
			kind = sdkmetric.InstrumentKindCounter
		}
		if p.temporality(kind) != metricdata.DeltaTemporality {
			return m, true
		}
		points := data.DataPoints[:0]
		for _, dp := range data.DataPoints {
			prev := p.point(m.Name, dp.Attributes, dp.StartTime)
			delta := dp.Value - prev.value
			start := prev.at
			prev.at, prev.value = dp.Time, dp.Value
			if delta == 0 {
				continue
			}
			dp.StartTime, dp.Value = start, delta
			points = append(points, dp)
		}
		data.DataPoints, data.Temporality = points, metricdata.DeltaTemporality
		m.Data = data
		return m, len(points) > 0
	case metricdata.Histogram[float64]:
		if p.temporality(sdkmetric.InstrumentKindHistogram) != metricdata.DeltaTemporality {
			return m, true
		}
		points := data.DataPoints[:0]
		for _, dp := range data.DataPoints {
			prev := p.point(m.Name, dp.Attributes, dp.StartTime)
			start := prev.at
			count, sum := dp.Count-prev.count, dp.Sum-prev.sum
			counts := make([]uint64, len(dp.BucketCounts))
			for j, c := range dp.BucketCounts {
				if j < len(prev.counts) {
					c -= prev.counts[j]
				}
				counts[j] = c
			}
			prev.at, prev.count, prev.sum, prev.counts = dp.Time, dp.Count, dp.Sum, dp.BucketCounts
			if count == 0 {
				continue
			}
			dp.StartTime, dp.Count, dp.Sum, dp.BucketCounts = start, count, sum, counts
			dp.Exemplars = since(dp.Exemplars, start)
			points = append(points, dp)
		}
		data.DataPoints, data.Temporality = points, metricdata.DeltaTemporality
		m.Data = data
		return m, len(points) > 0
	default:
		return m, true
	}
}

// since keeps the exemplars recorded after start: a delta carries the
// exemplars of its own interval, as the SDK's do, not those a bucket kept
// from an earlier one.
func since(exemplars []metricdata.Exemplar[float64], start time.Time) []metricdata.Exemplar[float64] {
	kept := exemplars[:0]
	for _, e := range exemplars {
		if e.Time.After(start) {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// point returns the last point of a series, a zero one starting at start
// the first time the series is seen. The map holds one entry per series
// the registry holds, so it is bounded by the same cardinality limit.
func (p *TemporalityProducer) point(name string, attrs attribute.Set, start time.Time) *lastPoint {
	k := seriesKey{name: name, attrs: attrs.Equivalent()}
	lp := p.last[k]
	if lp == nil {
		lp = &lastPoint{at: start}
		p.last[k] = lp
	}
	return lp
}
