package fast

import (
	"context"
	"math"
	"sync/atomic"
	"time"
)

// addFloat adds delta to the float64 stored as bits in v.
func addFloat(v *atomic.Uint64, delta float64) {
	for {
		old := v.Load()
		if v.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			return
		}
	}
}

// integral reports whether d is a whole number an int64 holds exactly.
func integral(d float64) bool {
	return d == math.Trunc(d) && d > -(1<<53) && d < 1<<53
}

// intLimit is where whole increments stop going to the integer part of a
// sum and go to its float part instead, as the SDK's float instruments would
// add them: far enough from 2^63 that concurrent adds of at most 2^53 each
// can never carry the integer past it, so a sum never wraps.
const intLimit = 1 << 62

// counter is a monotonic sum: whole increments go to an integer, the rest
// to a float, so the common Add(1) is one atomic add, never a CAS loop.
type counter struct {
	ints atomic.Uint64
	bits atomic.Uint64
}

// Add adds delta; negative, NaN and infinite deltas are ignored.
func (c *counter) Add(delta float64) {
	switch {
	case delta == 1: // the common increment, first
		c.ints.Add(1)
	case !(delta > 0) || math.IsInf(delta, 1):
	case integral(delta) && c.ints.Load() < intLimit:
		c.ints.Add(uint64(delta))
	default:
		addFloat(&c.bits, delta)
	}
}

// Inc adds one.
func (c *counter) Inc() { c.ints.Add(1) }

func (c *counter) value() float64 {
	return float64(c.ints.Load()) + math.Float64frombits(c.bits.Load())
}

// upDown is a sum that goes up and down.
type upDown struct {
	ints atomic.Int64
	bits atomic.Uint64
}

// Add adds delta, which may be negative; NaN and infinities are ignored.
func (u *upDown) Add(delta float64) {
	switch {
	case math.IsNaN(delta) || math.IsInf(delta, 0):
	case integral(delta) && within(u.ints.Load()):
		u.ints.Add(int64(delta))
	default:
		addFloat(&u.bits, delta)
	}
}

// within reports whether n is far enough from the int64 bounds to take
// another whole increment.
func within(n int64) bool { return n < intLimit && n > -intLimit }

func (u *upDown) value() float64 {
	return float64(u.ints.Load()) + math.Float64frombits(u.bits.Load())
}

// gauge holds the last value set.
type gauge struct {
	bits atomic.Uint64
	set  atomic.Bool
}

// Set records value. An infinity is kept (a division by zero is a reading,
// and Prometheus carries it); NaN is ignored, leaving the last reading.
func (g *gauge) Set(value float64) {
	if math.IsNaN(value) {
		return
	}
	g.bits.Store(math.Float64bits(value))
	g.set.Store(true)
}

func (g *gauge) value() float64 { return math.Float64frombits(g.bits.Load()) }

// histogram counts values into buckets with explicit upper bounds
// (inclusive, as Prometheus' le and OpenTelemetry's explicit buckets), and
// keeps the latest exemplar of each bucket when exemplars are on.
type histogram struct {
	bounds    []float64 // shared by every series of the family, never written
	counts    []atomic.Uint64
	sum       atomic.Uint64
	exemplars *exemplars // nil when exemplars are off
}

func initHistogram(bounds []float64, withExemplars bool) func(*histogram) {
	return func(h *histogram) {
		h.bounds = bounds
		h.counts = make([]atomic.Uint64, len(bounds)+1)
		if withExemplars {
			h.exemplars = newExemplars(len(bounds) + 1)
		}
	}
}

// Record counts value in its bucket and adds it to the sum; NaN and the
// infinities are ignored: one of them would leave the sum NaN or infinite
// for the life of the process (and a JSON exporter unable to encode it).
func (h *histogram) Record(value float64) { h.observe(value) }

// RecordContext records value and, when ctx carries a sampled span, keeps
// it as its bucket's exemplar (see port.Histogram).
func (h *histogram) RecordContext(ctx context.Context, value float64) {
	if i := h.observe(value); i >= 0 {
		offer(ctx, h.exemplars, i, value)
	}
}

// RecordSince records the seconds since start and, when ctx carries a
// sampled span, keeps them as their bucket's exemplar, stamped start plus
// the time elapsed: one reading of the clock for both (see
// port.Histogram).
func (h *histogram) RecordSince(ctx context.Context, start time.Time) {
	if elapsed, ok := latencySince(start); ok {
		h.recordElapsed(ctx, start, elapsed)
	}
}

// latencySince returns the time elapsed since start, and whether it is a latency
// to record: not for a zero start (one never set), nor one too far off for
// a Duration (time.Since then saturates).
func latencySince(start time.Time) (time.Duration, bool) {
	elapsed := time.Since(start)
	return elapsed, !start.IsZero() && elapsed != math.MaxInt64 && elapsed != math.MinInt64
}

// recordElapsed records elapsed, measured from start, in seconds; a
// negative one (a wall-clock start the clock stepped back past) as 0, its
// exemplar stamped start plus elapsed, now.
func (h *histogram) recordElapsed(ctx context.Context, start time.Time, elapsed time.Duration) {
	value := max(elapsed, 0).Seconds()
	if i := h.observe(value); i >= 0 {
		offerAt(ctx, h.exemplars, i, value, start, elapsed)
	}
}

// observe records value and returns its bucket, or -1 for a value ignored.
func (h *histogram) observe(value float64) int {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return -1
	}
	i := 0
	if n := len(h.bounds); n <= 16 {
		for i < n && value > h.bounds[i] {
			i++
		}
	} else {
		lo, hi := 0, n
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if value > h.bounds[mid] {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		i = lo
	}
	h.counts[i].Add(1)
	addFloat(&h.sum, value)
	return i
}

func (h *histogram) sumValue() float64 { return math.Float64frombits(h.sum.Load()) }
