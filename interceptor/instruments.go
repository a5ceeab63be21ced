package interceptor

import (
	"errors"
	"log/slog"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// Outcomes an execution can end with: the values of the outcome attribute.
const (
	OutcomeCompleted      = "completed"
	OutcomeFailed         = "failed"
	OutcomeCanceled       = "canceled"
	OutcomeTimedOut       = "timed_out"
	OutcomeContinuedAsNew = "continued_as_new"
)

// instruments are the interceptor's metrics.
type instruments struct {
	wfStarted, wfEnded, wfPanics metric.Int64Counter
	wfSuperseded                 metric.Int64Counter
	wfDuration                   metric.Float64Histogram
	actStarted, actEnded         metric.Int64Counter
	actDuration                  metric.Float64Histogram
	running                      metric.Int64UpDownCounter
	configured                   metric.Int64ObservableGauge
}

// newInstruments creates the instruments on meter; observe feeds the
// configured-workers gauge. Should the backend refuse any of them, the
// failure is logged and every instrument comes from the no-op meter instead,
// so recording never meets a nil instrument.
func newInstruments(meter metric.Meter, cfg config, observe metric.Int64Callback) instruments {
	ins, err := buildInstruments(meter, cfg, observe)
	if err != nil {
		cfg.logger.Error("monitoring interceptor: instruments unavailable, recording nothing", "error", err)
		ins, _ = buildInstruments(noop.Meter{}, cfg, observe)
	}
	return ins
}

func buildInstruments(m metric.Meter, cfg config, observe metric.Int64Callback) (instruments, error) {
	var (
		ins  instruments
		errs [10]error
	)
	secs := []metric.Float64HistogramOption{metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(cfg.buckets...)}
	ins.wfStarted, errs[0] = m.Int64Counter("temporal.workflow.started",
		metric.WithDescription("Workflow executions started."), metric.WithUnit("{execution}"))
	ins.wfEnded, errs[1] = m.Int64Counter("temporal.workflow.ended",
		metric.WithDescription("Workflow executions ended, by outcome."), metric.WithUnit("{execution}"))
	ins.wfPanics, errs[2] = m.Int64Counter("temporal.workflow.panics",
		metric.WithDescription("Workflow tasks whose workflow code panicked; the workflow stays open."),
		metric.WithUnit("{task}"))
	ins.wfSuperseded, errs[9] = m.Int64Counter("temporal.workflow.superseded",
		metric.WithDescription("Workflow ends counted, then superseded by a later live end of the same run "+
			"(the server rejected the earlier completion), by the superseded outcome."),
		metric.WithUnit("{execution}"))
	ins.wfDuration, errs[3] = m.Float64Histogram("temporal.workflow.duration",
		append(secs, metric.WithDescription("Workflow execution time, start to end, in workflow time."))...)
	ins.actStarted, errs[4] = m.Int64Counter("temporal.activity.started",
		metric.WithDescription("Activity attempts started."), metric.WithUnit("{attempt}"))
	ins.actEnded, errs[5] = m.Int64Counter("temporal.activity.ended",
		metric.WithDescription("Activity attempts ended, by outcome."), metric.WithUnit("{attempt}"))
	ins.actDuration, errs[6] = m.Float64Histogram("temporal.activity.duration",
		append(secs, metric.WithDescription("Activity attempt execution time."))...)
	ins.running, errs[7] = m.Int64UpDownCounter("temporal.worker.running",
		metric.WithDescription("Workers running, as tracked by WorkerInterceptor.Track."), metric.WithUnit("{worker}"))
	ins.configured, errs[8] = m.Int64ObservableGauge("temporal.worker.configured",
		metric.WithDescription("Workers the application is configured to run."), metric.WithUnit("{worker}"),
		metric.WithInt64Callback(observe))
	return ins, errors.Join(errs[:]...)
}

// safely runs record, turning a panic of the metrics code into a log line:
// monitoring must never fail what it observes.
func safely(logger *slog.Logger, record func()) {
	defer func() {
		if p := recover(); p != nil {
			logger.Error("monitoring interceptor: recording failed", "panic", p)
		}
	}()
	record()
}
