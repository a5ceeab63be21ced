package interceptor

import "sync"

// seenRuns remembers the last runs whose start or end this worker recorded,
// so that a workflow task that is retried without being a replay (its
// first attempt failed, panicked or was lost) does not count the same start
// or end twice. It holds at most capacity keys, forgetting the oldest first:
// memory stays bounded whatever the workload. Another worker picking up the
// retried task does not share it, so across workers the counts are at least
// once rather than exactly once in that rare case.
type seenRuns struct {
	mu       sync.Mutex
	keys     map[string]struct{}
	order    []string
	next     int
	capacity int
}

func newSeenRuns(capacity int) *seenRuns {
	return &seenRuns{keys: make(map[string]struct{}, capacity), order: make([]string, capacity), capacity: capacity}
}

// first reports whether key is new, and remembers it.
func (s *seenRuns) first(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[key]; ok {
		return false
	}
	if old := s.order[s.next]; old != "" {
		delete(s.keys, old)
	}
	s.order[s.next] = key
	s.next = (s.next + 1) % s.capacity
	s.keys[key] = struct{}{}
	return true
}
