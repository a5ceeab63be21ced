package interceptor_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	temporalinterceptor "go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/interceptor"
	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/internal/temporaldev"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/service"
)

// recordHistoryEnv, when set, makes the end-to-end test rewrite the replay
// fixture testdata/order_history.json from a real execution.
const recordHistoryEnv = "MONITORING_RECORD_HISTORY"

// scrapeLines returns the exposition lines of h that start with prefix.
func scrapeLines(t *testing.T, h http.Handler, prefix string) []string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var out []string
	sc := bufio.NewScanner(rec.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			out = append(out, sc.Text())
		}
	}
	return out
}

func TestEndToEndTemporalServer(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: runs a Temporal dev server")
	}
	address, serverMetrics := temporaldev.Start(t)
	t.Run("Should count real executions on a dev server and expose them on /metrics", func(t *testing.T) {
		svc := newService(t)

		const identity = "e2e-worker-identity-4242"
		c := temporaldev.Dial(t, address, client.Options{MetricsHandler: interceptor.NewMetricsHandler(svc), Identity: identity})
		const queue = "e2e-orders"
		wi := interceptor.NewWorkerInterceptor(svc)
		wi.SetConfiguredWorkers(1)
		w := wi.Track(worker.New(c, queue, worker.Options{
			Interceptors: []temporalinterceptor.WorkerInterceptor{wi},
		}), queue)
		w.RegisterWorkflow(OrderWorkflow)
		w.RegisterWorkflow(DeclinedWorkflow)
		w.RegisterWorkflow(FlakyStartWorkflow)
		w.RegisterActivityWithOptions(charge, activityName("charge"))
		w.RegisterActivityWithOptions(declined, activityName("declined"))
		require.NoError(t, w.Start())

		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		var lastID, lastRun string
		for i := range 3 {
			run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: fmt.Sprintf("order-%d", i), TaskQueue: queue}, OrderWorkflow, 100*(i+1))
			require.NoError(t, err)
			var charged int
			require.NoError(t, run.Get(ctx, &charged))
			assert.Equal(t, 100*(i+1), charged)
			lastID, lastRun = run.GetID(), run.GetRunID()
		}
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "declined", TaskQueue: queue}, DeclinedWorkflow)
		require.NoError(t, err)
		require.Error(t, run.Get(ctx, nil))

		// A first workflow task that panics is retried by the server without
		// being a replay: the start must still count once.
		firstTaskPanics.Store(true)
		run, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "flaky-start", TaskQueue: queue}, FlakyStartWorkflow)
		require.NoError(t, err)
		require.NoError(t, run.Get(ctx, nil))

		h := svc.ExporterHandler()
		flaky := `namespace="default",task_queue="` + queue + `",workflow_type="FlakyStartWorkflow"`
		assert.Contains(t, scrapeLines(t, h, "temporal_workflow_started_total"),
			`temporal_workflow_started_total{`+flaky+`} 1`)
		assert.Contains(t, scrapeLines(t, h, "temporal_workflow_panics_total"),
			`temporal_workflow_panics_total{`+flaky+`} 1`)
		assert.Contains(t, scrapeLines(t, h, "temporal_workflow_ended_total"),
			`temporal_workflow_ended_total{namespace="default",outcome="completed",task_queue="`+queue+
				`",workflow_type="FlakyStartWorkflow"} 1`)
		labels := `namespace="default",task_queue="` + queue + `"`
		assert.Contains(t, scrapeLines(t, h, "temporal_workflow_started_total"),
			`temporal_workflow_started_total{`+labels+`,workflow_type="OrderWorkflow"} 3`)
		ended := scrapeLines(t, h, "temporal_workflow_ended_total")
		assert.Contains(t, ended, `temporal_workflow_ended_total{namespace="default",outcome="completed",`+
			`task_queue="`+queue+`",workflow_type="OrderWorkflow"} 3`)
		assert.Contains(t, ended, `temporal_workflow_ended_total{namespace="default",outcome="failed",`+
			`task_queue="`+queue+`",workflow_type="DeclinedWorkflow"} 1`)
		assert.Contains(t, scrapeLines(t, h, "temporal_activity_ended_total"),
			`temporal_activity_ended_total{activity_kind="regular",activity_type="charge",namespace="default",outcome="completed",`+
				`task_queue="`+queue+`"} 3`)
		assert.Contains(t, scrapeLines(t, h, "temporal_worker_running"), `temporal_worker_running{task_queue="`+queue+`"} 1`)
		assert.Contains(t, scrapeLines(t, h, "temporal_worker_configured"), `temporal_worker_configured 1`)
		// The SDK's own metrics, through NewMetricsHandler: monotonic counters
		// and latency histograms in seconds with second-scale buckets.
		assert.NotEmpty(t, scrapeLines(t, h, "temporal_request_total{"))
		assert.NotEmpty(t, scrapeLines(t, h, `temporal_workflow_completed_total{`))
		latency := strings.Join(scrapeLines(t, h, "temporal_workflow_endtoend_latency_seconds_bucket"), "\n")
		assert.Contains(t, latency, `le="0.005"`)

		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
		out, ok := promtool.CheckMetrics(t, rec.Body.Bytes())
		assert.True(t, ok, "promtool on the Temporal exposition: %s", out)
		assertBoundedLabels(t, rec.Body.String(), []string{"order-0", "order-2", "flaky-start", lastRun, identity})

		history := fetchHistory(t, c, lastID, lastRun)
		if os.Getenv(recordHistoryEnv) != "" {
			require.NoError(t, os.WriteFile(historyFixture, history, 0o600))
		}
		assertReplayRecordsNothing(t, history)

		w.Stop()
		assert.Contains(t, scrapeLines(t, h, "temporal_worker_running"), `temporal_worker_running{task_queue="`+queue+`"} 0`)
	})

	t.Run("Should count the end the server recorded when it rejected a completion, the earlier one superseded",
		func(t *testing.T) { rejectedCompletion(t, address) })

	t.Run("Should never see a termination or a server-side timeout, which the server's metrics and visibility have",
		func(t *testing.T) { unseenEnds(t, address, serverMetrics) })
}

