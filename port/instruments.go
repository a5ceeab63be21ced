package port

import (
	"context"
	"time"
)

// MaxKeys is the largest number of attribute keys a fast instrument can
// declare.
const MaxKeys = 8

// Values are attribute values given in the order the instrument declared
// its keys; positions past the declared keys are ignored, and an empty value
// leaves its key out of the series' attributes. Passed by value, they cost
// no allocation, where a variadic ...string through an interface would.
type Values [MaxKeys]string

// Desc declares a fast instrument: its name (OpenTelemetry syntax, for
// example "http.server.request.duration"), description, unit (UCUM, for
// example "s" or "By"), attribute keys, and for histograms the bucket
// boundaries (seconds histograms default to second-scale buckets).
type Desc struct {
	Name        string
	Description string
	Unit        string
	Keys        []string
	// IntKeys lists the keys whose values are whole numbers, exported as
	// integer attributes (http.response.status_code is one).
	IntKeys []string
	Buckets []float64
}

// Instruments creates the fast-path instruments: declared once with their
// attribute keys, recorded with no error and no allocation, aggregated
// lock-free and exported beside the OpenTelemetry instruments of Meter on
// the same endpoint. A Desc that cannot be used yields a working
// instrument that records nothing.
type Instruments interface {
	CounterVec(d Desc) CounterVec
	UpDownCounterVec(d Desc) UpDownCounterVec
	GaugeVec(d Desc) GaugeVec
	HistogramVec(d Desc) HistogramVec
}

// Counter is a monotonic counter bound to one set of attribute values.
// Negative deltas are ignored.
type Counter interface {
	Add(delta float64)
	// Inc adds one: the most common record, on the shortest path.
	Inc()
}

// CounterVec is a monotonic counter with attribute keys.
type CounterVec interface {
	// Bind returns the counter of values, to record on without a lookup.
	Bind(values Values) Counter
	// Add adds delta to the counter of values.
	Add(delta float64, values Values)
}

// UpDownCounter is a level bound to one set of attribute values.
type UpDownCounter interface {
	Add(delta float64)
}

// UpDownCounterVec is a level (in flight, queue length) with attribute keys.
type UpDownCounterVec interface {
	Bind(values Values) UpDownCounter
	Add(delta float64, values Values)
}

// Gauge is a value, set to the last recording, bound to one set of
// attribute values.
type Gauge interface {
	Set(value float64)
}

// GaugeVec is a gauge with attribute keys.
type GaugeVec interface {
	Bind(values Values) Gauge
	Set(value float64, values Values)
}

// Histogram is a distribution bound to one set of attribute values.
type Histogram interface {
	Record(value float64)
	// RecordContext records value as Record does and, when ctx carries a
	// sampled span started in this process (trace.SpanContextFromContext:
	// otelhttp, otelgin, Temporal's tracing interceptor, your tracer),
	// keeps an exemplar for the bucket value falls in: the span's trace and
	// span IDs, value and the time. One exemplar per bucket, the latest
	// wins. A remote span context alone (a client's traceparent header with
	// no tracer to start a span from it) keeps none. Without a sampled
	// span, or with exemplars turned off, it costs what Record costs, with
	// no allocation.
	RecordContext(ctx context.Context, value float64)
	// RecordSince records the seconds elapsed since start (time.Since) as
	// RecordContext records a value, the exemplar stamped start plus those
	// seconds: a latency and its exemplar for one reading of the clock,
	// where RecordContext reads it again for the exemplar's time. A zero
	// start (one never set), or one so far off that the time since does
	// not fit a time.Duration (about 292 years), records nothing; a start
	// in the future (a wall-clock time the clock has stepped back past)
	// records 0, its exemplar stamped now.
	RecordSince(ctx context.Context, start time.Time)
}

// HistogramVec is a distribution with attribute keys.
type HistogramVec interface {
	Bind(values Values) Histogram
	Record(value float64, values Values)
	// RecordContext records value on the histogram of values, with an
	// exemplar when ctx carries a sampled span (see
	// [Histogram.RecordContext]).
	RecordContext(ctx context.Context, value float64, values Values)
	// RecordSince records the seconds since start on the histogram of
	// values (see [Histogram.RecordSince]).
	RecordSince(ctx context.Context, start time.Time, values Values)
}
