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
