package ratelog_test

import (
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/ratelog"
)

// clock is a fake clock moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLimiter(t *testing.T) {
	t.Run("Should let the first event through, hold back the rest of the interval, and count them in the next line", func(t *testing.T) {
		c := &clock{t: time.Unix(1000, 0)}
		l := ratelog.New(time.Minute, ratelog.WithClock(c.now))
		ok, held := l.Allow()
		assert.True(t, ok)
		assert.Zero(t, held)
		for range 5 {
			ok, held = l.Allow()
			assert.False(t, ok)
			assert.Zero(t, held)
		}
		c.advance(time.Minute - time.Nanosecond)
		ok, _ = l.Allow()
		assert.False(t, ok, "still within the interval")

		c.advance(time.Nanosecond)
		ok, held = l.Allow()
		assert.True(t, ok, "an interval after the last line")
		assert.Equal(t, 6, held)

		ok, held = l.Allow()
		assert.False(t, ok, "a new interval starts at the line")
		assert.Zero(t, held)
	})

	t.Run("Should let an event at the zero time through first, whatever the clock says", func(t *testing.T) {
		l := ratelog.New(time.Minute, ratelog.WithClock(func() time.Time { return time.Time{} }))
		ok, _ := l.Allow()
		assert.True(t, ok)
		ok, _ = l.Allow()
		assert.False(t, ok)
	})

	t.Run("Should let every event through with an interval of zero or less", func(t *testing.T) {
		for _, every := range []time.Duration{0, -time.Second} {
			l := ratelog.New(every)
			for range 3 {
				ok, held := l.Allow()
				assert.True(t, ok, "interval %s", every)
				assert.Zero(t, held)
			}
		}
	})

	t.Run("Should hand back the count held back on Reset and let the next event through at once", func(t *testing.T) {
		c := &clock{t: time.Unix(1000, 0)}
		l := ratelog.New(time.Hour, ratelog.WithClock(c.now))
		l.Allow()
		l.Allow()
		l.Allow()
		assert.Equal(t, 2, l.Reset())
		assert.Zero(t, l.Reset(), "nothing held after a reset")
		ok, held := l.Allow()
		assert.True(t, ok, "a new run starts with a line")
		assert.Zero(t, held)
	})

	t.Run("Should default to the real clock and ignore a nil one", func(t *testing.T) {
		l := ratelog.New(time.Hour, ratelog.WithClock(nil))
		ok, _ := l.Allow()
		assert.True(t, ok)
		ok, _ = l.Allow()
		assert.False(t, ok)
	})

	t.Run("Should lose no event when many goroutines report at once", func(t *testing.T) {
		c := &clock{t: time.Unix(1000, 0)}
		l := ratelog.New(time.Second, ratelog.WithClock(c.now))
		const goroutines, events = 8, 1000
		var lines, counted atomic.Int64
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range events {
					if g == 0 && i%100 == 0 {
						c.advance(time.Second)
					}
					if ok, held := l.Allow(); ok {
						lines.Add(1)
						counted.Add(int64(1 + held))
					}
				}
			})
		}
		wg.Wait()
		counted.Add(int64(l.Reset()))
		assert.Equal(t, int64(goroutines*events), counted.Load(), "every event is a line or held back in one")
		assert.GreaterOrEqual(t, lines.Load(), int64(1))
		assert.LessOrEqual(t, lines.Load(), int64(events/100+1), "one line per interval at most")
	})
}

func TestKeyed(t *testing.T) {
	t.Run("Should limit each key on its own", func(t *testing.T) {
		c := &clock{t: time.Unix(1000, 0)}
		k := ratelog.NewKeyed(time.Minute, 10, ratelog.WithClock(c.now))
		for range 100 {
			k.Allow("disk full")
		}
		ok, held := k.Allow("another problem")
		assert.True(t, ok, "another key has its own interval")
		assert.Zero(t, held)

		c.advance(time.Minute)
		ok, held = k.Allow("disk full")
		assert.True(t, ok)
		assert.Equal(t, 99, held)
	})

	t.Run("Should stay bounded in memory, limiting the keys past the bound together", func(t *testing.T) {
		k := ratelog.NewKeyed(time.Hour, 4)
		for i := range 4 {
			ok, _ := k.Allow(strconv.Itoa(i))
			require.True(t, ok, "a new key is logged")
		}
		ok, _ := k.Allow("4")
		assert.True(t, ok, "the first of the others is logged")
		for i := 5; i < 100; i++ {
			ok, _ := k.Allow(strconv.Itoa(i))
			assert.False(t, ok, "the others share one interval")
			assert.LessOrEqual(t, k.Len(), 4)
		}
		assert.Equal(t, 4, k.Len())
		ok, _ = k.Allow("0")
		assert.False(t, ok, "a remembered key keeps its interval: nobody is reset")

		one := ratelog.NewKeyed(time.Hour, 0)
		one.Allow("a")
		one.Allow("b")
		assert.Equal(t, 1, one.Len(), "a bound below one is one")
	})

	t.Run("Should be safe for concurrent use", func(t *testing.T) {
		k := ratelog.NewKeyed(time.Hour, 8)
		var lines atomic.Int64
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for range 500 {
					if ok, _ := k.Allow(strconv.Itoa(g)); ok {
						lines.Add(1)
					}
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int64(8), lines.Load(), "one line per key within the interval")
	})
}

