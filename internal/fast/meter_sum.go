package fast

import (
	"math"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"go.opentelemetry.io/otel/metric"
)

// sumValue is a sum as the OpenTelemetry SDK keeps it: whole increments in
// an integer (or, once the sum is spread, in its cells: spread.go), the
// rest in a float, so that integer sums are exact. Like the SDK it takes
// any value, a counter's negative increments included.
type sumValue struct {
	ints atomic.Int64
	bits atomic.Uint64
	// seq counts the records that may leave the sum as it was (zero, or a
	// negative increment, or any up-down record), so that a delta reader
	// reports a series recorded in its interval even when its sum did not
	// move, as the SDK does.
	seq atomic.Uint64
	// fails counts the adds that met another within spreadWindow of the
	// first of them (see met). Once the sum is spread, spread is its first
	// cell and mask picks one: the cells are published first, their mask
	// after, so a record that reads a mask of zero adds to the first cell,
	// which is there.
	fails  atomic.Uint64
	mask   atomic.Uint32
	spread atomic.Pointer[cell]
}

// A float sum's whole increments go to an integer only while they are
// exact there and cannot carry one of its words (the integer or a cell)
// past int64: an increment of at most 2^53 in magnitude, on a word below
// 2^62 (checked before the add: the adds that pass it together carry the
// word at most 2^53 each further, hundreds of them short of wrapping). The
// rest goes to the float, as the SDK keeps a float sum. The words' total
// may pass int64: a cumulative float sum adds them up as floats, and a
// delta reader takes the difference of two totals, exact even where they
// wrapped. An int64 sum takes every increment, and wraps as the SDK's
// does.
const (
	floatWhole = 1 << 53
	floatWord  = 1 << 62
)

// whole returns v as an integer when it goes to a sum's integer part.
func whole[N number](v N) (int64, bool) {
	if i, ok := any(v).(int64); ok {
		return i, true
	}
	f := float64(v)
	if f == 1 { // the common increment needs no conversion
		return 1, true
	}
	i := int64(f)
	return i, f >= -floatWhole && f <= floatWhole && float64(i) == f // NaN is not
}

// fits reports whether word w of a sum of N takes a whole increment.
func fits[N number](w int64) bool {
	var zero N
	if _, ok := any(zero).(int64); ok {
		return true
	}
	return w < floatWord && w > -floatWord
}

// counted reports whether a record of v goes to seq (see sumValue).
func counted[N number](v N, monotonic bool) bool {
	if monotonic && v > 0 { // NaN is not
		return false
	}
	return true
}

func addSum[N number](s *sumValue, v N, monotonic bool) {
	i, ok := whole(v)
	switch {
	case !ok:
		addFloat(&s.bits, float64(v))
	case s.spread.Load() != nil:
		p := procPin()
		c := cellAt(s.spread.Load(), s.mask.Load(), p)
		procUnpin()
		if !fits[N](c.ints.Load()) {
			addFloat(&s.bits, float64(v))
			break
		}
		c.ints.Add(i)
		if counted(v, monotonic) {
			c.seq.Add(1)
		}
		return
	default:
		old := s.ints.Load()
		if !fits[N](old) {
			addFloat(&s.bits, float64(v))
		} else if !s.ints.CompareAndSwap(old, old+i) {
			s.contended(i)
		}
	}
	if counted(v, monotonic) {
		s.seq.Add(1)
	}
}

// contended adds i after a compare-and-swap failed: to the integer, or,
// once the sum's adds have met spreadAfter times within spreadWindow, to
// the sum's cells, made then.
func (s *sumValue) contended(i int64) {
	if !s.met(time.Now().UnixNano()) {
		s.ints.Add(i)
		return
	}
	s.spreadNow()
	p := procPin()
	c := cellAt(s.spread.Load(), s.mask.Load(), p)
	procUnpin()
	c.ints.Add(i)
}

// met counts an add that met another at now (nanoseconds) and reports
// whether the sum is to be spread.
func (s *sumValue) met(now int64) bool {
	for {
		old := s.fails.Load()
		next, spread := nextFails(old, now)
		if s.fails.CompareAndSwap(old, next) {
			return spread
		}
	}
}

// nextFails returns the failure count that follows old (a count in the
// low 8 bits, the nanosecond time of the window's first failure above,
// to 256 ns) for a failure at now, and whether that makes spreadAfter
// failures within spreadWindow. A failure later than that after the
// window's first starts a new window: a series whose adds meet now and
// then, however long it lives, stays one integer.
func nextFails(old uint64, now int64) (uint64, bool) {
	n := old & 0xff
	first := int64(old &^ 0xff) //nolint:gosec // a time, stored as bits.
	if n == 0 || now-first >= int64(spreadWindow) || now < first {
		return uint64(now)&^0xff | 1, spreadAfter <= 1 //nolint:gosec // a time, stored as bits.
	}
	if n < 0xff {
		n++
	}
	return old&^0xff | n, n >= spreadAfter
}

// spreadNow spreads the sum, if it is not yet.
func (s *sumValue) spreadNow() {
	if s.spread.Load() == nil {
		if first, mask := newCells(); s.spread.CompareAndSwap(nil, first) {
			s.mask.Store(mask) // the first to get there makes them
		}
	}
}

