package ratelog_test

import (
	"strconv"
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

	t.Run("Should stay bounded in memory, forgetting every key when full", func(t *testing.T) {
		k := ratelog.NewKeyed(time.Hour, 4)
		for i := range 100 {
			ok, _ := k.Allow(strconv.Itoa(i))
			require.True(t, ok, "a new key is logged")
			assert.LessOrEqual(t, k.Len(), 4)
		}
		assert.Equal(t, 4, k.Len())
		ok, _ := k.Allow("0")
		assert.True(t, ok, "a forgotten key is logged at once")

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
