package ratelog

import (
	"sync"
	"time"
)

// Option configures a [Limiter] or a [Keyed].
type Option func(*config)

type config struct{ now func() time.Time }

// WithClock replaces time.Now, for tests that move time by hand.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

func newConfig(opts []Option) config {
	c := config{now: time.Now}
	for _, opt := range opts {
		opt(&c)
	}
	return c
}

// window is the state of one kind of event: when its last line was logged
// and how many events were held back since.
type window struct {
	logged bool
	last   time.Time
	held   int
}

// allow says whether an event at now is due a line: the first one is, and
// then one an interval or more after the last line. A due event takes the
// count held back and starts a new interval; one that is not due is added
// to the count. An interval of zero or less makes every event due.
func (w *window) allow(now time.Time, every time.Duration) (ok bool, held int) {
	if w.logged && now.Sub(w.last) < every {
		w.held++
		return false, 0
	}
	held = w.held
	w.logged, w.last, w.held = true, now, 0
	return true, held
}

// Limiter limits the lines of one kind of event to one per interval.
type Limiter struct {
	every time.Duration
	now   func() time.Time

	mu sync.Mutex
	w  window
}

// New returns a limiter that lets one line through per interval every.
func New(every time.Duration, opts ...Option) *Limiter {
	return &Limiter{every: every, now: newConfig(opts).now}
}

// Allow records an event and reports whether it is due a line, and if so
// how many events were held back since the last line (this one not
// counted).
func (l *Limiter) Allow() (ok bool, held int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.allow(now, l.every)
}

// Reset ends a run of events (an exporter that recovered): the next event
// is logged at once. It returns the events held back since the last line,
// for the line that reports the end.
func (l *Limiter) Reset() (held int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	held = l.w.held
	l.w = window{}
	return held
}

// Keyed limits the lines of each key (an error message) to one per
// interval, remembering at most maxKeys keys: when a new key finds it full,
// it forgets them all, so memory stays bounded whatever the keys (a
// forgotten key is logged at once on its next event).
type Keyed struct {
	every   time.Duration
	maxKeys int
	now     func() time.Time

	mu   sync.Mutex
	seen map[string]*window
}

// NewKeyed returns a per-key limiter that lets one line through per key and
// interval every, remembering at most maxKeys keys (at least one).
func NewKeyed(every time.Duration, maxKeys int, opts ...Option) *Keyed {
	return &Keyed{every: every, maxKeys: max(maxKeys, 1), now: newConfig(opts).now, seen: map[string]*window{}}
}

// Allow records an event of key and reports whether it is due a line, and
// if so how many events of key were held back since its last line.
func (k *Keyed) Allow(key string) (ok bool, held int) {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	w, found := k.seen[key]
	if !found {
		if len(k.seen) >= k.maxKeys {
			clear(k.seen)
		}
		w = &window{}
		k.seen[key] = w
	}
	return w.allow(now, k.every)
}

// Len returns the number of keys remembered.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.seen)
}
