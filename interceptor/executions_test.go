package interceptor_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/interceptor"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/monitoringtest"
)

// sharedInterceptor returns one interceptor over a fresh backend, logging
// into the buffer returned, to be shared by several test environments.
func sharedInterceptor(t *testing.T) (*interceptor.WorkerInterceptor, *monitoringtest.Backend, *testkit.Buffer) {
	t.Helper()
	b := monitoringtest.New(t)
	logs := &testkit.Buffer{}
	return interceptor.NewWorkerInterceptor(b, interceptor.WithLogger(slog.New(slog.NewTextHandler(logs, nil)))), b, logs
}

// execute runs workflow in a new test environment over wi, started at
// start unless start is zero (then the environment takes the wall clock).
func execute(t *testing.T, wi *interceptor.WorkerInterceptor, start time.Time, workflow string, args ...any) {
	t.Helper()
	env := newEnvFor(wi)
	if !start.IsZero() {
		env.SetStartTime(start)
	}
	env.ExecuteWorkflow(workflow, args...)
	require.True(t, env.IsWorkflowCompleted())
}

func TestEveryExecutionCountsOnce(t *testing.T) {
	t.Run("Should count every execution when one interceptor serves several test environments", func(t *testing.T) {
		// The testsuite gives every environment the same workflow and run
		// IDs; only the start time in the history tells the executions apart.
		wi, b, _ := sharedInterceptor(t)
		execute(t, wi, time.Time{}, "OrderWorkflow", 100)
		execute(t, wi, time.Time{}, "DeclinedWorkflow")
		execute(t, wi, time.Time{}, "OrderWorkflow", 200)

		assert.Equal(t, map[string]int64{wfAttrs("OrderWorkflow"): 2, wfAttrs("DeclinedWorkflow"): 1},
			sums(t, b, "temporal.workflow.started"))
		assert.Equal(t, map[string]int64{
			wfAttrs("OrderWorkflow", interceptor.OutcomeCompleted): 2,
			wfAttrs("DeclinedWorkflow", interceptor.OutcomeFailed): 1,
		}, sums(t, b, "temporal.workflow.ended"))
	})

	t.Run("Should count one execution seen twice live, as a retried first task is, once", func(t *testing.T) {
		// Same IDs, same type, same start time in the history: to the
		// interceptor this is one execution whose task ran twice.
		wi, b, _ := sharedInterceptor(t)
		start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		execute(t, wi, start, "OrderWorkflow", 100)
		execute(t, wi, start, "OrderWorkflow", 100)

		assert.Equal(t, map[string]int64{wfAttrs("OrderWorkflow"): 1}, sums(t, b, "temporal.workflow.started"))
		assert.Equal(t, map[string]int64{wfAttrs("OrderWorkflow", interceptor.OutcomeCompleted): 1},
			sums(t, b, "temporal.workflow.ended"))
	})

	t.Run("Should tell apart executions that differ only by their start time", func(t *testing.T) {
		wi, b, _ := sharedInterceptor(t)
		start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		execute(t, wi, start, "OrderWorkflow", 100)
		execute(t, wi, start.Add(time.Nanosecond), "OrderWorkflow", 100)

		assert.Equal(t, map[string]int64{wfAttrs("OrderWorkflow"): 2}, sums(t, b, "temporal.workflow.started"))
	})
}

// exact returns, per outcome attributes, the ends counted minus the ends
// superseded: the outcomes as the server recorded them.
func exact(t *testing.T, b *monitoringtest.Backend) map[string]int64 {
	t.Helper()
	out := sums(t, b, "temporal.workflow.ended")
	for k, v := range sums(t, b, "temporal.workflow.superseded") {
		out[k] -= v
	}
	return out
}

// durationCounts returns the observations of the workflow duration
// histogram per attribute set.
func durationCounts(t *testing.T, b *monitoringtest.Backend) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	m, ok := b.Metric(t, "temporal.workflow.duration")
	require.True(t, ok)
	for _, p := range m.Data.(metricdata.Histogram[float64]).DataPoints {
		out[p.Attributes.Encoded(attribute.DefaultEncoder())] = p.Count
	}
	return out
}

func TestSupersededEnds(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	completed := wfAttrs("VerdictWorkflow", interceptor.OutcomeCompleted)
	failed := wfAttrs("VerdictWorkflow", interceptor.OutcomeFailed)

	t.Run("Should count a later live end of the same execution and show the earlier one as superseded", func(t *testing.T) {
		// As when the server rejects a completion (a signal arrived while the
		// final task ran) and the workflow, run again, fails.
		wi, b, logs := sharedInterceptor(t)
		execute(t, wi, start, "VerdictWorkflow", false)
		execute(t, wi, start, "VerdictWorkflow", true)

		assert.Equal(t, map[string]int64{wfAttrs("VerdictWorkflow"): 1}, sums(t, b, "temporal.workflow.started"))
		assert.Equal(t, map[string]int64{completed: 1, failed: 1}, sums(t, b, "temporal.workflow.ended"),
			"counters never go back: the earlier end stays counted")
		assert.Equal(t, map[string]int64{completed: 1}, sums(t, b, "temporal.workflow.superseded"))
		assert.Equal(t, map[string]int64{completed: 0, failed: 1}, exact(t, b))
		assert.Equal(t, map[string]uint64{completed: 1, failed: 1}, durationCounts(t, b),
			"the duration histogram keeps the superseded end: its count minus the superseded counter is exact")
		assert.Contains(t, logs.String(), "superseded_outcome=completed")
		assert.Contains(t, logs.String(), "run_id=default-test-run-id", "the log names the run")
	})

	t.Run("Should keep superseding while the outcome keeps changing", func(t *testing.T) {
		wi, b, _ := sharedInterceptor(t)
		execute(t, wi, start, "VerdictWorkflow", false)
		execute(t, wi, start, "VerdictWorkflow", true)
		execute(t, wi, start, "VerdictWorkflow", false)

		assert.Equal(t, map[string]int64{completed: 2, failed: 1}, sums(t, b, "temporal.workflow.ended"))
		assert.Equal(t, map[string]int64{completed: 1, failed: 1}, sums(t, b, "temporal.workflow.superseded"))
		assert.Equal(t, map[string]int64{completed: 1, failed: 0}, exact(t, b))
	})

	t.Run("Should supersede nothing when the later end has the same outcome", func(t *testing.T) {
		wi, b, _ := sharedInterceptor(t)
		execute(t, wi, start, "VerdictWorkflow", true)
		execute(t, wi, start, "VerdictWorkflow", true)

		assert.Equal(t, map[string]int64{failed: 1}, sums(t, b, "temporal.workflow.ended"))
		assert.Empty(t, sums(t, b, "temporal.workflow.superseded"))
	})

	t.Run("Should supersede nothing across different executions", func(t *testing.T) {
		wi, b, _ := sharedInterceptor(t)
		execute(t, wi, start, "VerdictWorkflow", false)
		execute(t, wi, start.Add(time.Second), "VerdictWorkflow", true)

		assert.Equal(t, map[string]int64{completed: 1, failed: 1}, sums(t, b, "temporal.workflow.ended"))
		assert.Empty(t, sums(t, b, "temporal.workflow.superseded"))
	})
}
