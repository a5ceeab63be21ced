package fast

import (
	"context"
	"encoding/binary"
	"math"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

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
	slots atomic.Pointer[exemplarSlot] // the first of n, see slotsOf
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
	seq    atomic.Uint64 // 0: never written; odd: being written; +2 a write
	bits   atomic.Uint64 // the value: float64 bits, or an integer histogram's int64 (toBits)
	unixNS atomic.Int64
	trace  [2]atomic.Uint64
	span   atomic.Uint64
}

// exemplar is a consistent reading of a slot. seq is the slot's sequence
// number at the reading: it grows with every write, so it tells a delta
// reader whether the slot was written since its previous collection.
type exemplar struct {
	seq     uint64
	bits    uint64 // the value: float64 bits, or an integer histogram's int64 (toBits)
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

// SampledLocalSpan reports whether ctx carries a span that links a
// measurement to a trace: a sampled span started in this process. A remote
// span context alone (a propagator's reading of a client's traceparent
// header, with no tracer to start a span from it) is not one: its IDs are
// whatever the client wrote, and the trace they name was never recorded
// here. Both recording paths keep exemplars by it (the SDK's through
// sdk.ExemplarFilter).
func SampledLocalSpan(ctx context.Context) bool {
	return sampledLocal(trace.SpanContextFromContext(ctx))
}

func sampledLocal(sc trace.SpanContext) bool { return sc.IsSampled() && !sc.IsRemote() }

// offer keeps value as the exemplar of bucket i when ctx carries a sampled
// span. It allocates only on a series' first sampled record. An integer
// histogram's value stays an int64, exact (collected by exemplarsOf[int64]).
func offer[N number](ctx context.Context, e *exemplars, i int, value N) {
	offerAt(ctx, e, i, value, time.Time{}, 0)
}

// offerAt is offer for a value measured d after start, when start is not
// zero: the exemplar's time is then start plus d, now, where offer reads
// the clock for it (and does when start is out of UnixNano's range).
func offerAt[N number](ctx context.Context, e *exemplars, i int, value N, start time.Time, d time.Duration) {
	// context.Background() (a record outside any request) carries no span:
	// told at once, without the lookup.
	if e == nil || ctx == nil || ctx == context.Background() {
		return
	}
	sc := trace.SpanContextFromContext(ctx)
	if !sampledLocal(sc) {
		return
	}
	first := e.slots.Load()
	if first == nil {
		// One allocation, the slots themselves: the pointer to the first
		// stands for the slice (a *[]exemplarSlot would be a second).
		fresh := &make([]exemplarSlot, e.n)[0]
		if !e.slots.CompareAndSwap(nil, fresh) {
			fresh = e.slots.Load()
		}
		first = fresh
	}
	var unixNS int64
	if sec := start.Unix(); start.IsZero() || sec <= math.MinInt64/int64(time.Second) || sec >= math.MaxInt64/int64(time.Second) {
		unixNS = e.unixNano()
	} else {
		unixNS = start.UnixNano() + int64(d)
	}
	e.slotsOf(first)[i].store(toBits(value), unixNS, sc.TraceID(), sc.SpanID())
}

// slotsOf returns the n slots that start at first.
func (e *exemplars) slotsOf(first *exemplarSlot) []exemplarSlot {
	return unsafe.Slice(first, e.n) //nolint:gosec // first is the first of n slots made together in offer.
}

func (s *exemplarSlot) store(bits uint64, unixNS int64, tid trace.TraceID, sid trace.SpanID) {
	seq := s.seq.Load()
	if seq&1 != 0 || !s.seq.CompareAndSwap(seq, seq+1) {
		return // another record is writing this bucket's exemplar now
	}
	s.bits.Store(bits)
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
			x := exemplar{seq: seq, bits: s.bits.Load()}
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
	return exemplarsOf[float64](e, nil)
}

// exemplarsOf returns the exemplars kept, in bucket order, as the data of
// an N histogram (offered as N), or nil. With last, the sequence numbers of
// the slots a delta reader saw at its previous collection (one per bucket,
// 0 for none), it returns only those written since, its interval's, and
// updates last: a slot's sequence number only grows, so this is exact,
// whatever the clock.
func exemplarsOf[N number](e *exemplars, last []uint64) []metricdata.Exemplar[N] {
	if e == nil {
		return nil
	}
	first := e.slots.Load()
	if first == nil {
		return nil
	}
	slots := e.slotsOf(first)
	var out []metricdata.Exemplar[N]
	for i := range slots {
		x, ok := slots[i].load()
		if !ok {
			continue
		}
		if last != nil {
			if last[i] == x.seq {
				continue // a previous interval's
			}
			last[i] = x.seq
		}
		out = append(out, metricdata.Exemplar[N]{
			Time: time.Unix(0, x.unixNS), Value: fromBits[N](x.bits),
			TraceID: x.traceID[:], SpanID: x.spanID[:],
		})
	}
	return out
}
