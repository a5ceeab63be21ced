package interceptor_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.temporal.io/sdk/activity"
	temporalinterceptor "go.temporal.io/sdk/interceptor"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.uber.org/mock/gomock"

	"github.com/compozy/monitoring/interceptor"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/mocks"
	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/port"
)

// newEnv returns a test workflow environment whose worker runs the
// interceptor over mon, with every test workflow and activity registered.
func newEnv(t *testing.T, mon port.Monitoring) (*testsuite.TestWorkflowEnvironment, *testkit.Buffer) {
	t.Helper()
	logs := &testkit.Buffer{}
	wi := interceptor.NewWorkerInterceptor(mon, interceptor.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	return newEnvFor(wi), logs
}

// newEnvFor returns a test workflow environment whose worker runs wi, with
// every test workflow and activity registered: several environments may
// share one interceptor, as a test suite does.
func newEnvFor(wi *interceptor.WorkerInterceptor) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(temporallog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: []temporalinterceptor.WorkerInterceptor{wi}})
	for _, wf := range []any{OrderWorkflow, DeclinedWorkflow, PatientWorkflow, ImpatientWorkflow, LoopWorkflow,
		PanickingWorkflow, ExplodingActivityWorkflow, RefusedWorkflow, VerdictWorkflow, LocalChargeWorkflow,
		LocalRetriesWorkflow} {
		env.RegisterWorkflow(wf)
	}
	for name, fn := range map[string]any{"charge": charge, "declined": declined, "hang": hang,
		"explode": explode, "refuse": refuse} {
		env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	return env
}

// sums returns, for a counter, its value per data point, keyed by the
// attribute set's encoding.
func sums(t *testing.T, b *monitoringtest.Backend, name string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	m, ok := b.Metric(t, name)
	if !ok {
		return out
	}
	for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
		out[p.Attributes.Encoded(attribute.DefaultEncoder())] = p.Value
	}
	return out
}

func key(kvs ...attribute.KeyValue) string {
	set := attribute.NewSet(kvs...)
	return set.Encoded(attribute.DefaultEncoder())
}

// The test environment's task queue and namespace.
const (
	queue     = "default-test-taskqueue"
	namespace = "default-test-namespace"
)

// attrs encodes the attributes of an execution of typ, named by typeKey
// (workflow_type or activity_type), with its outcome when given.
func attrs(typeKey, typ string, outcome ...string) string {
	kvs := []attribute.KeyValue{attribute.String(typeKey, typ),
		attribute.String("task_queue", queue), attribute.String("namespace", namespace)}
	for _, o := range outcome {
		kvs = append(kvs, attribute.String("outcome", o))
	}
	return key(kvs...)
}

func wfAttrs(wfType string, outcome ...string) string {
	return attrs("workflow_type", wfType, outcome...)
}

// actAttrs encodes the attributes of a regular activity of actType.
func actAttrs(actType string, outcome ...string) string {
	return kindAttrs(actType, "regular", outcome...)
}

// localActAttrs encodes the attributes of a local activity of actType.
func localActAttrs(actType string, outcome ...string) string {
	return kindAttrs(actType, "local", outcome...)
}

func kindAttrs(actType, kind string, outcome ...string) string {
	kvs := []attribute.KeyValue{attribute.String("activity_type", actType), attribute.String("activity_kind", kind),
		attribute.String("task_queue", queue), attribute.String("namespace", namespace)}
	for _, o := range outcome {
		kvs = append(kvs, attribute.String("outcome", o))
	}
	return key(kvs...)
}

