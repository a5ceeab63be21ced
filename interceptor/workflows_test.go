package interceptor_test

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The workflows and activities the tests run, one per outcome.

func charge(_ context.Context, cents int) (int, error) { return cents, nil }

func declined(context.Context) error { return errors.New("insufficient funds") }

func hang(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func explode(context.Context) error { panic("activity exploded") }

func refuse(context.Context) error { return temporal.NewCanceledError("caller gave up") }

func activityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	}
}

// OrderWorkflow charges once and completes.
func OrderWorkflow(ctx workflow.Context, cents int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, activityOptions())
	var charged int
	err := workflow.ExecuteActivity(ctx, "charge", cents).Get(ctx, &charged)
	return charged, err
}

// DeclinedWorkflow fails with the activity's failure.
func DeclinedWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, activityOptions())
	return workflow.ExecuteActivity(ctx, "declined").Get(ctx, nil)
}

// PatientWorkflow waits an hour of workflow time, unless canceled.
func PatientWorkflow(ctx workflow.Context) error {
	return workflow.Sleep(ctx, time.Hour)
}

// ImpatientWorkflow runs an activity that outlives its start-to-close timeout.
func ImpatientWorkflow(ctx workflow.Context) error {
	opts := activityOptions()
	opts.StartToCloseTimeout = 50 * time.Millisecond
	ctx = workflow.WithActivityOptions(ctx, opts)
	return workflow.ExecuteActivity(ctx, "hang").Get(ctx, nil)
}

// LoopWorkflow continues as new while n is positive.
func LoopWorkflow(ctx workflow.Context, n int) error {
	if n > 0 {
		return workflow.NewContinueAsNewError(ctx, LoopWorkflow, n-1)
	}
	return nil
}

// PanickingWorkflow panics in workflow code.
func PanickingWorkflow(workflow.Context) error { panic("workflow exploded") }

// ExplodingActivityWorkflow runs an activity that panics.
func ExplodingActivityWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, activityOptions())
	return workflow.ExecuteActivity(ctx, "explode").Get(ctx, nil)
}

// RefusedWorkflow runs an activity that reports itself canceled.
func RefusedWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, activityOptions())
	return workflow.ExecuteActivity(ctx, "refuse").Get(ctx, nil)
}

func workflowName(name string) workflow.RegisterOptions { return workflow.RegisterOptions{Name: name} }

// firstTaskPanics makes FlakyStartWorkflow panic on its first workflow task
// only, so the server retries that task: a retry that is not a replay.
var firstTaskPanics atomic.Bool

// FlakyStartWorkflow panics on its first attempt, then completes.
func FlakyStartWorkflow(ctx workflow.Context) error {
	if firstTaskPanics.CompareAndSwap(true, false) {
		panic("first task lost")
	}
	return workflow.Sleep(ctx, time.Millisecond)
}

// VerdictWorkflow fails when told to, and completes otherwise.
func VerdictWorkflow(_ workflow.Context, fail bool) error {
	if fail {
		return errors.New("verdict: fail")
	}
	return nil
}

// lateSignalName is the signal LateSignalWorkflow fails on.
const lateSignalName = "withdraw"

// finalTaskRunning and lateSignalSent let the end-to-end test send a signal
// while LateSignalWorkflow's final task runs: the workflow says its final
// task runs, and waits until the test has sent the signal.
var (
	finalTaskRunning = make(chan struct{}, 1)
	lateSignalSent   = make(chan struct{}, 1)
)

// LateSignalWorkflow sleeps, then fails if the withdraw signal is there. In
// a live task without the signal, it lets the test send the signal before
// completing: the server then rejects the completion, because an event came
// in while the task ran, and the workflow, run again with the signal, fails.
func LateSignalWorkflow(ctx workflow.Context) error {
	if err := workflow.Sleep(ctx, time.Second); err != nil {
		return err
	}
	if workflow.GetSignalChannel(ctx, lateSignalName).ReceiveAsync(nil) {
		return errors.New("order withdrawn by a late signal")
	}
	if !workflow.IsReplaying(ctx) {
		select {
		case finalTaskRunning <- struct{}{}:
		default:
		}
		select {
		case <-lateSignalSent:
		case <-time.After(30 * time.Second): // bounded: the test has given up
		}
	}
	return nil
}

// LocalChargeWorkflow charges once as a local activity, then once as a
// regular one.
func LocalChargeWorkflow(ctx workflow.Context, cents int) (int, error) {
	local := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var charged int
	if err := workflow.ExecuteLocalActivity(local, "charge", cents).Get(ctx, &charged); err != nil {
		return 0, err
	}
	return charged, workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activityOptions()), "charge", cents).
		Get(ctx, &charged)
}

// LocalRetriesWorkflow runs a local activity that fails three attempts.
func LocalRetriesWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Millisecond, MaximumAttempts: 3},
	})
	return workflow.ExecuteLocalActivity(ctx, "declined").Get(ctx, nil)
}
