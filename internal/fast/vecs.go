package fast

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/port"
)

type counterVec struct{ f *family[counter] }

func (v counterVec) Bind(values port.Values) port.Counter  { return v.f.get(values) }
func (v counterVec) Add(delta float64, values port.Values) { v.f.get(values).Add(delta) }

type upDownVec struct{ f *family[upDown] }

func (v upDownVec) Bind(values port.Values) port.UpDownCounter { return v.f.get(values) }
func (v upDownVec) Add(delta float64, values port.Values)      { v.f.get(values).Add(delta) }

type gaugeVec struct{ f *family[gauge] }

func (v gaugeVec) Bind(values port.Values) port.Gauge    { return v.f.get(values) }
func (v gaugeVec) Set(value float64, values port.Values) { v.f.get(values).Set(value) }

type histogramVec struct{ f *family[histogram] }

func (v histogramVec) Bind(values port.Values) port.Histogram   { return v.f.get(values) }
func (v histogramVec) Record(value float64, values port.Values) { v.f.get(values).Record(value) }
func (v histogramVec) RecordContext(ctx context.Context, value float64, values port.Values) {
	v.f.get(values).RecordContext(ctx, value)
}

// RecordSince makes no series for a start it records nothing for.
func (v histogramVec) RecordSince(ctx context.Context, start time.Time, values port.Values) {
	if elapsed, ok := latencySince(start); ok {
		v.f.get(values).recordElapsed(ctx, start, elapsed)
	}
}

func metricOf[S any](f *family[S], data metricdata.Aggregation) metricdata.Metrics {
	return metricdata.Metrics{Name: f.desc.Name, Description: f.desc.Description, Unit: f.desc.Unit, Data: data}
}

// sumFamily collects a counter or an up-down counter as a cumulative sum.
type sumFamily[S any] struct {
	f         *family[S]
	value     func(*S) float64
	monotonic bool
}

func (c sumFamily[S]) collect(now time.Time) (metricdata.Metrics, bool) {
	recs := c.f.records()
	points := make([]metricdata.DataPoint[float64], len(recs))
	for i, r := range recs {
		points[i] = metricdata.DataPoint[float64]{Attributes: r.attrs, StartTime: c.f.start, Time: now, Value: c.value(&r.s)}
	}
	return metricOf(c.f, metricdata.Sum[float64]{
		DataPoints: points, Temporality: metricdata.CumulativeTemporality, IsMonotonic: c.monotonic,
	}), len(points) > 0
}

type gaugeFamily struct{ f *family[gauge] }

func (c gaugeFamily) collect(now time.Time) (metricdata.Metrics, bool) {
	recs := c.f.records()
	points := make([]metricdata.DataPoint[float64], 0, len(recs))
	for _, r := range recs {
		if r.s.set.Load() {
			points = append(points, metricdata.DataPoint[float64]{Attributes: r.attrs, Time: now, Value: r.s.value()})
		}
	}
	return metricOf(c.f, metricdata.Gauge[float64]{DataPoints: points}), len(points) > 0
}

type histogramFamily struct{ f *family[histogram] }

func (c histogramFamily) collect(now time.Time) (metricdata.Metrics, bool) {
	recs := c.f.records()
	points := make([]metricdata.HistogramDataPoint[float64], len(recs))
	for i, r := range recs {
		counts := make([]uint64, len(r.s.counts))
		var total uint64
		for j := range r.s.counts {
			counts[j] = r.s.counts[j].Load()
			total += counts[j]
		}
		points[i] = metricdata.HistogramDataPoint[float64]{
			Attributes: r.attrs, StartTime: c.f.start, Time: now,
			Count: total, Bounds: r.s.bounds, BucketCounts: counts, Sum: r.s.sumValue(),
			Exemplars: r.s.exemplars.collect(),
		}
	}
	return metricOf(c.f, metricdata.Histogram[float64]{
		DataPoints: points, Temporality: metricdata.CumulativeTemporality,
	}), len(points) > 0
}
