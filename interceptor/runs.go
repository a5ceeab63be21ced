package interceptor

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// rememberedRuns bounds the workflow executions (runs) whose start and end
// the interceptor remembers: one entry per run, about 50 bytes each (a
// digest, not the IDs, so long workflow IDs cost nothing more), under
// 512 KiB in all.
const rememberedRuns = 8192

// execution identifies one workflow execution as the worker sees it. The
// run ID alone is not enough: the Temporal SDK's testsuite gives every test
// environment the same workflow and run IDs. The start time, from the
// history, is the same for every task of the execution (a retried first task
// included) and differs between test environments, which take it from the
// wall clock; the workflow type tells apart two environments given the same
// start time with SetStartTime.
type execution struct {
	namespace, workflowID, runID, workflowType string
	start                                      time.Time
}

// digest is a fixed-size key for an execution: the SHA-256 of its fields,
// each length-prefixed so that no two executions share an encoding,
// truncated to 128 bits. Collision resistant, so a crafted workflow ID
// cannot make another execution look already counted.
type digest [16]byte

func (e execution) digest() digest {
	h := sha256.New()
	var n [8]byte
	for _, s := range []string{e.namespace, e.workflowID, e.runID, e.workflowType} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		_, _ = h.Write(n[:])
		_, _ = h.Write([]byte(s))
	}
	binary.BigEndian.PutUint64(n[:], uint64(e.start.UnixNano()))
	_, _ = h.Write(n[:])
	var d digest
	copy(d[:], h.Sum(nil))
	return d
}

// runState is what the worker recorded for a run: whether it counted the
// start, and the outcome it counted the end with (noOutcome for none yet),
// as its index in outcomes: two bytes a run.
type runState struct {
	started bool
	outcome uint8
}

// outcomes are the outcomes a runState can hold, by index; noOutcome (0)
// stands for no end counted yet.
var outcomes = [...]string{"", OutcomeCompleted, OutcomeFailed, OutcomeCanceled, OutcomeTimedOut, OutcomeContinuedAsNew}

const noOutcome uint8 = 0

// outcomeIndex returns the index of outcome in outcomes.
func outcomeIndex(outcome string) uint8 {
	for i, o := range outcomes {
		if i > 0 && o == outcome {
			return uint8(i)
		}
	}
	panic("monitoring interceptor: unknown outcome " + outcome)
}

// runMemory remembers, for the last capacity runs this worker recorded, one
// entry each: the start counted, the outcome of the end counted. It serves
// two rules.
//
// A run starts once: a workflow task retried without being a replay (its
// first attempt failed, panicked or was lost) does not count the start
// again.
//
// A run ends once, with the outcome the server recorded: a later live end of
// the same run means the server rejected the earlier completion (an event
// came in while the final task ran), so the later end supersedes it. An end
// with the same outcome again (a completion lost and redone) is not counted
// twice.
//
// It forgets the oldest run first beyond capacity: memory stays bounded
// whatever the workload. Another worker picking up a retried task does not
// share it, so across workers the counts are at least once in that rare
// case.
type runMemory struct {
	mu       sync.Mutex
	runs     map[digest]runState
	order    []digest // a ring of the runs in the order they were first seen
	next     int
	full     bool
	capacity int
}

func newRunMemory(capacity int) *runMemory {
	return &runMemory{runs: make(map[digest]runState, capacity), order: make([]digest, capacity), capacity: capacity}
}

// update applies change to the state of the run d, remembering the run
// (and forgetting the oldest one when full) if it is new.
func (m *runMemory) update(d digest, change func(*runState)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, known := m.runs[d]
	if !known {
		if m.full {
			delete(m.runs, m.order[m.next])
		}
		m.order[m.next] = d
		m.next = (m.next + 1) % m.capacity
		m.full = m.full || m.next == 0
	}
	change(&st)
	m.runs[d] = st
}

// start reports whether the start of the run d is to be counted: the first
// time only.
func (m *runMemory) start(d digest) (count bool) {
	m.update(d, func(st *runState) {
		count = !st.started
		st.started = true
	})
	return count
}

// end reports whether the end of the run d with outcome is to be counted,
// and the outcome counted earlier for the run that it supersedes ("" when
// none): the first end is counted, a later one only when its outcome
// differs.
func (m *runMemory) end(d digest, outcome string) (count bool, superseded string) {
	idx := outcomeIndex(outcome)
	m.update(d, func(st *runState) {
		if st.outcome == idx {
			return
		}
		count, superseded = true, outcomes[st.outcome]
		st.outcome = idx
	})
	return count, superseded
}

// len returns how many runs are remembered.
func (m *runMemory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.runs)
}
