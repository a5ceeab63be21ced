package fast

// SpreadAlways makes every sum of the registry's meter spread from its
// creation (spread.go), so that a test can run the spread path and the
// per-P caches of meter_sum.go without having to win a race for them.
func SpreadAlways() Option { return func(r *Registry) { r.spreadAll = true } }
