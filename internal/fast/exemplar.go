package fast

import (
	"context"
	"encoding/binary"
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
)

// exemplars holds the latest exemplar of each bucket of a series (the
// measurement a bucket keeps to link it to a trace: the sampled span it was
// recorded in, the value and when), in one slot per bucket written in place
// without a lock or an allocation. The slots are allocated on the series'
// first sampled record, so a series that never sees one costs a pointer.
type exemplars struct {
	n     int
	slots atomic.Pointer[[]exemplarSlot]
	clock atomic.Pointer[clockOrigin]
}

func newExemplars(n int) *exemplars {
	e := &exemplars{n: n}
	e.clock.Store(newClockOrigin())
	return e
}

// exemplarSlot is one bucket's exemplar under a sequence lock: a record
// makes seq odd, writes the fields and makes it even again; a collection
// reads the fields between two equal even readings of seq, so it sees a
// consistent (trace, span, value, time) whatever the records beside it.
// Two records on one bucket at once: the one that finds it being written
// leaves it to the other, the latest of the two in effect.
type exemplarSlot struct {
	seq    atomic.Uint64 // 0: never written; odd: being written
	value  atomic.Uint64 // float64 bits
	unixNS atomic.Int64
	trace  [2]atomic.Uint64
	span   atomic.Uint64
}

// exemplar is a consistent reading of a slot.
type exemplar struct {
	value   float64
	unixNS  int64
	traceID trace.TraceID
	spanID  trace.SpanID
}

// clockOrigin is a wall-clock reading with its monotonic reading: the
// record's wall time is the origin's plus the monotonic time since, one
// clock read (time.Since) where time.Now makes two. The origin is taken
// again once it is older than [clockRebase], so that the wall time follows
// the system clock's corrections and steps within that much.
type clockOrigin struct {
	t      time.Time
	unixNS int64
}

// clockRebase is how long a clock origin serves.
const clockRebase = time.Minute

func newClockOrigin() *clockOrigin {
	now := time.Now()
	return &clockOrigin{t: now, unixNS: now.UnixNano()}
}

// unixNano returns the wall time now, in nanoseconds since the Unix epoch.
func (e *exemplars) unixNano() int64 {
	o := e.clock.Load()
	d := time.Since(o.t)
	if d < 0 || d >= clockRebase {
		o = newClockOrigin()
		e.clock.Store(o)
		return o.unixNS
	}
	return o.unixNS + int64(d)
}

// offer keeps value as the exemplar of bucket i when ctx carries a sampled
// span. It allocates only on a series' first sampled record.
func (e *exemplars) offer(ctx context.Context, i int, value float64) {
	if e == nil || ctx == nil {
		return
	}
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsSampled() {
		return
	}
	slots := e.slots.Load()
	if slots == nil {
		fresh := make([]exemplarSlot, e.n)
		if !e.slots.CompareAndSwap(nil, &fresh) {
			slots = e.slots.Load()
		} else {
			slots = &fresh
		}
	}
	(*slots)[i].store(value, e.unixNano(), sc.TraceID(), sc.SpanID())
}

func (s *exemplarSlot) store(value float64, unixNS int64, tid trace.TraceID, sid trace.SpanID) {
	seq := s.seq.Load()
	if seq&1 != 0 || !s.seq.CompareAndSwap(seq, seq+1) {
		return // another record is writing this bucket's exemplar now
	}
	s.value.Store(math.Float64bits(value))
	s.unixNS.Store(unixNS)
	s.trace[0].Store(binary.NativeEndian.Uint64(tid[:8]))
	s.trace[1].Store(binary.NativeEndian.Uint64(tid[8:]))
	s.span.Store(binary.NativeEndian.Uint64(sid[:]))
	s.seq.Store(seq + 2)
}

// slotReadTries bounds the readings of a slot being written: a record
// preempted in the middle leaves its bucket without an exemplar in this
// collection rather than holding the collection up.
const slotReadTries = 100

// load returns the slot's exemplar, if it has a consistent one.
func (s *exemplarSlot) load() (exemplar, bool) {
	for range slotReadTries {
		seq := s.seq.Load()
		if seq == 0 {
			return exemplar{}, false
		}
		if seq&1 == 0 {
			var x exemplar
			x.value = math.Float64frombits(s.value.Load())
			x.unixNS = s.unixNS.Load()
			binary.NativeEndian.PutUint64(x.traceID[:8], s.trace[0].Load())
			binary.NativeEndian.PutUint64(x.traceID[8:], s.trace[1].Load())
			binary.NativeEndian.PutUint64(x.spanID[:], s.span.Load())
			if s.seq.Load() == seq {
				return x, true
			}
		}
		runtime.Gosched()
	}
	return exemplar{}, false
}

// collect returns the exemplars kept, in bucket order, or nil.
func (e *exemplars) collect() []metricdata.Exemplar[float64] {
	if e == nil {
		return nil
	}
	slots := e.slots.Load()
	if slots == nil {
		return nil
	}
	var out []metricdata.Exemplar[float64]
	for i := range *slots {
		x, ok := (*slots)[i].load()
		if !ok {
			continue
		}
		out = append(out, metricdata.Exemplar[float64]{
			Time: time.Unix(0, x.unixNS), Value: x.value,
			TraceID: x.traceID[:], SpanID: x.spanID[:],
		})
	}
	return out
}
