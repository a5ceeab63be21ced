package fast

import (
	"context"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
)

// exemplar is the measurement a bucket keeps to link it to a trace: the
// sampled span it was recorded in, the value and when. It is immutable once
// published, so a collection reads a consistent (trace, span, value, time)
// whatever the records running beside it.
type exemplar struct {
	value   float64
	unixNS  int64
	traceID trace.TraceID
	spanID  trace.SpanID
}

// exemplars holds the latest exemplar of each bucket of a series: one
// pointer per bucket, swapped lock-free; nil when exemplars are off.
type exemplars []atomic.Pointer[exemplar]

// offer keeps value as the exemplar of bucket i when ctx carries a sampled
// span. It allocates only then.
func (e exemplars) offer(ctx context.Context, i int, value float64) {
	if e == nil || ctx == nil {
		return
	}
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsSampled() {
		return
	}
	e[i].Store(&exemplar{value: value, unixNS: time.Now().UnixNano(), traceID: sc.TraceID(), spanID: sc.SpanID()})
}

// collect returns the exemplars kept, in bucket order, or nil.
func (e exemplars) collect() []metricdata.Exemplar[float64] {
	var out []metricdata.Exemplar[float64]
	for i := range e {
		x := e[i].Load()
		if x == nil {
			continue
		}
		out = append(out, metricdata.Exemplar[float64]{
			Time: time.Unix(0, x.unixNS), Value: x.value,
			// The exemplar is immutable: its arrays are shared, not copied.
			TraceID: x.traceID[:], SpanID: x.spanID[:],
		})
	}
	return out
}
