package interceptor

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.temporal.io/sdk/activity"
	temporalinterceptor "go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/compozy/monitoring/port"
)

// WorkerInterceptor is a Temporal worker interceptor that records workflow
// and activity metrics through a [port.Recorder]. Append it to
// worker.Options.Interceptors (or the replayer's options).
type WorkerInterceptor struct {
	temporalinterceptor.WorkerInterceptorBase

	ins        instruments
	logger     *slog.Logger
	configured atomic.Int64
	runs       *runMemory
}

var _ temporalinterceptor.WorkerInterceptor = (*WorkerInterceptor)(nil)

// NewWorkerInterceptor builds the interceptor on mon's meter provider.
func NewWorkerInterceptor(mon port.Recorder, opts ...Option) *WorkerInterceptor {
	cfg := newConfig(opts)
	w := &WorkerInterceptor{logger: cfg.logger, runs: newRunMemory(rememberedRuns)}
	w.ins = newInstruments(mon.MeterProvider().Meter(ScopeName), cfg,
		func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(w.configured.Load())
			return nil
		})
	return w
}

// SetConfiguredWorkers sets the temporal.worker.configured gauge: how many
// workers the application means to run, to compare with the running ones.
func (w *WorkerInterceptor) SetConfiguredWorkers(n int64) { w.configured.Store(n) }

// InterceptWorkflow wraps a workflow execution.
func (w *WorkerInterceptor) InterceptWorkflow(
	_ workflow.Context, next temporalinterceptor.WorkflowInboundInterceptor,
) temporalinterceptor.WorkflowInboundInterceptor {
	return &workflowInbound{WorkflowInboundInterceptorBase: temporalinterceptor.WorkflowInboundInterceptorBase{Next: next}, w: w}
}

// InterceptActivity wraps an activity attempt.
func (w *WorkerInterceptor) InterceptActivity(
	_ context.Context, next temporalinterceptor.ActivityInboundInterceptor,
) temporalinterceptor.ActivityInboundInterceptor {
	return &activityInbound{ActivityInboundInterceptorBase: temporalinterceptor.ActivityInboundInterceptorBase{Next: next}, w: w}
}

type workflowInbound struct {
	temporalinterceptor.WorkflowInboundInterceptorBase
	w *WorkerInterceptor
}

// ExecuteWorkflow records the start and the end of a workflow execution,
// only when not replaying, and its duration in workflow time. A run starts
// once and ends once with the outcome the server recorded: see runMemory.
func (i *workflowInbound) ExecuteWorkflow(
	ctx workflow.Context, in *temporalinterceptor.ExecuteWorkflowInput,
) (any, error) {
	info := workflow.GetInfo(ctx)
	base := []attribute.KeyValue{
		attribute.String("workflow_type", info.WorkflowType.Name),
		attribute.String("task_queue", info.TaskQueueName),
		attribute.String("namespace", info.Namespace),
	}
	run := execution{
		namespace: info.Namespace, workflowID: info.WorkflowExecution.ID, runID: info.WorkflowExecution.RunID,
		workflowType: info.WorkflowType.Name, start: info.WorkflowStartTime,
	}.digest()
	if !workflow.IsReplaying(ctx) {
		safely(i.w.logger, func() {
			if i.w.runs.start(run) {
				i.w.ins.wfStarted.Add(context.Background(), 1, metric.WithAttributes(base...))
			}
		})
	}
	returned := false
	defer func() {
		// Still unwinding: the workflow code panicked. The workflow task
		// fails and will be retried, the workflow stays open: count the
		// panic, not an end, and let the panic go on unchanged.
		if !returned && !workflow.IsReplaying(ctx) {
			safely(i.w.logger, func() {
				i.w.ins.wfPanics.Add(context.Background(), 1, metric.WithAttributes(base...))
			})
		}
	}()
	result, err := i.Next.ExecuteWorkflow(ctx, in)
	returned = true
	if !workflow.IsReplaying(ctx) {
		i.end(ctx, info, run, base, err)
	}
	return result, err
}

