package fast

import (
	"math"
	"slices"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// meterCollector is one meter instrument seen from the producer.
type meterCollector interface {
	// collect returns the instrument's metric, cumulative, or in the
	// temporality d gives its kind; false when it has no point to report.
	collect(now time.Time, d *meterDeltas) (metricdata.Metrics, bool)
}

// meterDeltas is what one reader's view reported last for each series of
// the meter's instruments, for a reader that wants some kinds as deltas.
// Like the SDK, a delta reader gets the series recorded since its previous
// collection (even when the change is zero), and the gauges set since then.
//
// Unlike the SDK, which keeps a reader's delta series apart from every other
// reader's and forgets them after each collection, the series are shared
// by every reader, and a set that overflowed the cardinality limit stays on
// the overflow series for the life of the process, as it does for a
// cumulative reader. A delta histogram point carries no minimum and
// maximum: the ones kept are since the series' start.
type meterDeltas struct {
	temporality func(sdkmetric.InstrumentKind) metricdata.Temporality
	last        map[any]*lastSeen
}

// lastSeen is a series' state at the previous collection.
type lastSeen struct {
	at     time.Time
	ints   int64
	bits   uint64
	seq    uint64
	count  uint64
	sum    float64
	counts []uint64
	// exemplars are the sequence numbers of a histogram's exemplar slots at
	// the previous collection, one per bucket: a delta reports only the
	// exemplars written since, its interval's.
	exemplars []uint64
}

// delta reports whether kind is collected as deltas.
func (d *meterDeltas) delta(kind sdkmetric.InstrumentKind) bool {
	return d != nil && d.temporality(kind) == metricdata.DeltaTemporality
}

// seen returns the state of series s at the previous collection; zero,
// from its start, the first time.
func (d *meterDeltas) seen(s any, start time.Time) *lastSeen {
	if d.last == nil {
		d.last = map[any]*lastSeen{}
	}
	l := d.last[s]
	if l == nil {
		l = &lastSeen{at: start}
		d.last[s] = l
	}
	return l
}

// produce returns a ScopeMetrics per scope that has a point to report.
func (s *meterScopes) produce(now time.Time, d *meterDeltas) []metricdata.ScopeMetrics {
	var out []metricdata.ScopeMetrics
	for _, sc := range s.scopes() {
		sc.mu.Lock()
		collectors := slices.Clone(sc.order)
		sc.mu.Unlock()
		sm := metricdata.ScopeMetrics{Scope: sc.scope}
		for _, c := range collectors {
			if m, ok := c.collect(now, d); ok {
				sm.Metrics = append(sm.Metrics, m)
			}
		}
		if len(sm.Metrics) > 0 {
			out = append(out, sm)
		}
	}
	return out
}

func temporality(delta bool) metricdata.Temporality {
	if delta {
		return metricdata.DeltaTemporality
	}
	return metricdata.CumulativeTemporality
}

type sumCollector[N number] struct {
	key       instKey
	x         *setIndex[sumValue]
	monotonic bool
}

func (c sumCollector[N]) collect(now time.Time, d *meterDeltas) (metricdata.Metrics, bool) {
	delta := d.delta(c.key.kind)
	all := c.x.series()
	points := make([]metricdata.DataPoint[N], 0, len(all))
	for _, s := range all {
		ints, bits, seq, words := s.v.load()
		start := s.start
		value := sumOfWords[N](ints, bits, words)
		if delta {
			l := d.seen(s, s.start)
			if ints == l.ints && bits == l.bits && seq == l.seq {
				continue
			}
			dInts, dFloat := ints-l.ints, math.Float64frombits(bits)-math.Float64frombits(l.bits)
			start, l.at, l.ints, l.bits, l.seq = l.at, now, ints, bits, seq
			// The integer parts' difference is exact even where their total
			// wrapped (a float sum's words added up past int64).
			value = sumOf[N](dInts, math.Float64bits(dFloat))
		} else if ints == 0 && bits == 0 && seq == 0 {
			continue // created, not yet recorded
		}
		points = append(points, metricdata.DataPoint[N]{
			Attributes: s.attrs, StartTime: start, Time: now, Value: value,
		})
	}
	return metricdata.Metrics{
		Name: c.key.name, Description: c.key.description, Unit: c.key.unit,
		Data: metricdata.Sum[N]{DataPoints: points, Temporality: temporality(delta), IsMonotonic: c.monotonic},
	}, len(points) > 0
}

type gaugeCollector[N number] struct {
	key instKey
	x   *setIndex[gaugeValue]
}

func (c gaugeCollector[N]) collect(now time.Time, d *meterDeltas) (metricdata.Metrics, bool) {
	delta := d.delta(c.key.kind)
	all := c.x.series()
	points := make([]metricdata.DataPoint[N], 0, len(all))
	for _, s := range all {
		seq := s.v.seq.Load()
		if seq == 0 {
			continue
		}
		start := s.start
		if delta {
			l := d.seen(s, s.start)
			if seq == l.seq {
				continue
			}
			start, l.at, l.seq = l.at, now, seq
		}
		points = append(points, metricdata.DataPoint[N]{
			Attributes: s.attrs, StartTime: start, Time: now, Value: fromBits[N](s.v.bits.Load()),
		})
	}
	return metricdata.Metrics{
		Name: c.key.name, Description: c.key.description, Unit: c.key.unit,
		Data: metricdata.Gauge[N]{DataPoints: points},
	}, len(points) > 0
}

type histogramCollector[N number] struct {
	key    instKey
	x      *setIndex[histogramValue]
	bounds []float64
}

func (c histogramCollector[N]) collect(now time.Time, d *meterDeltas) (metricdata.Metrics, bool) {
	delta := d.delta(c.key.kind)
	all := c.x.series()
	points := make([]metricdata.HistogramDataPoint[N], 0, len(all))
	for _, s := range all {
		counts := make([]uint64, len(s.v.h.counts))
		var total uint64
		for i := range s.v.h.counts {
			counts[i] = s.v.h.counts[i].Load()
			total += counts[i]
		}
		if total == 0 {
			continue
		}
		// An integer histogram's sum is in ints, a float one's in the
		// fast histogram's float sum.
		sum, ints, start := s.v.h.sumValue(), s.v.ints.Load(), s.start
		p := metricdata.HistogramDataPoint[N]{Attributes: s.attrs, Time: now, Bounds: c.bounds}
		if delta {
			l := d.seen(s, s.start)
			if total == l.count {
				continue
			}
			diff := make([]uint64, len(counts))
			for i := range counts {
				diff[i] = counts[i]
				if i < len(l.counts) {
					diff[i] -= l.counts[i]
				}
			}
			p.Count, p.BucketCounts, p.Sum = total-l.count, diff, sumOf[N](ints-l.ints, math.Float64bits(sum-l.sum))
			start, l.at, l.count, l.counts, l.sum, l.ints = l.at, now, total, counts, sum, ints
			if s.v.h.exemplars != nil && l.exemplars == nil {
				l.exemplars = make([]uint64, s.v.h.exemplars.n)
			}
			p.Exemplars = exemplarsOf[N](s.v.h.exemplars, l.exemplars)
		} else {
			p.Count, p.BucketCounts, p.Sum = total, counts, sumOf[N](ints, math.Float64bits(sum))
			p.Exemplars = exemplarsOf[N](s.v.h.exemplars, nil)
			if s.v.set.Load() {
				p.Min, p.Max = metricdata.NewExtrema(fromBits[N](s.v.min.Load())), metricdata.NewExtrema(fromBits[N](s.v.max.Load()))
			}
		}
		p.StartTime = start
		points = append(points, p)
	}
	return metricdata.Metrics{
		Name: c.key.name, Description: c.key.description, Unit: c.key.unit,
		Data: metricdata.Histogram[N]{DataPoints: points, Temporality: temporality(delta)},
	}, len(points) > 0
}
