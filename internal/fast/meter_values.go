package fast

import (
	"context"
	"math"
	"sort"
	"sync"
	"sync/atomic"
)

// number is what the OpenTelemetry API records.
type number interface{ int64 | float64 }

// sumOf returns the sum held in ints and the float bits.
func sumOf[N number](ints int64, bits uint64) N {
	var zero N
	if _, ok := any(zero).(int64); ok {
		return N(ints)
	}
	return N(math.Float64frombits(bits) + float64(ints))
}

// gaugeValue is the last value recorded, as bits, and how many records were
// made (zero: never set).
type gaugeValue struct {
	bits atomic.Uint64
	seq  atomic.Uint64
}

func setGauge[N number](g *gaugeValue, v N) {
	g.bits.Store(toBits(v))
	g.seq.Add(1)
}

func toBits[N number](v N) uint64 {
	if i, ok := any(v).(int64); ok {
		return uint64(i) //nolint:gosec // bits, read back by fromBits.
	}
	return math.Float64bits(float64(v))
}

func fromBits[N number](b uint64) N {
	var zero N
	if _, ok := any(zero).(int64); ok {
		return N(int64(b)) //nolint:gosec // bits written by toBits.
	}
	return N(math.Float64frombits(b))
}

// histogramValue is the fast instruments' histogram with the minimum and
// maximum the SDK reports beside it.
type histogramValue struct {
	h        histogram
	ints     atomic.Int64  // the sum of an integer histogram, exact as the SDK's
	min, max atomic.Uint64 // float64 bits, or an integer histogram's int64 (toBits), once set
	set      atomic.Bool
	mu       sync.Mutex // the first value sets both, as in the SDK
}

// record counts value as the SDK's histograms do: a finite value through
// the fast histogram, and, unlike the fast instruments but like the SDK, a
// NaN or an infinity too (in the last bucket, -Inf in the first), which
// leaves the sum NaN or infinite; exporters then leave the point out. When
// ctx carries a sampled span, the value becomes its bucket's exemplar (the
// SDK offers its exemplar reservoir every value, these included).
func (v *histogramValue) record(ctx context.Context, value float64) {
	var i int
	if math.IsNaN(value) || math.IsInf(value, 0) {
		i = sort.SearchFloat64s(v.h.bounds, value)
		v.h.counts[i].Add(1)
		addFloat(&v.h.sum, value)
	} else {
		i = v.h.observe(value)
	}
	v.extrema(value)
	offer(ctx, v.h.exemplars, i, value)
}

// extrema updates the minimum and the maximum as the SDK does.
func (v *histogramValue) extrema(value float64) {
	if !v.set.Load() && v.initExtrema(math.Float64bits(value)) {
		return
	}
	for old := v.min.Load(); value < math.Float64frombits(old); old = v.min.Load() {
		if v.min.CompareAndSwap(old, math.Float64bits(value)) {
			return
		}
	}
	for old := v.max.Load(); math.Float64frombits(old) < value; old = v.max.Load() {
		if v.max.CompareAndSwap(old, math.Float64bits(value)) {
			return
		}
	}
}

// extremaInt is extrema for an integer histogram, whose minimum and
// maximum are kept as int64, exact as the SDK's (a float64 would round
// them past 2^53). A separate function: a generic one costs the float
// path a few nanoseconds.
func (v *histogramValue) extremaInt(value int64) {
	if !v.set.Load() && v.initExtrema(toBits(value)) {
		return
	}
	for old := v.min.Load(); value < fromBits[int64](old); old = v.min.Load() {
		if v.min.CompareAndSwap(old, toBits(value)) {
			return
		}
	}
	for old := v.max.Load(); fromBits[int64](old) < value; old = v.max.Load() {
		if v.max.CompareAndSwap(old, toBits(value)) {
			return
		}
	}
}

// recordInt counts an integer value, its sum kept as an integer, and its
// exemplar's value too.
func (v *histogramValue) recordInt(ctx context.Context, value int64) {
	f := float64(value)
	i := sort.SearchFloat64s(v.h.bounds, f)
	v.h.counts[i].Add(1)
	v.ints.Add(value)
	v.extremaInt(value)
	offer(ctx, v.h.exemplars, i, value)
}

func (v *histogramValue) initExtrema(bits uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.set.Load() {
		return false
	}
	v.min.Store(bits)
	v.max.Store(bits)
	v.set.Store(true)
	return true
}