// end records the live end of the run: counted, with its duration, unless
// the run already ended with the same outcome on this worker; an earlier
// end with another outcome is counted as superseded, since the server
// rejected it.
func (i *workflowInbound) end(
	ctx workflow.Context, info *workflow.Info, run digest, base []attribute.KeyValue, err error,
) {
	outcome := workflowOutcome(err)
	var count bool
	var superseded string
	safely(i.w.logger, func() { count, superseded = i.w.runs.end(run, outcome) })
	if !count {
		return
	}
	elapsed := workflow.Now(ctx).Sub(info.WorkflowStartTime).Seconds()
	i.w.recordEnd(context.Background(), i.w.ins.wfEnded, i.w.ins.wfDuration, base, outcome, elapsed)
	ids := []any{"workflow_type", info.WorkflowType.Name,
		"workflow_id", info.WorkflowExecution.ID, "run_id", info.WorkflowExecution.RunID}
	if superseded != "" {
		safely(i.w.logger, func() {
			i.w.ins.wfSuperseded.Add(context.Background(), 1,
				metric.WithAttributes(append(base, attribute.String("outcome", superseded))...))
		})
		i.w.logger.Warn("temporal workflow end superseded: the server rejected the earlier completion",
			append([]any{"outcome", outcome, "superseded_outcome", superseded}, ids...)...)
	}
	if outcome != OutcomeCompleted && outcome != OutcomeContinuedAsNew {
		i.w.logger.Warn("temporal workflow ended", append(append([]any{"outcome", outcome}, ids...), "error", err)...)
	}
}

// workflowOutcome classifies how a workflow execution ended.
func workflowOutcome(err error) string {
	switch {
	case err == nil:
		return OutcomeCompleted
	case workflow.IsContinueAsNewError(err):
		return OutcomeContinuedAsNew
	case temporal.IsCanceledError(err):
		return OutcomeCanceled
	case temporal.IsTimeoutError(err):
		return OutcomeTimedOut
	default:
		return OutcomeFailed
	}
}

type activityInbound struct {
	temporalinterceptor.ActivityInboundInterceptorBase
	w *WorkerInterceptor
}

// ExecuteActivity records the start, the outcome and the duration of an
// activity attempt. An activity that completes asynchronously
// (activity.ErrResultPending) has no end here.
func (i *activityInbound) ExecuteActivity(
	ctx context.Context, in *temporalinterceptor.ExecuteActivityInput,
) (any, error) {
	info := activity.GetInfo(ctx)
	base := []attribute.KeyValue{
		attribute.String("activity_type", info.ActivityType.Name),
		activityKind(info.IsLocalActivity),
		attribute.String("task_queue", info.TaskQueue),
		attribute.String("namespace", info.Namespace),
	}
	safely(i.w.logger, func() {
		i.w.ins.actStarted.Add(context.Background(), 1, metric.WithAttributes(base...))
	})
	start := time.Now()
	end := func(outcome string) {
		// The activity's context: with Temporal's tracing interceptor it
		// carries the activity's span, the duration's exemplar.
		i.w.recordEnd(ctx, i.w.ins.actEnded, i.w.ins.actDuration, base, outcome, time.Since(start).Seconds())
	}
	returned := false
	defer func() {
		if !returned { // the activity panicked: it fails this attempt
			end(OutcomeFailed)
		}
	}()
	result, err := i.Next.ExecuteActivity(ctx, in)
	returned = true
	if errors.Is(err, activity.ErrResultPending) {
		return result, err
	}
	outcome := activityOutcome(err)
	end(outcome)
	if err != nil {
		i.w.logger.Warn("temporal activity attempt ended", "outcome", outcome, "activity_type", info.ActivityType.Name,
			"workflow_id", info.WorkflowExecution.ID, "attempt", info.Attempt, "error", err)
	}
	return result, err
}

// Activity kinds: the values of the activity_kind attribute.
const (
	ActivityKindRegular = "regular"
	ActivityKindLocal   = "local"
)

var (
	kindRegular = attribute.String("activity_kind", ActivityKindRegular)
	kindLocal   = attribute.String("activity_kind", ActivityKindLocal)
)

// activityKind tells a local activity, run by the workflow's worker in the
// workflow task's process, from a regular one scheduled through the server.
func activityKind(local bool) attribute.KeyValue {
	if local {
		return kindLocal
	}
	return kindRegular
}

// activityOutcome classifies how an activity attempt ended.
func activityOutcome(err error) string {
	switch {
	case err == nil:
		return OutcomeCompleted
	case temporal.IsCanceledError(err), errors.Is(err, context.Canceled):
		return OutcomeCanceled
	case temporal.IsTimeoutError(err), errors.Is(err, context.DeadlineExceeded):
		return OutcomeTimedOut
	default:
		return OutcomeFailed
	}
}

// recordEnd counts an execution's end and records its duration, both with
// the outcome added to base, never letting the metrics code fail it. The
// duration is recorded with ctx, so that a sampled span in it becomes the
// duration's exemplar (an activity's; a workflow has no Go context).
func (w *WorkerInterceptor) recordEnd(ctx context.Context,
	ended metric.Int64Counter, duration metric.Float64Histogram,
	base []attribute.KeyValue, outcome string, seconds float64,
) {
	safely(w.logger, func() {
		attrs := metric.WithAttributes(append(base, attribute.String("outcome", outcome))...)
		ended.Add(context.Background(), 1, attrs)
		duration.Record(ctx, seconds, attrs)
	})
}