func TestKeyedUnderAttack(t *testing.T) {
	t.Run("Should not log every event when more distinct keys than the bound cycle", func(t *testing.T) {
		c := &clock{t: time.Unix(1000, 0)}
		k := ratelog.NewKeyed(time.Minute, 256, ratelog.WithClock(c.now))
		lines, events := 0, 0
		for range 10 {
			for i := range 257 {
				events++
				if ok, _ := k.Allow("collector " + strconv.Itoa(i) + " unreachable"); ok {
					lines++
				}
			}
		}
		assert.LessOrEqual(t, lines, 257, "one line per key it remembers and one for the others, within the interval")
		assert.LessOrEqual(t, k.Len(), 256)

		// An interval later, the others' line carries the count held back.
		c.advance(time.Minute)
		held := 0
		lines = 0
		for i := range 257 {
			if ok, h := k.Allow("collector " + strconv.Itoa(i) + " unreachable"); ok {
				lines++
				held += h
			}
		}
		assert.LessOrEqual(t, lines, 257)
		assert.Equal(t, events-257, held, "no event lost: every one held back is counted in a later line")
	})

	t.Run("Should say when a line stands for the keys it could not remember", func(t *testing.T) {
		k := ratelog.NewKeyed(time.Hour, 2)
		assert.False(t, k.Decide("a").Others)
		assert.False(t, k.Decide("b").Others)
		d := k.Decide("c")
		assert.True(t, d.Allowed)
		assert.True(t, d.Others, "the third key is limited with the others")
		assert.False(t, k.Decide("d").Allowed, "held back with the others")
		assert.False(t, k.Decide("a").Allowed, "a remembered key keeps its own interval")
	})

	t.Run("Should make room for a new key once a remembered one is quiet past its interval", func(t *testing.T) {
		c := &clock{t: time.Unix(1000, 0)}
		k := ratelog.NewKeyed(time.Minute, 2, ratelog.WithClock(c.now))
		k.Allow("a")
		k.Allow("b")
		c.advance(time.Minute)
		k.Allow("b") // b is logged again, a stays quiet
		d := k.Decide("c")
		assert.True(t, d.Allowed)
		assert.False(t, d.Others, "a, quiet for an interval, made room")
		assert.Equal(t, 2, k.Len())
	})

	t.Run("Should hand the count held back by a forgotten key to the next line", func(t *testing.T) {
		c := &clock{t: time.Unix(1000, 0)}
		k := ratelog.NewKeyed(time.Minute, 1, ratelog.WithClock(c.now))
		k.Allow("a")
		k.Allow("a")
		k.Allow("a") // two held back
		c.advance(time.Minute)
		d := k.Decide("b") // a is forgotten: its two go with this line
		assert.True(t, d.Allowed)
		assert.False(t, d.Others)
		assert.Zero(t, d.Held)
		assert.Equal(t, 2, d.Forgotten)
		assert.Zero(t, k.Decide("c").Forgotten, "handed once")
	})

	t.Run("Should keep a bounded size per key whatever the key's length", func(t *testing.T) {
		const keys, keyLen = 256, 64 << 10
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		k := ratelog.NewKeyed(time.Hour, keys)
		for i := range keys {
			key := strconv.Itoa(i) + strings.Repeat("x", keyLen) // a fresh allocation each
			k.Allow(key)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		assert.Equal(t, keys, k.Len())
		if after.HeapAlloc > before.HeapAlloc {
			assert.Less(t, after.HeapAlloc-before.HeapAlloc, uint64(1<<20),
				"256 keys of 64 KiB (16 MiB) are kept in less than 1 MiB")
		}
		runtime.KeepAlive(k)

		// Long keys that differ only past the cut stay distinct.
		k2 := ratelog.NewKeyed(time.Hour, 4)
		long := strings.Repeat("y", 1000)
		ok1, _ := k2.Allow(long + "1")
		ok2, _ := k2.Allow(long + "2")
		ok3, _ := k2.Allow(long + "1")
		assert.True(t, ok1)
		assert.True(t, ok2, "a different long key is its own key")
		assert.False(t, ok3, "the same long key is limited")
	})

	t.Run("Should stay correct under concurrent use with more keys than the bound", func(t *testing.T) {
		c := &clock{t: time.Unix(1000, 0)}
		k := ratelog.NewKeyed(time.Minute, 16, ratelog.WithClock(c.now))
		var counted atomic.Int64
		var wg sync.WaitGroup
		const goroutines, events = 8, 2000
		for g := range goroutines {
			wg.Go(func() {
				for i := range events {
					if g == 0 && i%500 == 0 {
						c.advance(time.Minute)
					}
					if ok, held := k.Allow(strconv.Itoa((g*7 + i) % 40)); ok {
						counted.Add(int64(1 + held))
					}
				}
			})
		}
		wg.Wait()
		assert.LessOrEqual(t, k.Len(), 16)
		assert.LessOrEqual(t, counted.Load(), int64(goroutines*events))
		assert.Positive(t, counted.Load())
	})
}
