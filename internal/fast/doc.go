// Package fast is the recording fast path: instruments declared once with
// their attribute keys, recorded with atomics and no allocation, and looked
// up by their values through a lock-free index. At collection a
// [Registry] turns what was recorded into OpenTelemetry metric data for an
// SDK reader (it is a metric.Producer), so every backend exports these
// instruments beside the SDK's own, with cumulative temporality, units and
// buckets.
//
// Every instrument is claimed on an identity table (internal/identity)
// when it is created, the one its backend's meter shares: a redeclaration
// that changes the numbers, a name whose exported form another instrument
// owns, or a key the exposition cannot carry is refused and reported, and
// the instrument handed out records nothing. Recording never consults it.
//
// Memory: the index holds a node per series and, within a budget, nodes
// for values that map to a series not their own (another spelling of an
// integer key, a value past the limit): four per series the cardinality
// limit allows, or, with no limit, four per series that exists (counting
// at least 16). The other such values find their series under the lock
// each time.
//
// Contention: a Meter() sum whose adds from several goroutines meet is
// spread over one cell per P, found through per-P caches (spread.go,
// meter_sum.go), so that adds on different cores stop waiting for one
// cache line; the memory that takes is bounded there.
//
// Consistency: each series is updated with independent atomics, so a
// collection that runs while a histogram records may see the new bucket
// count before the new sum; the next collection sees both. Nothing recorded
// is ever lost.
package fast