// unseenEnds terminates one workflow and lets the server time another out:
// neither end reaches the worker, so both stay started and never ended in
// the interceptor's metrics, while the server counts them (workflow_terminate,
// workflow_timeout) and its visibility no longer lists them running, which
// is what docs/temporal.md sends users to.
func unseenEnds(t *testing.T, address, serverMetrics string) {
	svc := newService(t)
	c := temporaldev.Dial(t, address, client.Options{Logger: quietLogger()})
	const queue = "unseen" // the server's own metrics write a dash in a label value as _
	w := worker.New(c, queue, worker.Options{
		Interceptors: []temporalinterceptor.WorkerInterceptor{interceptor.NewWorkerInterceptor(svc)},
	})
	w.RegisterWorkflow(PatientWorkflow)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	terminated, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "unseen-terminated", TaskQueue: queue},
		PatientWorkflow)
	require.NoError(t, err)
	timedOut, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "unseen-timed-out", TaskQueue: queue,
		WorkflowRunTimeout: 2 * time.Second}, PatientWorkflow)
	require.NoError(t, err)

	h := svc.ExporterHandler()
	started := `temporal_workflow_started_total{namespace="default",task_queue="` + queue + `",workflow_type="PatientWorkflow"} 2`
	running := `WorkflowType="PatientWorkflow" AND ExecutionStatus="Running"`
	require.Eventually(t, func() bool {
		return slices.Contains(scrapeLines(t, h, "temporal_workflow_started_total"), started) &&
			countWorkflows(ctx, c, running) == 2
	}, 30*time.Second, 100*time.Millisecond, "both workflows running, on the worker and in visibility")

	require.NoError(t, c.TerminateWorkflow(ctx, terminated.GetID(), terminated.GetRunID(), "e2e"))
	var timeoutErr *temporal.TimeoutError
	require.ErrorAs(t, timedOut.Get(ctx, nil), &timeoutErr, "the server timed the run out")

	labels := []string{`namespace="default"`, `taskqueue="` + queue + `"`, `workflowType="PatientWorkflow"`}
	require.EventuallyWithT(t, func(at *assert.CollectT) {
		assert.Zero(at, countWorkflows(ctx, c, running), "running in visibility")
		assert.InDelta(at, 1, serverCounter(t, serverMetrics, "workflow_terminate", labels), 0, "terminated")
		assert.InDelta(at, 1, serverCounter(t, serverMetrics, "workflow_timeout", labels), 0, "timed out")
	}, 30*time.Second, 100*time.Millisecond, "the server counts the termination and the timeout")

	assert.Contains(t, scrapeLines(t, h, "temporal_workflow_started_total"), started)
	for _, line := range scrapeLines(t, h, "temporal_workflow_ended_total") {
		assert.NotContains(t, line, `workflow_type="PatientWorkflow"`, "the worker never saw these ends")
	}
}

