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
	bits    uint64 // the value: float64 bits, or an integer histogram's int64 (toBits)
	unixNS  int64
	traceID trace.TraceID
	spanID  trace.SpanID
}

// exemplars holds the latest exemplar of each bucket of a series: one
// pointer per bucket, swapped lock-free; nil when exemplars are off.
type exemplars []atomic.Pointer[exemplar]

// offer keeps value as the exemplar of bucket i when ctx carries a sampled
// span. It allocates only then. An integer histogram's value stays an
// int64, exact (collected by exemplarsOf[int64]).
func offer[N number](ctx context.Context, e exemplars, i int, value N) {
	// context.Background() (a record outside any request) carries no span:
	// told at once, without the lookup.
	if e == nil || ctx == nil || ctx == context.Background() {
		return
	}
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsSampled() {
		return
	}
	e[i].Store(&exemplar{bits: toBits(value), unixNS: time.Now().UnixNano(), traceID: sc.TraceID(), spanID: sc.SpanID()})
}

// collect returns the exemplars kept, in bucket order, or nil.
func (e exemplars) collect() []metricdata.Exemplar[float64] {
	return exemplarsOf[float64](e, nil)
}

// exemplarsOf returns the exemplars kept, in bucket order, as the data of
// an N histogram (offered as N), or nil. With last, the exemplars a delta reader saw at its previous collection (one
// per bucket), it returns only those kept since, and updates last.
func exemplarsOf[N number](e exemplars, last []*exemplar) []metricdata.Exemplar[N] {
	var out []metricdata.Exemplar[N]
	for i := range e {
		x := e[i].Load()
		if x == nil {
			continue
		}
		if last != nil {
			if last[i] == x {
				continue // a previous interval's
			}
			last[i] = x
		}
		out = append(out, metricdata.Exemplar[N]{
			Time: time.Unix(0, x.unixNS), Value: fromBits[N](x.bits),
			// The exemplar is immutable: its arrays are shared, not copied.
			TraceID: x.traceID[:], SpanID: x.spanID[:],
		})
	}
	return out
}
