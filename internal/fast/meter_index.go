package fast

import (
	"hash/maphash"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The meter's instruments find a series by its attribute set. A set carries
// a 64-bit hash of its contents (what Set.Equivalent returns, and all the
// OpenTelemetry SDK keys its series by); two different sets with the same
// hash are told apart here by comparing the sets themselves.
//
// Comparing two sets with Set.Equals compares their contents element by
// element, which costs more than the rest of a record. A set built once and
// passed again and again (metric.WithAttributeSet with a precomputed set,
// the recommended use) shares its contents with every copy, so a lookup
// first compares where the contents live, and compares them only when they
// live apart. Reading that from the set relies on its layout (a hash, then
// the contents), which [setLayoutKnown] checks once against the attribute
// package in use; if it ever differs, every lookup compares contents with
// Set.Equals, and hashes the set's Equivalent with maphash.

// setLayout mirrors attribute.Set: its hash, then its contents.
type setLayout struct {
	hash uint64
	data any
}

// eface is the layout of an interface value: its type, then its data.
type eface struct {
	typ, data unsafe.Pointer
}

// setLayoutKnown reports whether attribute.Set is laid out as [setLayout],
// checked once on a set of known contents.
var setLayoutKnown = sync.OnceValue(func() bool {
	if unsafe.Sizeof(attribute.Set{}) != unsafe.Sizeof(setLayout{}) {
		return false
	}
	kv := attribute.String("k", "v")
	s := attribute.NewSet(kv)
	l := (*setLayout)(unsafe.Pointer(&s)) //nolint:gosec // layout checked just below; see setLayout.
	v := reflect.ValueOf(l.data)
	if l.hash == 0 || !v.IsValid() || v.Kind() != reflect.Array || v.Len() != 1 {
		return false
	}
	got, ok := v.Index(0).Interface().(attribute.KeyValue)
	again := attribute.NewSet(kv)
	return ok && got == kv && again.Equivalent() == s.Equivalent()
})

// sameSet reports whether a and b hold the same attributes: at once when
// they share their contents, else by comparing them.
func sameSet(a, b *attribute.Set, known bool) bool {
	if known {
		la, lb := (*setLayout)(unsafe.Pointer(a)), (*setLayout)(unsafe.Pointer(b)) //nolint:gosec // see setLayoutKnown.
		if la.hash != lb.hash {
			return false
		}
		ea, eb := (*eface)(unsafe.Pointer(&la.data)), (*eface)(unsafe.Pointer(&lb.data)) //nolint:gosec // an interface's layout.
		if ea.typ == eb.typ && ea.data == eb.data {
			return true
		}
	}
	return a.Equals(b)
}

// series is one attribute set's aggregation.
type series[S any] struct {
	attrs attribute.Set
	start time.Time
	v     S
}

// setNode links a set looked up to its series. Nodes are immutable once
// published, so lookups walk them without a lock.
//
// Every record reads a node, its table and its index, so each of them is
// padded to cache lines no other object shares: a small object that
// another core writes often (anything of the same size allocated beside
// them) would otherwise turn each of those reads into a miss.
type setNode[S any] struct {
	hash  uint64
	attrs attribute.Set
	v     *S // &s.v, so that a lookup does not touch the series
	s     *series[S]
	next  *setNode[S]
	_     [64 - 8 - unsafe.Sizeof(attribute.Set{}) - 3*unsafe.Sizeof(uintptr(0))]byte // 64 bytes
}

type setTable[S any] struct {
	buckets []atomic.Pointer[setNode[S]]
	mask    uint64
	_       [cellSize - unsafe.Sizeof([]int(nil)) - 8]byte
}

func newSetTable[S any](size int) *setTable[S] {
	return &setTable[S]{buckets: make([]atomic.Pointer[setNode[S]], size), mask: uint64(size - 1)} //nolint:gosec // a power of two >= 16.
}

// setIndex holds the series of one instrument, found by attribute set
// without a lock; a new series takes the mutex once. Past the cardinality
// limit, new sets record on the overflow series (otel.metric.overflow=true)
// as in the OpenTelemetry SDK: limit-1 sets of their own, then the overflow.
//
// An instrument embeds its index after the API's 16-byte embedded
// interface: what every record reads (setIndexHot) then fills the first
// 128 bytes of the instrument, which nothing writes after creation, and
// the fields a new series writes come after (TestHotLayout).
type setIndex[S any] struct {
	setIndexHot[S]
	_ [cellSize - 2*unsafe.Sizeof(uintptr(0)) - unsafe.Sizeof(setIndexHot[struct{}]{})]byte

	setIndexCold[S]
	_ [64 - unsafe.Sizeof(setIndexCold[struct{}]{})]byte // the instrument: 192 bytes, a size class of whole lines
}

// setIndexCold is what a new series writes of a setIndex.
type setIndexCold[S any] struct {
	mu       sync.Mutex
	all      []*series[S]
	overflow *series[S]
	nodes    int
	parked   int // nodes of sets past the limit, all on the overflow series
}

// setIndexHot is what every record reads of a setIndex, on lines of its
// own (see setNode).
type setIndexHot[S any] struct {
	seed  maphash.Seed
	known bool           // setLayoutKnown
	opt   unsafe.Pointer // optType when optLayoutKnown, else nil: see boundSet
	limit int
	now   func() time.Time
	init  func(*S)
	table atomic.Pointer[setTable[S]]
	// first and mask are the current table's buckets and mask, read here
	// rather than through table: a load less on every record. A new table
	// publishes its buckets, then its mask, and a lookup reads the mask
	// first, so a mask never indexes a smaller table than its own (an old
	// table read with its own mask or a newer one's is only a miss, which
	// insert checks again under the lock).
	first atomic.Pointer[atomic.Pointer[setNode[S]]]
	mask  atomic.Uint64
	// perP is a sum instrument's per-P cache (meter_sum.go), nil until one
	// of its series is spread, and perPMax the last P it has an entry for,
	// set before perP is published and never after.
	perP    atomic.Pointer[perPCache]
	perPMax int
}

func newSetIndex[S any](limit int, now func() time.Time, init func(*S)) *setIndex[S] {
	x := new(setIndex[S])
	x.initIndex(limit, now, init)
	return x
}

// initIndex readies an index embedded in an instrument.
func (x *setIndex[S]) initIndex(limit int, now func() time.Time, init func(*S)) {
	x.setIndexHot = setIndexHot[S]{
		seed: maphash.MakeSeed(), known: setLayoutKnown(), limit: limit, now: now, init: init,
	}
	if optLayoutKnown() {
		x.opt = optType()
	}
	x.publish(newSetTable[S](16))
}

// publish makes t the table lookups read.
func (x *setIndex[S]) publish(t *setTable[S]) {
	x.table.Store(t)
	x.first.Store(&t.buckets[0])
	x.mask.Store(t.mask)
}

// get returns the series of attrs, creating it on first use. The common
// case (the set's hash read in place, a node sharing the set's contents) is
// written out here rather than through a helper so that it stays a few
// loads and compares.
func (x *setIndex[S]) get(attrs *attribute.Set) *S {
	if !x.known {
		return x.getSlow(attrs)
	}
	l := (*setLayout)(unsafe.Pointer(attrs)) //nolint:gosec // layout checked by setLayoutKnown.
	h := l.hash
	e := (*eface)(unsafe.Pointer(&l.data)) //nolint:gosec // an interface's layout.
	m := x.mask.Load()
	b := (*atomic.Pointer[setNode[S]])(unsafe.Add(unsafe.Pointer(x.first.Load()), uintptr(h&m)*unsafe.Sizeof(atomic.Pointer[setNode[S]]{}))) //nolint:gosec // within the table: see first.
	for nd := b.Load(); nd != nil; nd = nd.next {
		if nd.hash != h {
			continue
		}
		ne := (*eface)(unsafe.Pointer(&(*setLayout)(unsafe.Pointer(&nd.attrs)).data)) //nolint:gosec // as above.
		if (ne.typ == e.typ && ne.data == e.data) || nd.attrs.Equals(attrs) {
			return nd.v
		}
	}
	return x.insert(h, *attrs)
}

// getSlow is get when the set's layout is not the one this package reads.
func (x *setIndex[S]) getSlow(attrs *attribute.Set) *S {
	h := maphash.Comparable(x.seed, attrs.Equivalent())
	t := x.table.Load()
	for nd := t.buckets[h&t.mask].Load(); nd != nil; nd = nd.next {
		if nd.hash == h && sameSet(&nd.attrs, attrs, false) {
			return nd.v
		}
	}
	return x.insert(h, *attrs)
}

func (x *setIndex[S]) insert(h uint64, attrs attribute.Set) *S {
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.table.Load()
	for nd := t.buckets[h&t.mask].Load(); nd != nil; nd = nd.next {
		if nd.hash == h && sameSet(&nd.attrs, &attrs, x.known) {
			return nd.v
		}
	}
	var s *series[S]
	if x.limit > 0 && len(x.all) >= x.limit-1 {
		if x.overflow == nil {
			x.overflow = x.newSeries(attribute.NewSet(overflowKey.Bool(true)))
		}
		// Index a bounded number of sets past the limit so that they stay
		// on the fast path; beyond that they take this slower path each
		// time, and the index never grows with what the limit refused.
		if x.parked >= 4*x.limit {
			return &x.overflow.v
		}
		x.parked++
		s = x.overflow
	} else {
		s = x.newSeries(attrs)
	}
	if x.nodes >= 2*len(t.buckets) {
		t = x.grow(t)
	}
	b := &t.buckets[h&t.mask]
	b.Store(&setNode[S]{hash: h, attrs: attrs, v: &s.v, s: s, next: b.Load()})
	x.nodes++
	return &s.v
}

func (x *setIndex[S]) newSeries(attrs attribute.Set) *series[S] {
	s := &series[S]{attrs: attrs, start: x.now()}
	if x.init != nil {
		x.init(&s.v)
	}
	x.all = append(x.all, s)
	return s
}

// grow publishes a table twice the size, leaving the old one intact for
// the lookups still walking it.
func (x *setIndex[S]) grow(old *setTable[S]) *setTable[S] {
	t := newSetTable[S](2 * len(old.buckets))
	for i := range old.buckets {
		for nd := old.buckets[i].Load(); nd != nil; nd = nd.next {
			b := &t.buckets[nd.hash&t.mask]
			b.Store(&setNode[S]{hash: nd.hash, attrs: nd.attrs, v: nd.v, s: nd.s, next: b.Load()})
		}
	}
	x.publish(t)
	return t
}

// series returns the series that exist now.
func (x *setIndex[S]) series() []*series[S] {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.all[:len(x.all):len(x.all)]
}

// A record with one option, metric.WithAttributeSet(set) built once (the
// recommended use), reads the set from the option itself rather than
// through metric.NewAddConfig, which spends about as long as the rest of
// the record inspecting it by reflection. The option is the API's
// *attrOpt, whose only field is the set; [optLayoutKnown] checks that
// once, on an option of known contents, and without it every record goes
// through NewAddConfig.

// optType returns the dynamic type of metric.WithAttributeSet's options.
var optType = sync.OnceValue(func() unsafe.Pointer {
	var o any = metric.WithAttributeSet(*attribute.EmptySet())
	return (*eface)(unsafe.Pointer(&o)).typ //nolint:gosec // an interface's layout.
})

// optLayoutKnown reports whether that option holds its set as its first
// field, behind a pointer.
var optLayoutKnown = sync.OnceValue(func() bool {
	if !setLayoutKnown() {
		return false
	}
	want := attribute.NewSet(attribute.String("k", "v"), attribute.Int("n", 1))
	var o any = metric.WithAttributeSet(want)
	if reflect.TypeOf(o).Kind() != reflect.Pointer || reflect.TypeOf(o).Elem().NumField() != 1 ||
		reflect.TypeOf(o).Elem().Field(0).Type != reflect.TypeFor[attribute.Set]() {
		return false
	}
	got := *(*attribute.Set)((*eface)(unsafe.Pointer(&o)).data) //nolint:gosec // layout checked above.
	return got.Equals(&want)
})

// boundSet returns the attribute set of a record's options when they are
// one metric.WithAttributeSet of a non-empty set, read in place (the
// option is immutable), or nil, and the caller then asks
// metric.NewAddConfig or metric.NewRecordConfig. typ is the setIndex's
// opt: nil when the option's layout is not known, and no option matches.
func boundSet[O any](opts []O, typ unsafe.Pointer) *attribute.Set {
	if len(opts) != 1 || typ == nil {
		return nil
	}
	o := any(opts[0])
	e := (*eface)(unsafe.Pointer(&o)) //nolint:gosec // an interface's layout.
	if e.typ != typ {
		return nil
	}
	s := (*attribute.Set)(e.data)                  // layout checked by optLayoutKnown
	if (*setLayout)(unsafe.Pointer(s)).hash == 0 { //nolint:gosec // see setLayoutKnown.
		return nil // an empty set (hash 0) goes the slow way, to the empty set
	}
	return s
}

// addTo and recordTo return the series of a record's options.
func addTo[S any](x *setIndex[S], opts []metric.AddOption) *S {
	if s := boundSet(opts, x.opt); s != nil {
		return x.get(s)
	}
	attrs := metric.NewAddConfig(opts).Attributes()
	return x.get(&attrs)
}

func recordTo[S any](x *setIndex[S], opts []metric.RecordOption) *S {
	if s := boundSet(opts, x.opt); s != nil {
		return x.get(s)
	}
	attrs := metric.NewRecordConfig(opts).Attributes()
	return x.get(&attrs)
}
