package fast

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// atLeastTwoPs runs the test with two Ps or more, so that goroutines can
// add at the same moment.
func atLeastTwoPs(t *testing.T) {
	t.Helper()
	if prev := runtime.GOMAXPROCS(0); prev < 2 {
		runtime.GOMAXPROCS(2)
		t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	}
}

func TestSpread(t *testing.T) {
	t.Run("Should stay one integer until spreadAfter adds met another within spreadWindow", func(t *testing.T) {
		var s sumValue
		for range spreadAfter - 1 {
			s.contended(2)
		}
		assert.Nil(t, s.spread.Load(), "fewer than spreadAfter meetings: one integer")
		added := int64(2 * (spreadAfter - 1))
		// The next meetings spread it, unless a window closed between them
		// (a pause of a millisecond): bounded, they do.
		for i := 0; i < 10*spreadAfter && s.spread.Load() == nil; i++ {
			s.contended(2)
			added += 2
		}
		require.NotNil(t, s.spread.Load())
		assert.NotZero(t, s.mask.Load())
		addSum(&s, int64(5), true)
		ints, _, _, _ := s.load()
		assert.Equal(t, added+5, ints, "nothing lost on the way")
	})

	t.Run("Should count meetings per window: now and then, however long, never spreads", func(t *testing.T) {
		var fails uint64
		var spread bool
		now := int64(1_000_000_000)
		// A thousand windows with spreadAfter-1 meetings each.
		for range 1000 {
			for range spreadAfter - 1 {
				fails, spread = nextFails(fails, now)
				require.False(t, spread)
				now += int64(spreadWindow) / spreadAfter
			}
			now += int64(spreadWindow)
		}
		// spreadAfter within one window.
		for i := range spreadAfter {
			fails, spread = nextFails(fails, now+int64(i))
		}
		assert.True(t, spread)
		// A clock that went back starts a new window.
		fails, spread = nextFails(fails, now-int64(time.Hour))
		assert.False(t, spread)
		assert.Equal(t, uint64(1), fails&0xff)
	})

	t.Run("Should send a float sum's whole increments to the float before a word could carry past int64", func(t *testing.T) {
		for _, spread := range []bool{false, true} {
			var s sumValue
			words := []*atomic.Int64{&s.ints}
			if spread {
				s.spreadNow()
				words = words[:0]
				cells := cellsOf(s.spread.Load(), s.mask.Load())
				for i := range cells {
					words = append(words, &cells[i].ints)
				}
			}
			for _, w := range words {
				w.Store(floatWord - 1) // one add more each, then the float
			}
			const adds = 8
			for range adds {
				addSum(&s, float64(floatWhole), true)
			}
			ints, bits, _, total := s.load()
			start := float64(len(words)) * float64(floatWord-1)
			assert.InEpsilon(t, start+adds*float64(floatWhole), sumOfWords[float64](ints, bits, total), 1e-15, "spread=%v", spread)
			for _, w := range words {
				assert.LessOrEqual(t, w.Load(), int64(floatWord-1+floatWhole), "spread=%v", spread)
			}
			assert.NotZero(t, math.Float64frombits(bits), "the rest went to the float: spread=%v", spread)
		}
	})

	t.Run("Should add a float sum's words up as floats, where their int64 total wraps", func(t *testing.T) {
		var s sumValue
		s.spreadNow()
		cells := cellsOf(s.spread.Load(), s.mask.Load())
		for i := range cells {
			cells[i].ints.Store(floatWord - 1) // each word within its limit
		}
		s.ints.Store(floatWord - 1)
		ints, bits, _, words := s.load()
		want := float64(len(cells)+1) * float64(floatWord-1)
		assert.InEpsilon(t, want, sumOfWords[float64](ints, bits, words), 1e-15)
		assert.NotEqual(t, want, float64(ints), "the int64 total wrapped; the value does not")
		assert.Equal(t, int64(len(cells)+1)*int64(floatWord-1), ints, "as int64 arithmetic wraps it, for an int64 sum")
	})

	t.Run("Should spread a series that goroutines add to at once, and lose no add", func(t *testing.T) {
		atLeastTwoPs(t)
		x := newSetIndex[sumValue](0, time.Now, nil)
		opts := []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("k", "v")))}
		s := x.get(boundSet(opts, x.opt))
		const goroutines = 4
		// Bounded: until the sum is spread (and a while after, through the
		// caches), or three seconds: the goroutines' adds meet only while
		// two of them really run at once, which a busy machine may delay.
		deadline := time.Now().Add(3 * time.Second)
		var wg sync.WaitGroup
		var added [goroutines]int64
		for g := range goroutines {
			wg.Go(func() {
				// The count is kept locally: a shared one would be a second
				// contended line, and the adds would meet less.
				n, after := int64(0), 0
				defer func() { added[g] = n }()
				for i := 1; ; i++ {
					addSumTo(x, int64(1), opts, true)
					n++
					if i%1024 != 0 {
						continue
					}
					if s.spread.Load() != nil {
						after++
					}
					if after > 16 || raceEnabled && i > 20_000 || time.Now().After(deadline) {
						return
					}
				}
			})
		}
		wg.Wait()
		switch {
		case raceEnabled:
			t.Logf("under the race detector the adds rarely meet (spread: %v); nothing lost is checked", s.spread.Load() != nil)
		case pinned:
			require.NotNil(t, s.spread.Load(), "contention seen, the sum spread")
			require.NotNil(t, x.perP.Load(), "and the instrument keeps its per-P caches")
		default:
			require.NotNil(t, s.spread.Load(), "contention seen, the sum spread")
			require.Nil(t, x.perP.Load(), "no per-P caches where nothing pins (monitoring_nolinkname)")
		}
		var want int64
		for _, n := range added {
			want += n
		}
		ints, _, _, _ := s.load()
		assert.Equal(t, want, ints)
	})

	t.Run("Should stay correct when GOMAXPROCS grows past the cells and caches", func(t *testing.T) {
		prev := runtime.GOMAXPROCS(1)
		t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
		x := newSetIndex[sumValue](0, time.Now, (*sumValue).spreadNow) // cells for one P (two)
		sets := []attribute.Set{attribute.NewSet(attribute.Int("i", 1)), attribute.NewSet(attribute.Int("i", 2))}
		opts := [][]metric.AddOption{{metric.WithAttributeSet(sets[0])}, {metric.WithAttributeSet(sets[1])}}
		addSumTo(x, int64(1), opts[0], true) // caches for one P
		require.Equal(t, 0, x.perPMax)
		runtime.GOMAXPROCS(8)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 5000 {
					addSumTo(x, int64(1), opts[(g+i)%2], true)
				}
			})
		}
		wg.Wait()
		for i, set := range sets {
			ints, _, _, _ := x.get(&set).load()
			assert.Equal(t, int64(8*5000/2+1-i), ints, set.Encoded(attribute.DefaultEncoder()))
		}
	})

	t.Run("Should record a fraction beside the cells, and count an up-down record", func(t *testing.T) {
		var s sumValue
		s.spreadNow()
		addSum(&s, 0.5, true)
		addSum(&s, 2.0, true)
		ints, bits, seq, _ := s.load()
		assert.InDelta(t, 2.5, sumOf[float64](ints, bits), 0)
		assert.Zero(t, seq)
		addSum(&s, float64(-1), false) // counted: an up-down record
		_, _, seq, _ = s.load()
		assert.Equal(t, uint64(1), seq)
	})
}