func TestWorkflowOutcomes(t *testing.T) {
	cases := []struct {
		name, workflow, outcome string
		args                    []any
		cancelAfter             time.Duration
	}{
		{name: "completed", workflow: "OrderWorkflow", outcome: interceptor.OutcomeCompleted, args: []any{1200}},
		{name: "failed", workflow: "DeclinedWorkflow", outcome: interceptor.OutcomeFailed},
		{name: "canceled", workflow: "PatientWorkflow", outcome: interceptor.OutcomeCanceled, cancelAfter: time.Minute},
		{name: "timed out", workflow: "ImpatientWorkflow", outcome: interceptor.OutcomeTimedOut},
		{name: "continued as new", workflow: "LoopWorkflow", outcome: interceptor.OutcomeContinuedAsNew, args: []any{3}},
	}
	for _, tc := range cases {
		t.Run("Should count a workflow that "+tc.name, func(t *testing.T) {
			b := monitoringtest.New(t)
			env, _ := newEnv(t, b)
			if tc.cancelAfter > 0 {
				env.RegisterDelayedCallback(env.CancelWorkflow, tc.cancelAfter)
			}
			env.ExecuteWorkflow(tc.workflow, tc.args...)
			require.True(t, env.IsWorkflowCompleted())

			assert.Equal(t, map[string]int64{wfAttrs(tc.workflow): 1}, sums(t, b, "temporal.workflow.started"))
			assert.Equal(t, map[string]int64{wfAttrs(tc.workflow, tc.outcome): 1}, sums(t, b, "temporal.workflow.ended"))
			m, ok := b.Metric(t, "temporal.workflow.duration")
			require.True(t, ok)
			points := m.Data.(metricdata.Histogram[float64]).DataPoints
			require.Len(t, points, 1)
			assert.Equal(t, uint64(1), points[0].Count)
			if tc.cancelAfter > 0 {
				// Workflow time, not wall time: the test clock skipped a minute.
				assert.InDelta(t, tc.cancelAfter.Seconds(), points[0].Sum, 1)
			}
		})
	}

	t.Run("Should count a panic in workflow code without ending the workflow, and re-raise it", func(t *testing.T) {
		b := monitoringtest.New(t)
		env, _ := newEnv(t, b)
		env.ExecuteWorkflow("PanickingWorkflow")
		require.True(t, env.IsWorkflowCompleted())
		var panicErr *temporal.PanicError
		require.ErrorAs(t, env.GetWorkflowError(), &panicErr)
		assert.Contains(t, panicErr.Error(), "workflow exploded", "the panic value reaches the SDK unchanged")

		assert.Equal(t, map[string]int64{wfAttrs("PanickingWorkflow"): 1}, sums(t, b, "temporal.workflow.panics"))
		assert.Empty(t, sums(t, b, "temporal.workflow.ended"))
	})
}

func TestActivityOutcomes(t *testing.T) {
	cases := []struct {
		name, workflow, activity, outcome string
		args                              []any
	}{
		{"completed", "OrderWorkflow", "charge", interceptor.OutcomeCompleted, []any{1200}},
		{"failed", "DeclinedWorkflow", "declined", interceptor.OutcomeFailed, nil},
		{"timed out", "ImpatientWorkflow", "hang", interceptor.OutcomeTimedOut, nil},
		{"panicked (as failed)", "ExplodingActivityWorkflow", "explode", interceptor.OutcomeFailed, nil},
		{"was canceled", "RefusedWorkflow", "refuse", interceptor.OutcomeCanceled, nil},
	}
	for _, tc := range cases {
		t.Run("Should count an activity that "+tc.name, func(t *testing.T) {
			b := monitoringtest.New(t)
			env, _ := newEnv(t, b)
			env.ExecuteWorkflow(tc.workflow, tc.args...)
			require.True(t, env.IsWorkflowCompleted())

			assert.Equal(t, map[string]int64{actAttrs(tc.activity): 1}, sums(t, b, "temporal.activity.started"))
			assert.Equal(t, map[string]int64{actAttrs(tc.activity, tc.outcome): 1}, sums(t, b, "temporal.activity.ended"))
			m, ok := b.Metric(t, "temporal.activity.duration")
			require.True(t, ok)
			assert.Equal(t, uint64(1), m.Data.(metricdata.Histogram[float64]).DataPoints[0].Count)
		})
	}

	t.Run("Should count local activities per attempt, told apart by activity_kind", func(t *testing.T) {
		b := monitoringtest.New(t)
		env, _ := newEnv(t, b)
		env.ExecuteWorkflow("LocalChargeWorkflow", 300)
		require.True(t, env.IsWorkflowCompleted())
		require.NoError(t, env.GetWorkflowError())

		assert.Equal(t, map[string]int64{localActAttrs("charge"): 1, actAttrs("charge"): 1},
			sums(t, b, "temporal.activity.started"))
		assert.Equal(t, map[string]int64{
			localActAttrs("charge", interceptor.OutcomeCompleted): 1,
			actAttrs("charge", interceptor.OutcomeCompleted):      1,
		}, sums(t, b, "temporal.activity.ended"))
		assert.Len(t, b.Series(t, "temporal.activity.duration"), 2)
	})

	t.Run("Should count every attempt of a local activity that is retried", func(t *testing.T) {
		b := monitoringtest.New(t)
		env, _ := newEnv(t, b)
		env.ExecuteWorkflow("LocalRetriesWorkflow")
		require.True(t, env.IsWorkflowCompleted())
		require.Error(t, env.GetWorkflowError())

		assert.Equal(t, map[string]int64{localActAttrs("declined"): 3}, sums(t, b, "temporal.activity.started"))
		assert.Equal(t, map[string]int64{localActAttrs("declined", interceptor.OutcomeFailed): 3},
			sums(t, b, "temporal.activity.ended"))
	})

	t.Run("Should log the error detail instead of making it an attribute", func(t *testing.T) {
		b := monitoringtest.New(t)
		env, logs := newEnv(t, b)
		env.ExecuteWorkflow("DeclinedWorkflow")
		assert.Contains(t, logs.String(), "insufficient funds")
		for _, set := range b.Series(t, "temporal.activity.ended") {
			for _, kv := range set.ToSlice() {
				assert.NotContains(t, kv.Value.String(), "insufficient", "attribute %s", kv.Key)
			}
		}
	})
}