// load returns the sum's whole increments (their int64 total, which wraps
// as int64 does), its float bits, its counted records and the whole
// increments' total as a float (which does not wrap), the cells included.
func (s *sumValue) load() (ints int64, bits uint64, seq uint64, words float64) {
	ints, bits, seq = s.ints.Load(), s.bits.Load(), s.seq.Load()
	words = float64(ints)
	if first := s.spread.Load(); first != nil {
		ci, cs, cw := total(cellsOf(first, s.mask.Load()))
		ints, seq, words = ints+ci, seq+cs, words+cw
	}
	return ints, bits, seq, words
}

// sumOfWords is a cumulative sum's value: an int64 sum's total as int64
// keeps it (wrapping as the SDK's), a float sum's as its words add up.
func sumOfWords[N number](ints int64, bits uint64, words float64) N {
	var zero N
	if _, ok := any(zero).(int64); ok {
		return N(ints)
	}
	return N(words + math.Float64frombits(bits))
}

// A counter's record finds its series through the options, the index and
// the series before it reaches the cell of its P: on a spread series from
// several Ps at once, that walk costs more than the add. So a sum
// instrument that has a spread series keeps a cache per P: a few entries,
// each the set a spread series was recorded with on that P (by where the
// set keeps its contents, read from the option at every record: an option
// may be given another set, metric/x's Settable) and that series' cell of
// that P. A record on the same P with the same set then goes straight to
// the cell. An entry keeps the contents it names alive, so that no other
// set can come to keep its contents where they are while it names them.
// An entry is read and written only by a goroutine pinned on its P, the
// only one running there, so its two words are always read together as
// they were written.

// perPEntry is an entry of a P's cache: set is where the set keeps its
// contents (or the instrument's index itself, for the empty set of a
// record with no option), c the cell.
type perPEntry struct {
	_   [16 - 2*unsafe.Sizeof(uintptr(0))]byte // 16 bytes, on 32-bit platforms too (first: a last field of no size would pad)
	set atomic.Pointer[byte]
	c   atomic.Pointer[cell]
}

// perPWays is how many entries a P has, picked by the set: enough that a P
// recording on a few series in turn finds each in its own entry.
const perPWays = 8

// perPCache is one P's entries, 128 bytes: lines of its own.
type perPCache [perPWays]perPEntry

// perPAt returns P p's entry for key, of the caches that start at first.
func perPAt(first *perPCache, p int, key unsafe.Pointer) *perPEntry {
	way := (uint64(uintptr(key)) * 0x9e3779b97f4a7c15) >> 61                                            // 3 bits: perPWays
	return &(*perPCache)(unsafe.Add(unsafe.Pointer(first), uintptr(p)*unsafe.Sizeof(perPCache{})))[way] //nolint:gosec // p <= perPMax.
}

// sumKey returns what a record's options are cached by: where the set of
// one metric.WithAttributeSet option keeps its contents, or the index
// itself for no option; nil for any other options, which never use the
// cache.
func sumKey(x *setIndex[sumValue], opts []metric.AddOption) unsafe.Pointer {
	switch len(opts) {
	case 0:
		return unsafe.Pointer(x) //nolint:gosec // an identity, never dereferenced as a set.
	case 1:
		o := any(opts[0])
		if e := (*eface)(unsafe.Pointer(&o)); e.typ == x.opt && x.opt != nil { //nolint:gosec // an interface's layout.
			// The option holds its set first (optLayoutKnown), the set
			// its contents after its hash (setLayoutKnown); a zero Set
			// keeps none and goes without the cache.
			return (*eface)(unsafe.Pointer(&(*setLayout)(e.data).data)).data //nolint:gosec // layouts checked once.
		}
	}
	return nil
}

// addSumTo records v on the series of opts: through the per-P cache when
// it holds them, else through the index, and then remembers a spread
// series in the cache.
func addSumTo[N number](x *setIndex[sumValue], v N, opts []metric.AddOption, monotonic bool) {
	key := sumKey(x, opts)
	if first := x.perP.Load(); pinned && first != nil && key != nil {
		if i, ok := whole(v); ok {
			p := procPin()
			if p <= x.perPMax {
				e := perPAt(first, p, key)
				if unsafe.Pointer(e.set.Load()) == key { //nolint:gosec // pointers compared, never dereferenced.
					if c := e.c.Load(); fits[N](c.ints.Load()) {
						c.ints.Add(i)
						if counted(v, monotonic) {
							c.seq.Add(1)
						}
						procUnpin()
						return
					}
				}
			}
			procUnpin()
		}
	}
	var s *sumValue
	if set := boundSet(opts, x.opt); set != nil {
		s = x.get(set) // addTo's common case, a call less
	} else {
		s = addTo(x, opts)
	}
	addSum(s, v, monotonic)
	if pinned && key != nil && s.mask.Load() != 0 {
		remember(x, key, s)
	}
}

// remember makes spread series s the entry of key for the caller's P.
func remember(x *setIndex[sumValue], key unsafe.Pointer, s *sumValue) {
	first := x.perP.Load()
	if first == nil {
		first = x.makePerP()
	}
	p := procPin()
	if p <= x.perPMax {
		e := perPAt(first, p, key)
		e.set.Store((*byte)(key))
		e.c.Store(cellAt(s.spread.Load(), s.mask.Load(), p))
	}
	procUnpin()
}

// makePerP makes the per-P caches, once, for the Ps there are now; a P
// added later goes without.
func (x *setIndex[S]) makePerP() *perPCache {
	x.mu.Lock()
	defer x.mu.Unlock()
	if first := x.perP.Load(); first != nil {
		return first
	}
	n := runtime.GOMAXPROCS(0)
	x.perPMax = n - 1
	first := &make([]perPCache, n)[0]
	x.perP.Store(first)
	return first
}
