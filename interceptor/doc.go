// Package interceptor instruments Temporal workers through
// [port.Monitoring]: [NewWorkerInterceptor] records workflow and activity
// starts, outcomes and durations, [NewMetricsHandler] routes the Temporal
// SDK's own temporal_* metrics to the same backend.
//
// Metrics (Prometheus names in brackets), all attributes drawn from bounded
// sets (never a workflow ID, run ID or error message; the error goes to the
// log):
//   - temporal.workflow.started [temporal_workflow_started_total]: counter,
//     workflow_type, task_queue, namespace;
//   - temporal.workflow.ended [temporal_workflow_ended_total]: counter, the
//     same plus outcome (completed, failed, canceled, timed_out,
//     continued_as_new);
//   - temporal.workflow.duration [temporal_workflow_duration_seconds]:
//     histogram from the workflow's start to its end in workflow time, with
//     outcome;
//   - temporal.activity.started, temporal.activity.ended,
//     temporal.activity.duration: the same shape with activity_type;
//   - temporal.worker.running [temporal_worker_running]: up-down counter moved
//     by the workers wrapped with [WorkerInterceptor.Track];
//   - temporal.worker.configured [temporal_worker_configured]: gauge set by
//     the application with [WorkerInterceptor.SetConfiguredWorkers].
//
// Replay safety: workflow metrics are recorded only when the workflow is not
// replaying, durations are measured with workflow time (the start time in
// the history and workflow.Now), and nothing the interceptor does issues a
// command, so determinism is untouched. A failure or panic inside the
// metrics code is swallowed and logged: it never fails, blocks or changes the
// result of a workflow or an activity. A panic from user code is recorded as
// failed and re-raised unchanged.
//
// Workflow execution and run timeouts are enforced by the Temporal server
// and never reach the worker, so they do not appear here (the server's
// metrics have them); timed_out counts executions that ended with a timeout
// error, such as an activity's or a child's returned unhandled.
package interceptor