// TestWhole: whole tells the increments that go to a sum's integer from
// the rest: every int64, and the floats that are whole and at most 2^53 in
// magnitude, where the platform's conversion cannot matter.
func TestWhole(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want int64
		ok   bool
	}{
		{1, 1, true}, {0, 0, true}, {-3, -3, true}, {0.5, 0, false},
		{0x1p53, 1 << 53, true}, {-0x1p53, -1 << 53, true}, {0x1p53 + 2, 0, false},
		{-0x1p63, 0, false}, {0x1p63, 0, false}, {5e18, 0, false},
		{math.Inf(1), 0, false}, {math.NaN(), 0, false},
	} {
		got, ok := whole(c.v)
		assert.Equal(t, c.ok, ok, "%g", c.v)
		if ok {
			assert.Equal(t, c.want, got, "%g", c.v)
		}
	}
	for _, v := range []int64{math.MaxInt64, math.MinInt64, math.MaxInt64 - 100, 0, -1} {
		got, ok := whole(v)
		assert.True(t, ok, "%d", v)
		assert.Equal(t, v, got)
	}
}

// TestHotLayout: what every record reads sits on cache lines nothing
// written often shares (meter_index.go, spread.go, meter_sum.go).
func TestHotLayout(t *testing.T) {
	t.Run("Should give a node, a table, a cell and a P's cache lines of their own", func(t *testing.T) {
		assert.Equal(t, uintptr(64), unsafe.Sizeof(setNode[sumValue]{}))
		assert.Equal(t, uintptr(128), unsafe.Sizeof(setTable[sumValue]{}))
		assert.Equal(t, uintptr(cellSize), unsafe.Sizeof(cell{}))
		assert.Equal(t, uintptr(128), unsafe.Sizeof(perPCache{}))
	})

	t.Run("Should keep what a record reads of an instrument in its first 128 bytes, and what a new series writes after", func(t *testing.T) {
		var c float64Counter
		assert.LessOrEqual(t, unsafe.Offsetof(c.perPMax)+unsafe.Sizeof(c.perPMax), uintptr(128), "from the instrument's start")
		assert.GreaterOrEqual(t, unsafe.Offsetof(c.mu), uintptr(128))
		assert.Equal(t, uintptr(192), unsafe.Sizeof(c), "a size class of whole lines")
		if unsafe.Sizeof(uintptr(0)) == 8 {
			// On 64-bit platforms an object of 512 bytes or less is
			// allocated without a header, at a multiple of its size class
			// (192) from its page. A 32-bit runtime puts a header before
			// any object over 128 bytes, so lines are not aligned there.
			var made []any // on the heap, as the meter makes them
			for range 8 {
				c := new(float64Counter)
				made = append(made, c)
				assert.Zero(t, uintptr(unsafe.Pointer(c))%64, "allocated on a line's start") //nolint:gosec // an address read.
			}
			assert.Len(t, made, 8)
		}
	})

	t.Run("Should make one cell per P, two at least, 64 at most", func(t *testing.T) {
		prev := runtime.GOMAXPROCS(0)
		t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
		for procs, want := range map[int]uint32{1: 2, 2: 2, 3: 4, 8: 8, 100: 64} {
			runtime.GOMAXPROCS(procs)
			_, mask := newCells()
			assert.Equal(t, want, mask+1, "GOMAXPROCS=%d", procs)
		}
	})
}