// countWorkflows counts the executions matching query in the server's
// visibility, -1 when the server cannot answer.
func countWorkflows(ctx context.Context, c client.Client, query string) int64 {
	resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
	if err != nil {
		return -1
	}
	return resp.GetCount()
}

// serverCounter returns the value of the Temporal server's counter name
// with each of labels (name="value"), -1 when absent.
func serverCounter(t *testing.T, url, name string, labels []string) float64 {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name+"{") && !slices.ContainsFunc(labels, func(l string) bool {
			return !strings.Contains(line, l)
		}) {
			var v float64
			if _, err := fmt.Sscanf(line[strings.LastIndexByte(line, ' ')+1:], "%g", &v); err == nil {
				return v
			}
		}
	}
	return -1
}

// newService returns a monitoring service on the Prometheus backend, shut
// down when the test ends.
func newService(t *testing.T) *service.MonitoringService {
	t.Helper()
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	svc, err := monitoring.NewMonitoringService(t.Context(), &cfg)
	return testkit.Started(t, svc, err)
}

// rejectedCompletion runs LateSignalWorkflow on the dev server at address:
// a signal is sent while the workflow's final task runs, so the server
// rejects the completion (cause UnhandledCommand) and the workflow, run again
// with the signal, fails. The interceptor must count the failure the server
// recorded and show the completion it counted first as superseded.
func rejectedCompletion(t *testing.T, address string) {
	svc := newService(t)
	c := temporaldev.Dial(t, address, client.Options{Logger: quietLogger()})
	const queue = "e2e-late-signal"
	wi := interceptor.NewWorkerInterceptor(svc)
	w := worker.New(c, queue, worker.Options{
		Interceptors: []temporalinterceptor.WorkerInterceptor{wi},
		// The final task waits for the test to send the signal: never a deadlock.
		DeadlockDetectionTimeout: time.Minute,
	})
	w.RegisterWorkflow(LateSignalWorkflow)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "late-signal", TaskQueue: queue}, LateSignalWorkflow)
	require.NoError(t, err)
	select {
	case <-finalTaskRunning:
	case <-ctx.Done():
		t.Fatal("the final workflow task never ran")
	}
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), lateSignalName, nil))
	lateSignalSent <- struct{}{}
	require.Error(t, run.Get(ctx, nil), "the workflow fails once it sees the signal")

	// What the server recorded: the completion rejected, then the failure.
	desc, err := c.DescribeWorkflow(ctx, run.GetID(), run.GetRunID())
	require.NoError(t, err)
	info := desc.RawResponse.GetWorkflowExecutionInfo()
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, info.GetStatus())
	rejected := false
	iter := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		if a := e.GetWorkflowTaskFailedEventAttributes(); a != nil &&
			a.GetCause() == enumspb.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND {
			rejected = true
		}
	}
	require.True(t, rejected, "the server rejected the first completion (WorkflowTaskFailed, UnhandledCommand)")

	// What the interceptor shows: the failure counted, the completion it had
	// counted still there (counters never go back) and marked superseded.
	h := svc.ExporterHandler()
	labels := func(outcome string) string {
		return `{namespace="default",outcome="` + outcome + `",task_queue="` + queue + `",workflow_type="LateSignalWorkflow"}`
	}
	assert.Contains(t, scrapeLines(t, h, "temporal_workflow_started_total"),
		`temporal_workflow_started_total{namespace="default",task_queue="`+queue+`",workflow_type="LateSignalWorkflow"} 1`)
	ended := scrapeLines(t, h, "temporal_workflow_ended_total")
	assert.Contains(t, ended, "temporal_workflow_ended_total"+labels(interceptor.OutcomeFailed)+" 1")
	assert.Contains(t, ended, "temporal_workflow_ended_total"+labels(interceptor.OutcomeCompleted)+" 1")
	assert.Equal(t, []string{"temporal_workflow_superseded_total" + labels(interceptor.OutcomeCompleted) + " 1"},
		scrapeLines(t, h, "temporal_workflow_superseded_total{"))

	// The failed end's duration is the server's, to the latency of a task.
	server := info.GetCloseTime().AsTime().Sub(info.GetStartTime().AsTime()).Seconds()
	var sum float64
	for _, line := range scrapeLines(t, h, "temporal_workflow_duration_seconds_sum"+labels(interceptor.OutcomeFailed)) {
		_, err := fmt.Sscanf(line[strings.LastIndexByte(line, ' ')+1:], "%g", &sum)
		require.NoError(t, err)
	}
	assert.InDelta(t, server, sum, 0.25, "the failed end's duration, against the server's %.3f s", server)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
	out, ok := promtool.CheckMetrics(t, rec.Body.Bytes())
	assert.True(t, ok, "promtool on the exposition: %s", out)
}

