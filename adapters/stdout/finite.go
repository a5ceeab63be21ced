package stdout

import (
	"log/slog"
	"math"
	"sync"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// finiteFilter leaves out of a frame the data points JSON cannot carry: a
// NaN or infinite value, sum, minimum or maximum (a gauge set to the result
// of a division by zero, a histogram that recorded +Inf). encoding/json
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
		f.logger.Warn("monitoring: stdout export left out data points JSON cannot carry (NaN or infinite); "+
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

func finiteExtrema(e metricdata.Extrema[float64]) bool {
	v, ok := e.Value()
	return !ok || finite(v)
}

// finiteData returns data without its non-finite float points, and how
// many it left out. Integer data is always finite.
func finiteData(data metricdata.Aggregation) (metricdata.Aggregation, int) {
	switch d := data.(type) {
	case metricdata.Gauge[float64]:
		points, n := keep(d.DataPoints, func(p metricdata.DataPoint[float64]) bool { return finite(p.Value) && finiteExemplars(p.Exemplars) })
		d.DataPoints = points
		return d, n
	case metricdata.Sum[float64]:
		points, n := keep(d.DataPoints, func(p metricdata.DataPoint[float64]) bool { return finite(p.Value) && finiteExemplars(p.Exemplars) })
		d.DataPoints = points
		return d, n
	case metricdata.Histogram[float64]:
		points, n := keep(d.DataPoints, func(p metricdata.HistogramDataPoint[float64]) bool {
			return finite(p.Sum) && finiteExtrema(p.Min) && finiteExtrema(p.Max) && finiteExemplars(p.Exemplars)
		})
		d.DataPoints = points
		return d, n
	case metricdata.ExponentialHistogram[float64]:
		points, n := keep(d.DataPoints, func(p metricdata.ExponentialHistogramDataPoint[float64]) bool {
			return finite(p.Sum) && finiteExtrema(p.Min) && finiteExtrema(p.Max) && finiteExemplars(p.Exemplars)
		})
		d.DataPoints = points
		return d, n
	case metricdata.Summary:
		points, n := keep(d.DataPoints, func(p metricdata.SummaryDataPoint) bool {
			for _, q := range p.QuantileValues {
				if !finite(q.Value) {
					return false
				}
			}
			return finite(p.Sum)
		})
		d.DataPoints = points
		return d, n
	default:
		return data, 0
	}
}

func finiteExemplars(es []metricdata.Exemplar[float64]) bool {
	for _, e := range es {
		if !finite(e.Value) {
			return false
		}
	}
	return true
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
