package interceptor_test

import (
	"bytes"
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	temporalinterceptor "go.temporal.io/sdk/interceptor"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/compozy/monitoring/interceptor"
	"github.com/compozy/monitoring/monitoringtest"
)

// historyFixture is the history of a real OrderWorkflow execution on a
// Temporal dev server, recorded by the end-to-end test when
// MONITORING_RECORD_HISTORY is set.
const historyFixture = "testdata/order_history.json"

// assertReplayRecordsNothing replays history with the interceptor and
// checks that no workflow metric moved: the execution was counted when it
// ran, and replay must not count it again.
func assertReplayRecordsNothing(t *testing.T, history []byte) {
	t.Helper()
	b := monitoringtest.New(t)
	replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		Interceptors: []temporalinterceptor.WorkerInterceptor{interceptor.NewWorkerInterceptor(b)},
	})
	require.NoError(t, err)
	replayer.RegisterWorkflow(OrderWorkflow)

	require.NoError(t, replayer.ReplayWorkflowHistory(quietLogger(), parseHistory(t, history)),
		"the history must replay cleanly")

	for _, name := range []string{"temporal.workflow.started", "temporal.workflow.ended",
		"temporal.workflow.duration", "temporal.workflow.panics"} {
		assert.Empty(t, b.Series(t, name), "%s moved during replay", name)
	}
}

func TestReplay(t *testing.T) {
	t.Run("Should not record any workflow metric when replaying a recorded history", func(t *testing.T) {
		history, err := os.ReadFile(historyFixture)
		require.NoError(t, err)
		assertReplayRecordsNothing(t, history)
	})

	t.Run("Should fail the replay of a history that does not match the code", func(t *testing.T) {
		// The guard that makes the test above meaningful: the replayer really
		// ran the workflow code against the history.
		history, err := os.ReadFile(historyFixture)
		require.NoError(t, err)
		replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{})
		require.NoError(t, err)
		replayer.RegisterWorkflowWithOptions(DeclinedWorkflow, workflowName("OrderWorkflow"))
		assert.Error(t, replayer.ReplayWorkflowHistory(quietLogger(), parseHistory(t, history)))
	})
}

func parseHistory(t *testing.T, history []byte) *historypb.History {
	t.Helper()
	h, err := client.HistoryFromJSON(bytes.NewReader(history), client.HistoryJSONOptions{})
	require.NoError(t, err)
	return h
}

func quietLogger() temporallog.Logger {
	return temporallog.NewStructuredLogger(slog.New(slog.DiscardHandler))
}