func fetchHistory(t *testing.T, c client.Client, id, runID string) []byte {
	t.Helper()
	iter := c.GetWorkflowHistory(t.Context(), id, runID, false, 0)
	var history historypb.History
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		history.Events = append(history.Events, e)
	}
	b, err := protojson.MarshalOptions{Multiline: true}.Marshal(&history)
	require.NoError(t, err)
	return b
}

func activityName(name string) activity.RegisterOptions { return activity.RegisterOptions{Name: name} }

// temporalLabelKeys are the labels a real worker's metrics may carry, ours
// and the SDK's: each takes its values from a set bounded by what the
// service registers (types, queues) or by the SDK (operations, poller and
// worker types), never from an execution.
var temporalLabelKeys = map[string]bool{
	"namespace": true, "task_queue": true, "workflow_type": true, "activity_type": true, "activity_kind": true,
	"outcome":     true,
	"worker_type": true, "poller_type": true, "operation": true, "client_name": true, "status_code": true,
	"failure_reason": true, "le": true, "otel_metric_overflow": true,
	// The resource and the system metrics of the service.
	"service_name": true, "service_instance_id": true, "service_version": true,
	"telemetry_sdk_language": true, "telemetry_sdk_name": true, "telemetry_sdk_version": true,
	"commit": true, "go_version": true, "version": true, "go_memory_type": true, "cause": true,
}

// assertBoundedLabels checks the exposition of a real worker: every label
// is one of temporalLabelKeys, and no value carries an execution's
// identifiers (workflow and run IDs) or the worker's identity.
func assertBoundedLabels(t *testing.T, exposition string, forbidden []string) {
	t.Helper()
	families, err := testkit.ParseExposition(exposition)
	require.NoError(t, err)
	values := 0
	for name, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				values++
				assert.True(t, temporalLabelKeys[l.GetName()], "%s has the label %s=%q", name, l.GetName(), l.GetValue())
				for _, id := range forbidden {
					assert.NotContains(t, l.GetValue(), id, "%s{%s}", name, l.GetName())
				}
			}
		}
	}
	assert.Positive(t, values)
}
