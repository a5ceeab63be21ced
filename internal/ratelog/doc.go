// Package ratelog decides when a line that could repeat on every event (a
// failed export, a failed scrape, a refused request, OpenTelemetry's own
// errors) is due: the first event is logged, then at most one line per
// interval, and the events held back in between are counted and handed to
// the next line, so a fault that comes back every second costs one line a
// minute and loses no count.
//
// It decides only; the caller logs, with its own message and attributes.
// [Limiter] limits one kind of event, [Keyed] one per key (a message) with a
// bound on the keys it remembers. Both are safe for concurrent use. It is a
// leaf package: it imports nothing of this module, so every layer may use
// it.
package ratelog
