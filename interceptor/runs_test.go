package interceptor

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run returns the digest of the i-th test execution.
func run(i int) digest {
	return execution{namespace: "default", workflowID: fmt.Sprint("order-", i), runID: fmt.Sprint("run-", i),
		workflowType: "OrderWorkflow", start: time.Unix(1_700_000_000, int64(i))}.digest()
}

func TestRunMemory(t *testing.T) {
	t.Run("Should count a run's start once", func(t *testing.T) {
		m := newRunMemory(4)
		assert.True(t, m.start(run(1)))
		assert.False(t, m.start(run(1)))
		assert.True(t, m.start(run(2)))
	})

	t.Run("Should count the first end, and a later one only when its outcome differs", func(t *testing.T) {
		m := newRunMemory(4)
		count, superseded := m.end(run(1), OutcomeCompleted)
		assert.True(t, count)
		assert.Empty(t, superseded)

		count, superseded = m.end(run(1), OutcomeCompleted)
		assert.False(t, count, "the same end again is not counted")
		assert.Empty(t, superseded)

		count, superseded = m.end(run(1), OutcomeFailed)
		assert.True(t, count)
		assert.Equal(t, OutcomeCompleted, superseded)

		count, superseded = m.end(run(1), OutcomeCompleted)
		assert.True(t, count)
		assert.Equal(t, OutcomeFailed, superseded)
	})

	t.Run("Should hold a run's start and end in one entry", func(t *testing.T) {
		m := newRunMemory(4)
		m.start(run(1))
		m.end(run(1), OutcomeCompleted)
		assert.Equal(t, 1, m.len())
		assert.False(t, m.start(run(1)), "the end did not make the start forgotten")
	})

	t.Run("Should remember exactly rememberedRuns runs, started and ended, and forget the oldest beyond", func(t *testing.T) {
		m := newRunMemory(rememberedRuns)
		for i := range rememberedRuns {
			require.True(t, m.start(run(i)))
			count, _ := m.end(run(i), OutcomeCompleted)
			require.True(t, count)
		}
		assert.Equal(t, rememberedRuns, m.len())
		for i := range rememberedRuns {
			require.False(t, m.start(run(i)), "run %d of %d forgotten at capacity", i, rememberedRuns)
			count, _ := m.end(run(i), OutcomeCompleted)
			require.False(t, count, "run %d of %d forgotten at capacity", i, rememberedRuns)
		}

		assert.True(t, m.start(run(rememberedRuns)), "one run more")
		assert.Equal(t, rememberedRuns, m.len())
		assert.True(t, m.start(run(0)), "the oldest run was forgotten")
		assert.False(t, m.start(run(2)), "and only it: the next oldest is still there")
	})

	t.Run("Should stay bounded in memory at capacity, whatever the length of the IDs", func(t *testing.T) {
		long := string(make([]byte, 1000)) // Temporal allows workflow IDs of 1000 bytes.
		before := heapInUse()
		m := newRunMemory(rememberedRuns)
		for i := range 2 * rememberedRuns {
			m.start(execution{workflowID: long + fmt.Sprint(i), runID: long, start: time.Unix(0, int64(i))}.digest())
		}
		used := heapInUse() - before
		runtime.KeepAlive(m)
		t.Logf("%d bytes for %d runs", used, rememberedRuns)
		assert.Less(t, used, int64(512<<10), "%d bytes for %d runs", used, rememberedRuns)
	})

	t.Run("Should be safe for concurrent use, counting each start once", func(t *testing.T) {
		m := newRunMemory(rememberedRuns)
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			counts = map[int]int{}
		)
		for g := range 8 {
			wg.Go(func() {
				for i := range 500 {
					if m.start(run(i)) {
						mu.Lock()
						counts[i]++
						mu.Unlock()
					}
					m.end(run(i), outcomes[1+(i+g)%(len(outcomes)-1)])
				}
			})
		}
		wg.Wait()
		assert.Len(t, counts, 500)
		for i, n := range counts {
			assert.Equal(t, 1, n, "run %d", i)
		}
	})
}

func heapInUse() int64 {
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return int64(s.HeapAlloc) //nolint:gosec // far below 2^63.
}

func TestExecutionDigest(t *testing.T) {
	base := execution{namespace: "default", workflowID: "order-1", runID: "r1", workflowType: "OrderWorkflow",
		start: time.Unix(1_700_000_000, 0)}
	t.Run("Should be the same for the same execution", func(t *testing.T) {
		again := base
		assert.Equal(t, base.digest(), again.digest())
	})

	t.Run("Should differ when any field differs, field boundaries included", func(t *testing.T) {
		variants := map[string]execution{}
		for name, change := range map[string]func(*execution){
			"namespace":     func(e *execution) { e.namespace = "other" },
			"workflow ID":   func(e *execution) { e.workflowID = "order-2" },
			"run ID":        func(e *execution) { e.runID = "r2" },
			"workflow type": func(e *execution) { e.workflowType = "DeclinedWorkflow" },
			"start time":    func(e *execution) { e.start = e.start.Add(time.Nanosecond) },
			// The same bytes split differently between two fields.
			"boundary": func(e *execution) { e.workflowID, e.runID = "order-1r", "1" },
		} {
			e := base
			change(&e)
			variants[name] = e
		}
		seen := map[digest]string{base.digest(): "base"}
		for name, e := range variants {
			d := e.digest()
			assert.NotContains(t, seen, d, "%s collides with %s", name, seen[d])
			seen[d] = name
		}
	})
}

func TestOutcomeIndex(t *testing.T) {
	t.Run("Should hold every outcome the interceptor records", func(t *testing.T) {
		for _, o := range []string{OutcomeCompleted, OutcomeFailed, OutcomeCanceled, OutcomeTimedOut, OutcomeContinuedAsNew} {
			assert.Equal(t, o, outcomes[outcomeIndex(o)])
			assert.NotEqual(t, noOutcome, outcomeIndex(o))
		}
	})

	t.Run("Should refuse an unknown outcome", func(t *testing.T) {
		assert.Panics(t, func() { outcomeIndex("exploded") })
		assert.Panics(t, func() { outcomeIndex("") })
	})
}
