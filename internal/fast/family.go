package fast

import (
	"hash/maphash"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/compozy/monitoring/port"
)

// overflowKey marks the series that takes the values beyond the cardinality
// limit, as the OpenTelemetry SDK does.
const overflowKey = attribute.Key("otel.metric.overflow")

// record is one series: its values, its attribute set (built once) and its
// aggregation.
type record[S any] struct {
	values port.Values
	attrs  attribute.Set
	s      S
}

// node links the values looked up (and their hash) to their series in the
// index: several values may share a series (the overflow series, or values
// whose attributes are equal). Nodes are immutable once published, so
// readers walk them without a lock.
type node[S any] struct {
	hash   uint64
	values port.Values
	rec    *record[S]
	next   *node[S]
}

type table[S any] struct {
	buckets []atomic.Pointer[node[S]]
	mask    uint64
}

func newTable[S any](size int) *table[S] {
	return &table[S]{buckets: make([]atomic.Pointer[node[S]], size), mask: uint64(size - 1)} //nolint:gosec // size is a power of two >= 16.
}

// family holds every series of one instrument. Lookups are lock-free; a new
// series takes a mutex once.
type family[S any] struct {
	desc   port.Desc
	n      int
	seed   maphash.Seed
	limit  int
	start  time.Time
	init   func(*S)
	index  atomic.Pointer[table[S]]
	mu     sync.Mutex
	recs   []*record[S]
	byAttr map[attribute.Distinct]*record[S]
	nodes  int
	spill  *record[S] // the overflow series, once the limit is reached
	parked int        // index nodes that are not a series' own: aliases and over-limit values
	// spelled is true when two different values can map to one series (an
	// integer key: "200", "0200" and "+200").
	spelled bool
}

func newFamily[S any](d port.Desc, limit int, start time.Time, init func(*S)) *family[S] {
	f := &family[S]{
		desc: d, n: len(d.Keys), seed: maphash.MakeSeed(), limit: limit, start: start, init: init,
		byAttr: map[attribute.Distinct]*record[S]{},
	}
	for _, k := range d.IntKeys {
		f.spelled = f.spelled || slices.Contains(d.Keys, k)
	}
	f.index.Store(newTable[S](16))
	return f
}

func (f *family[S]) hash(v *port.Values) uint64 {
	var h uint64
	for i := range f.n {
		h = h*0x9E3779B97F4A7C15 ^ maphash.String(f.seed, v[i])
	}
	return h
}

// get returns the series of values, creating it on first use.
func (f *family[S]) get(v port.Values) *S {
	for i := f.n; i < port.MaxKeys; i++ {
		v[i] = ""
	}
	h := f.hash(&v)
	t := f.index.Load()
	for nd := t.buckets[h&t.mask].Load(); nd != nil; nd = nd.next {
		if nd.hash == h && nd.values == v {
			return &nd.rec.s
		}
	}
	return f.insert(h, v)
}

func (f *family[S]) insert(h uint64, v port.Values) *S {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.index.Load()
	for nd := t.buckets[h&t.mask].Load(); nd != nil; nd = nd.next {
		if nd.hash == h && nd.values == v {
			return &nd.rec.s
		}
	}
	// The limit applies to new series only: a value that is another
	// spelling of a series that exists ("0200" for 200 on an integer key)
	// is recorded there, as the SDK looks its attribute set up before
	// counting it against the limit.
	over := f.limit > 0 && len(f.recs) >= f.limit-1
	var rec *record[S]
	var attrs attribute.Set
	if !over || f.spelled {
		attrs = f.attributes(v)
		rec = f.byAttr[attrs.Equivalent()]
	}
	switch {
	case rec != nil:
		// Another spelling of an existing series: an alias. Spellings are
		// unbounded ("0200", "00200", ...), so only a budget of them is
		// indexed, below the limit as past it; the others find their series
		// here, through byAttr, each time.
		if f.parked >= f.budget() {
			return &rec.s
		}
		f.parked++
	case over:
		if f.spill == nil {
			f.spill = f.newRecord(port.Values{}, attribute.NewSet(overflowKey.Bool(true)))
		}
		// Index a bounded number of over-limit values so they stay on the
		// fast path; beyond that they take this slower path each time.
		if f.parked >= f.budget() {
			return &f.spill.s
		}
		f.parked++
		rec = f.spill
	default:
		rec = f.newRecord(v, attrs)
		f.byAttr[attrs.Equivalent()] = rec
	}
	if f.nodes >= 2*len(t.buckets) {
		t = f.grow(t)
	}
	b := &t.buckets[h&t.mask]
	b.Store(&node[S]{hash: h, values: v, rec: rec, next: b.Load()})
	f.nodes++
	return &rec.s
}

// budget is how many index nodes may point at a series that is not their
// own (another spelling of it, or the overflow series): four per series the
// limit allows, or, with no limit, four per series that exists (at least
// 16 series' worth), so that the index grows with the series and never with
// the spellings.
func (f *family[S]) budget() int {
	if f.limit > 0 {
		return 4 * f.limit
	}
	return 4 * max(len(f.recs), 16)
}

// attributes builds the attribute set of v: an empty value leaves its key
// out, as an absent label; an integer key's value becomes an integer.
func (f *family[S]) attributes(v port.Values) attribute.Set {
	kvs := make([]attribute.KeyValue, 0, f.n)
	for i, k := range f.desc.Keys {
		if v[i] == "" {
			continue
		}
		if n, err := strconv.ParseInt(v[i], 10, 64); err == nil && slices.Contains(f.desc.IntKeys, k) {
			kvs = append(kvs, attribute.Int64(k, n))
			continue
		}
		kvs = append(kvs, attribute.String(k, v[i]))
	}
	return attribute.NewSet(kvs...)
}

func (f *family[S]) newRecord(v port.Values, attrs attribute.Set) *record[S] {
	rec := &record[S]{values: v, attrs: attrs}
	if f.init != nil {
		f.init(&rec.s)
	}
	f.recs = append(f.recs, rec)
	return rec
}

// grow publishes a table twice the size with fresh nodes, leaving the old
// one intact for the readers still walking it.
func (f *family[S]) grow(old *table[S]) *table[S] {
	t := newTable[S](2 * len(old.buckets))
	for i := range old.buckets {
		for nd := old.buckets[i].Load(); nd != nil; nd = nd.next {
			b := &t.buckets[nd.hash&t.mask]
			b.Store(&node[S]{hash: nd.hash, values: nd.values, rec: nd.rec, next: b.Load()})
		}
	}
	f.index.Store(t)
	return t
}

// records returns the series that exist now.
func (f *family[S]) records() []*record[S] {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.recs[:len(f.recs):len(f.recs)]
}
