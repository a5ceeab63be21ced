package interceptor

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.temporal.io/sdk/worker"
)

// Track wraps w so that starting and stopping it moves the
// temporal.worker.running counter for taskQueue. The Temporal SDK offers
// interceptors no hook on worker start and stop, so this wrapper is the
// hook: start and stop the returned worker instead of w.
func (w *WorkerInterceptor) Track(wk worker.Worker, taskQueue string) worker.Worker {
	return &trackedWorker{
		Worker: wk,
		w:      w,
		attrs:  metric.WithAttributeSet(attribute.NewSet(attribute.String("task_queue", taskQueue))),
	}
}

type trackedWorker struct {
	worker.Worker
	w       *WorkerInterceptor
	attrs   metric.MeasurementOption
	running atomic.Bool
}

func (t *trackedWorker) up() {
	if t.running.CompareAndSwap(false, true) {
		safely(t.w.logger, func() { t.w.ins.running.Add(context.Background(), 1, t.attrs) })
	}
}

func (t *trackedWorker) down() {
	if t.running.CompareAndSwap(true, false) {
		safely(t.w.logger, func() { t.w.ins.running.Add(context.Background(), -1, t.attrs) })
	}
}

// Start starts the worker and counts it running once it has started.
func (t *trackedWorker) Start() error {
	if err := t.Worker.Start(); err != nil {
		return err
	}
	t.up()
	return nil
}

// Run runs the worker until interruptCh fires, counting it running
// meanwhile.
func (t *trackedWorker) Run(interruptCh <-chan any) error {
	t.up()
	defer t.down()
	return t.Worker.Run(interruptCh)
}

// Stop stops the worker and stops counting it.
func (t *trackedWorker) Stop() {
	t.Worker.Stop()
	t.down()
}
