package stdout

import (
	"log/slog"
	"math"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// finiteFilter leaves out of a frame the data points JSON cannot carry: a
// NaN or infinite value, sum, minimum or maximum (a gauge set to the result
// of a division by zero, a histogram that recorded +Inf), or such a float
// in an attribute value (attribute.Float64("ratio", math.NaN())), of the
// point or of one of its exemplars. encoding/json
// refuses them, and one such point would otherwise fail every later export
// of the whole frame. Each metric that loses a point is logged once, the
// first time.
type finiteFilter struct {
	logger *slog.Logger

	mu     sync.Mutex
	logged map[string]bool // metric names already reported
}

func newFiniteFilter(logger *slog.Logger) *finiteFilter {
	return &finiteFilter{logger: logger, logged: map[string]bool{}}
}

// filter returns rm itself when every value is finite, or else a copy
// without the points that are not; rm is never modified.
func (f *finiteFilter) filter(rm *metricdata.ResourceMetrics) *metricdata.ResourceMetrics {
	var out *metricdata.ResourceMetrics
	for i, sm := range rm.ScopeMetrics {
		for j, m := range sm.Metrics {
			data, dropped := finiteData(m.Data)
			if dropped == 0 {
				continue
			}
			if out == nil {
				out = cloneFrame(rm)
			}
			out.ScopeMetrics[i].Metrics[j].Data = data
			f.report(sm.Scope.Name, m.Name, dropped)
		}
	}
	if out == nil {
		return rm
	}
	return out
}

func (f *finiteFilter) report(scope, name string, dropped int) {
	f.mu.Lock()
	seen := f.logged[scope+"\x00"+name]
	f.logged[scope+"\x00"+name] = true
	f.mu.Unlock()
	if !seen {
		f.logger.Warn("monitoring: stdout export left out data points JSON cannot carry (a NaN or infinite value or attribute value); "+
			"the rest of the frame is written, and this metric is not reported again",
			"metric", name, "scope", scope, "points", dropped)
	}
}

// cloneFrame copies rm down to the metric slices, which filter replaces.
func cloneFrame(rm *metricdata.ResourceMetrics) *metricdata.ResourceMetrics {
	out := &metricdata.ResourceMetrics{Resource: rm.Resource, ScopeMetrics: make([]metricdata.ScopeMetrics, len(rm.ScopeMetrics))}
	for i, sm := range rm.ScopeMetrics {
		out.ScopeMetrics[i] = metricdata.ScopeMetrics{Scope: sm.Scope, Metrics: append([]metricdata.Metrics(nil), sm.Metrics...)}
	}
	return out
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func finiteExtrema[N int64 | float64](e metricdata.Extrema[N]) bool {
	v, ok := e.Value()
	return !ok || finite(float64(v))
}

// finiteAttr says whether JSON can carry kv's value: a float attribute (or
// a float slice) that is NaN or infinite cannot.
func finiteAttr(kv attribute.KeyValue) bool {
	switch kv.Value.Type() {
	case attribute.FLOAT64:
		return finite(kv.Value.AsFloat64())
	case attribute.FLOAT64SLICE:
		return finite(kv.Value.AsFloat64Slice()...)
	default:
		return true
	}
}

func finiteSet(set attribute.Set) bool {
	for it := set.Iter(); it.Next(); {
		if !finiteAttr(it.Attribute()) {
			return false
		}
	}
	return true
}

func finiteExemplars[N int64 | float64](es []metricdata.Exemplar[N]) bool {
	for _, e := range es {
		if !finite(float64(e.Value)) {
			return false
		}
		for _, kv := range e.FilteredAttributes {
			if !finiteAttr(kv) {
				return false
			}
		}
	}
	return true
}

func finitePoint[N int64 | float64](p metricdata.DataPoint[N]) bool {
	return finite(float64(p.Value)) && finiteSet(p.Attributes) && finiteExemplars(p.Exemplars)
}

func finiteHistogramPoint[N int64 | float64](p metricdata.HistogramDataPoint[N]) bool {
	return finite(float64(p.Sum)) && finiteExtrema(p.Min) && finiteExtrema(p.Max) &&
		finiteSet(p.Attributes) && finiteExemplars(p.Exemplars)
}

func finiteExponentialPoint[N int64 | float64](p metricdata.ExponentialHistogramDataPoint[N]) bool {
	return finite(float64(p.Sum)) && finiteExtrema(p.Min) && finiteExtrema(p.Max) &&
		finiteSet(p.Attributes) && finiteExemplars(p.Exemplars)
}

func finiteSummaryPoint(p metricdata.SummaryDataPoint) bool {
	for _, q := range p.QuantileValues {
		if !finite(q.Value) {
			return false
		}
	}
	return finite(p.Sum) && finiteSet(p.Attributes)
}

// finiteData returns data without the points JSON cannot carry (a value,
// sum, extremum, exemplar or attribute value that is NaN or infinite), and
// how many it left out. An integer point can only hold a float in an
// attribute value.
func finiteData(data metricdata.Aggregation) (metricdata.Aggregation, int) {
	var n int
	switch d := data.(type) {
	case metricdata.Gauge[float64]:
		d.DataPoints, n = keep(d.DataPoints, finitePoint[float64])
		return d, n
	case metricdata.Gauge[int64]:
		d.DataPoints, n = keep(d.DataPoints, finitePoint[int64])
		return d, n
	case metricdata.Sum[float64]:
		d.DataPoints, n = keep(d.DataPoints, finitePoint[float64])
		return d, n
	case metricdata.Sum[int64]:
		d.DataPoints, n = keep(d.DataPoints, finitePoint[int64])
		return d, n
	case metricdata.Histogram[float64]:
		d.DataPoints, n = keep(d.DataPoints, finiteHistogramPoint[float64])
		return d, n
	case metricdata.Histogram[int64]:
		d.DataPoints, n = keep(d.DataPoints, finiteHistogramPoint[int64])
		return d, n
	case metricdata.ExponentialHistogram[float64]:
		d.DataPoints, n = keep(d.DataPoints, finiteExponentialPoint[float64])
		return d, n
	case metricdata.ExponentialHistogram[int64]:
		d.DataPoints, n = keep(d.DataPoints, finiteExponentialPoint[int64])
		return d, n
	case metricdata.Summary:
		d.DataPoints, n = keep(d.DataPoints, finiteSummaryPoint)
		return d, n
	default:
		return data, 0
	}
}

// keep returns the points ok accepts and how many it refused; points itself
// is returned when it accepts them all.
func keep[P any](points []P, ok func(P) bool) ([]P, int) {
	for i, p := range points {
		if ok(p) {
			continue
		}
		out := append(make([]P, 0, len(points)-1), points[:i]...)
		for _, q := range points[i+1:] {
			if ok(q) {
				out = append(out, q)
			}
		}
		return out, len(points) - len(out)
	}
	return points, 0
}
