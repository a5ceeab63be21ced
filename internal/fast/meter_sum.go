package fast

import (
	"runtime"
	"sync/atomic"
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
	// fails counts the adds that met another (spread.go). Once the sum is
	// spread, spread is its first cell and mask picks one: the cells are
	// published first, their mask after, so a record that reads a mask of
	// zero adds to the first cell, which is there.
	fails  atomic.Uint32
	mask   atomic.Uint32
	spread atomic.Pointer[cell]
}

// whole returns v as an integer when it is a whole number an int64 holds.
func whole[N number](v N) (int64, bool) {
	if v == 1 { // the common increment needs no conversion
		return 1, true
	}
	f := float64(v)
	i := int64(v)
	return i, f >= -0x1p63 && f < 0x1p63 && float64(i) == f // NaN is not
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
		c.ints.Add(i)
		if counted(v, monotonic) {
			c.seq.Add(1)
		}
		return
	default:
		if old := s.ints.Load(); !s.ints.CompareAndSwap(old, old+i) {
			s.contended(i)
		}
	}
	if counted(v, monotonic) {
		s.seq.Add(1)
	}
}

// contended adds i after a compare-and-swap failed: to the integer, or,
// from the spreadAfter-th failure on, to the sum's cells, made then.
func (s *sumValue) contended(i int64) {
	if s.fails.Add(1) < spreadAfter {
		s.ints.Add(i)
		return
	}
	s.spreadNow()
	p := procPin()
	c := cellAt(s.spread.Load(), s.mask.Load(), p)
	procUnpin()
	c.ints.Add(i)
}

// spreadNow spreads the sum, if it is not yet.
func (s *sumValue) spreadNow() {
	if s.spread.Load() == nil {
		if first, mask := newCells(); s.spread.CompareAndSwap(nil, first) {
			s.mask.Store(mask) // the first to get there makes them
		}
	}
}

// load returns the sum's whole increments, its float bits and its counted
// records, the cells included.
func (s *sumValue) load() (ints int64, bits uint64, seq uint64) {
	ints, bits, seq = s.ints.Load(), s.bits.Load(), s.seq.Load()
	if first := s.spread.Load(); first != nil {
		ci, cs := total(cellsOf(first, s.mask.Load()))
		ints, seq = ints+ci, seq+cs
	}
	return ints, bits, seq
}

// A counter's record finds its series through the options, the index and
// the series before it reaches the cell of its P: on a spread series from
// several Ps at once, that walk costs more than the add. So a sum
// instrument that has a spread series keeps a cache per P, one entry each:
// the option its P last recorded with on a spread series, the contents of
// that option's set, and that series' cell of that P. A record on the same
// P with the same option, or another option of the same set (one made per
// call from a set built once), then goes straight to the cell. The entry
// keeps the option and the contents it names alive, so that nothing else
// can come to live where they are while it names them. An entry is read
// and written only by a goroutine pinned on its P, the only one running
// there, so its words are always read together as they were written.

// perPEntry is an entry of a P's cache: opt is the option (its data: a
// metric.WithAttributeSet option, or the instrument itself for a record
// with no option), set where that option's set keeps its contents (nil
// with no option), c the cell.
type perPEntry struct {
	opt atomic.Pointer[byte]
	set atomic.Pointer[byte]
	c   atomic.Pointer[cell]
	_   [8]byte
}

// perPWays is how many entries a P has, picked by the option: enough that
// a P recording on a few series in turn finds each in its own entry.
const perPWays = 8

// perPCache is one P's entries, on lines of their own.
type perPCache [perPWays]perPEntry

// perPAt returns P p's entry for option data key, of the caches that start
// at first.
func perPAt(first *perPCache, p int, key unsafe.Pointer) *perPEntry {
	way := (uint64(uintptr(key)) * 0x9e3779b97f4a7c15) >> 61                                            // 3 bits: perPWays
	return &(*perPCache)(unsafe.Add(unsafe.Pointer(first), uintptr(p)*unsafe.Sizeof(perPCache{})))[way] //nolint:gosec // p <= perPMax.
}

// sumKey returns what a record's options are cached by: the data of one
// metric.WithAttributeSet option, or the index itself for no option; nil
// for any other options, which never use the cache.
func sumKey(x *setIndex[sumValue], opts []metric.AddOption) unsafe.Pointer {
	switch len(opts) {
	case 0:
		return unsafe.Pointer(x) //nolint:gosec // an identity, never dereferenced as an option.
	case 1:
		o := any(opts[0])
		if e := (*eface)(unsafe.Pointer(&o)); e.typ == x.opt && x.opt != nil { //nolint:gosec // an interface's layout.
			return e.data
		}
	}
	return nil
}

// contentsOf returns where the set of option data opt keeps its contents
// (see boundSet), or nil when opt is the index itself.
func contentsOf(x *setIndex[sumValue], opt unsafe.Pointer) unsafe.Pointer {
	if opt == unsafe.Pointer(x) { //nolint:gosec // see sumKey.
		return nil
	}
	return (*eface)(unsafe.Pointer(&(*setLayout)(opt).data)).data //nolint:gosec // see boundSet.
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
				o, set := unsafe.Pointer(e.opt.Load()), unsafe.Pointer(e.set.Load()) //nolint:gosec // pointers compared, never dereferenced.
				if o == key || (o != nil && set == contentsOf(x, key)) {
					c := e.c.Load()
					c.ints.Add(i)
					if counted(v, monotonic) {
						c.seq.Add(1)
					}
					procUnpin()
					return
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

// remember makes spread series s the entry of option data key for the
// caller's P.
func remember(x *setIndex[sumValue], key unsafe.Pointer, s *sumValue) {
	first := x.perP.Load()
	if first == nil {
		first = x.makePerP()
	}
	set := contentsOf(x, key)
	p := procPin()
	if p <= x.perPMax {
		e := perPAt(first, p, key)
		e.opt.Store((*byte)(key))
		e.set.Store((*byte)(set))
		e.c.Store(cellAt(s.spread.Load(), s.mask.Load(), p))
	}
	procUnpin()
}

// makePerP makes the per-P entries, once, for the Ps there are now; a P
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
