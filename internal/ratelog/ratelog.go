package ratelog

import (
	"hash/maphash"
	"strconv"
	"strings"
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

// MaxKeyLen bounds the bytes a [Keyed] keeps of a key: a longer key is kept
// as its first bytes and a hash of the whole, so two long keys that differ
// only past the cut stay two keys, and a megabyte message costs a few
// hundred bytes.
const MaxKeyLen = 256

// Keyed limits the lines of each key (an error message) to one per
// interval, remembering at most maxKeys keys of at most [MaxKeyLen] bytes
// each, so memory stays bounded whatever the keys. When a new key finds it
// full, the keys quiet for an interval or more are forgotten to make room;
// when none is, the new key is limited together with every other key it
// could not remember, under one shared interval ([Decision].Others): a
// flood of distinct messages costs one line per remembered key and one for
// the others per interval, and nobody's interval is reset.
type Keyed struct {
	every   time.Duration
	maxKeys int
	now     func() time.Time
	seed    maphash.Seed

	mu     sync.Mutex
	seen   map[string]*window
	others window // the keys that found it full, limited together
	// forgotten counts the events held back by keys forgotten since the
	// last line, handed to the next line of any key.
	forgotten int
	// sweepAt is the earliest a remembered key can be quiet for an
	// interval: no sweep before it finds anything to forget.
	sweepAt time.Time
}

// Decision is what [Keyed.Decide] says of an event.
type Decision struct {
	// Allowed says whether the event is due a line.
	Allowed bool
	// Held is, on a line, the events of the key (or of the others, with
	// Others) held back since its last line.
	Held int
	// Others says the key is limited together with the other keys it could
	// not remember: the line stands for them all.
	Others bool
	// Forgotten is, on a line, the events held back by keys forgotten to
	// make room since the last line, so that no count is lost.
	Forgotten int
}

// NewKeyed returns a per-key limiter that lets one line through per key and
// interval every, remembering at most maxKeys keys (at least one).
func NewKeyed(every time.Duration, maxKeys int, opts ...Option) *Keyed {
	return &Keyed{
		every: every, maxKeys: max(maxKeys, 1), now: newConfig(opts).now, seed: maphash.MakeSeed(),
		seen: map[string]*window{},
	}
}

// Allow records an event of key and reports whether it is due a line, and
// if so how many events were held back since the last line of key, or of
// the others when key is limited with them (see [Keyed.Decide]).
func (k *Keyed) Allow(key string) (ok bool, held int) {
	d := k.Decide(key)
	return d.Allowed, d.Held + d.Forgotten
}

// Decide records an event of key and says whether it is due a line, the
// count that line carries, and whether key is limited with the others.
func (k *Keyed) Decide(key string) Decision {
	key = k.bound(key)
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	var d Decision
	w, found := k.seen[key]
	if !found && len(k.seen) >= k.maxKeys {
		k.sweep(now)
	}
	switch {
	case found:
	case len(k.seen) < k.maxKeys:
		w = &window{}
		k.seen[strings.Clone(key)] = w // never the caller's backing array
	default:
		w, d.Others = &k.others, true
	}
	d.Allowed, d.Held = w.allow(now, k.every)
	if d.Allowed {
		d.Forgotten, k.forgotten = k.forgotten, 0
	}
	return d
}

// sweep forgets the keys quiet for an interval or more, keeping the count
// they held back for the next line.
func (k *Keyed) sweep(now time.Time) {
	if now.Before(k.sweepAt) {
		return
	}
	var earliest time.Time
	for key, w := range k.seen {
		if now.Sub(w.last) >= k.every {
			k.forgotten += w.held
			delete(k.seen, key)
			continue
		}
		if earliest.IsZero() || w.last.Before(earliest) {
			earliest = w.last
		}
	}
	k.sweepAt = earliest.Add(k.every)
}

// bound returns key, or for a key longer than [MaxKeyLen] its first bytes
// and a hash of the whole, MaxKeyLen bytes in all.
func (k *Keyed) bound(key string) string {
	if len(key) <= MaxKeyLen {
		return key
	}
	sum := strconv.FormatUint(maphash.String(k.seed, key), 16)
	return key[:MaxKeyLen-len(sum)-1] + "#" + sum
}

// Len returns the number of keys remembered.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.seen)
}