// explodingMeter hands out instruments that panic on every record.
type explodingMeter struct{ noop.Meter }

type explodingCounter struct{ noop.Int64Counter }

func (explodingCounter) Add(context.Context, int64, ...metric.AddOption) { panic("counter exploded") }

type explodingHistogram struct{ noop.Float64Histogram }

func (explodingHistogram) Record(context.Context, float64, ...metric.RecordOption) {
	panic("histogram exploded")
}

func (explodingMeter) Int64Counter(string, ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return explodingCounter{}, nil
}

func (explodingMeter) Float64Histogram(string, ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return explodingHistogram{}, nil
}

type explodingProvider struct{ noop.MeterProvider }

func (explodingProvider) Meter(string, ...metric.MeterOption) metric.Meter { return explodingMeter{} }

type refusingMeter struct{ noop.Meter }

func (refusingMeter) Int64Counter(string, ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return nil, assert.AnError
}

type refusingProvider struct{ noop.MeterProvider }

func (refusingProvider) Meter(string, ...metric.MeterOption) metric.Meter { return refusingMeter{} }

func TestBrokenBackends(t *testing.T) {
	for name, provider := range map[string]metric.MeterProvider{
		"panics on every record":            explodingProvider{},
		"refuses to create its instruments": refusingProvider{},
	} {
		t.Run("Should let workflows complete when the backend "+name, func(t *testing.T) {
			mon := mocks.NewMockMonitoring(gomock.NewController(t))
			mon.EXPECT().MeterProvider().Return(provider).AnyTimes()
			env, logs := newEnv(t, mon)
			env.ExecuteWorkflow("OrderWorkflow", 700)
			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())
			var charged int
			require.NoError(t, env.GetWorkflowResult(&charged))
			assert.Equal(t, 700, charged)
			assert.NotEmpty(t, logs.String(), "the failure is logged")
		})
	}
}

func TestWorkers(t *testing.T) {
	t.Run("Should report the configured workers the application sets", func(t *testing.T) {
		b := monitoringtest.New(t)
		wi := interceptor.NewWorkerInterceptor(b)
		wi.SetConfiguredWorkers(3)
		m, ok := b.Metric(t, "temporal.worker.configured")
		require.True(t, ok)
		assert.Equal(t, int64(3), m.Data.(metricdata.Gauge[int64]).DataPoints[0].Value)
	})
}
