package fast

import (
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
)

// TestSetIndexCollisions: two different sets that carry the same hash are
// two series; the same contents built twice are one.
func TestSetIndexCollisions(t *testing.T) {
	require.True(t, setLayoutKnown(), "attribute.Set is laid out as this package reads it")

	t.Run("Should tell apart two sets with one hash", func(t *testing.T) {
		x := newSetIndex[sumValue](0, time.Now, nil)
		a := attribute.NewSet(attribute.String("k", "a"))
		b := attribute.NewSet(attribute.String("k", "b"))
		// Forge the collision: b's contents under a's hash.
		(*setLayout)(unsafe.Pointer(&b)).hash = (*setLayout)(unsafe.Pointer(&a)).hash //nolint:gosec // a forged collision.
		require.Equal(t, a.Equivalent(), b.Equivalent(), "the SDK would key both by one Distinct")
		addSum(x.get(&a), int64(1), true)
		addSum(x.get(&b), int64(5), true)
		addSum(x.get(&b), int64(5), true)
		require.Len(t, x.series(), 2)
		assert.Equal(t, int64(1), x.get(&a).ints.Load())
		assert.Equal(t, int64(10), x.get(&b).ints.Load())
	})

	t.Run("Should find one series for equal sets built apart, whichever comes first", func(t *testing.T) {
		x := newSetIndex[sumValue](0, time.Now, nil)
		kvs := []attribute.KeyValue{attribute.String("k", "a"), attribute.Int("n", 2)}
		first, second := attribute.NewSet(kvs...), attribute.NewSet(kvs[1], kvs[0])
		addSum(x.get(&first), int64(1), true)
		addSum(x.get(&second), int64(2), true)
		require.Len(t, x.series(), 1)
		assert.Equal(t, int64(3), x.get(&first).ints.Load())
	})

	t.Run("Should keep limit-1 series, then the overflow, with a bounded index", func(t *testing.T) {
		x := newSetIndex[sumValue](3, time.Now, nil)
		for i := range 100 {
			s := attribute.NewSet(attribute.Int("i", i))
			addSum(x.get(&s), int64(1), true)
		}
		all := x.series()
		require.Len(t, all, 3)
		assert.Equal(t, attribute.NewSet(attribute.Bool("otel.metric.overflow", true)), all[2].attrs)
		assert.Equal(t, int64(98), all[2].v.ints.Load())
		assert.LessOrEqual(t, x.nodes, 2+4*3, "past the limit, a budget of index nodes")
	})
}

// TestExemplarClock: an exemplar's time is the wall time of its record,
// read from the monotonic clock since an origin that is taken again once
// it is a minute old, so that a corrected or stepped system clock shows
// within that minute.
func TestExemplarClock(t *testing.T) {
	t.Run("Should stamp the wall time of the record", func(t *testing.T) {
		e := newExemplars(1)
		before := time.Now()
		got := time.Unix(0, e.unixNano())
		after := time.Now()
		assert.WithinRange(t, got, before.Add(-time.Millisecond), after.Add(time.Millisecond))
	})

	t.Run("Should take a new origin once the old one is a minute old", func(t *testing.T) {
		e := newExemplars(1)
		old := time.Now().Add(-2 * clockRebase)
		// An origin whose wall reading is an hour off, as after a clock step.
		e.clock.Store(&clockOrigin{t: old, unixNS: old.Add(time.Hour).UnixNano()})
		before := time.Now()
		got := time.Unix(0, e.unixNano())
		assert.WithinRange(t, got, before.Add(-time.Millisecond), time.Now().Add(time.Millisecond))
		assert.True(t, e.clock.Load().t.After(old), "a new origin")
	})
}

// TestExemplarSlot: a slot being written is skipped by a collection rather
// than read half-written, and the record that finds it being written
// leaves it alone; every completed write leaves a greater even sequence
// number, the marker a delta reader compares.
func TestExemplarSlot(t *testing.T) {
	var s exemplarSlot
	_, ok := s.load()
	assert.False(t, ok, "never written")
	s.store(toBits(1.5), 7, [16]byte{1}, [8]byte{2})
	x, ok := s.load()
	require.True(t, ok)
	assert.Equal(t, exemplar{seq: 2, bits: toBits(1.5), unixNS: 7, traceID: [16]byte{1}, spanID: [8]byte{2}}, x)
	s.seq.Add(1) // a record in the middle of writing
	_, ok = s.load()
	assert.False(t, ok, "a slot being written is not read")
	s.store(toBits(9.0), 9, [16]byte{9}, [8]byte{9})
	s.seq.Add(1)
	x, ok = s.load()
	require.True(t, ok)
	assert.InDelta(t, 1.5, fromBits[float64](x.bits), 0, "the concurrent record left the slot to the one writing it")
	s.store(toBits(int64(-3)), 11, [16]byte{3}, [8]byte{3})
	y, ok := s.load()
	require.True(t, ok)
	assert.Greater(t, y.seq, x.seq, "a write moves the sequence number on")
	assert.Equal(t, int64(-3), fromBits[int64](y.bits), "an integer value kept exact")
}
