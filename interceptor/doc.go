// Package interceptor instruments Temporal workers through [port.Recorder],
// the recording part of the port (it records; it never shuts the backend
// down): [NewWorkerInterceptor] records workflow and activity starts,
// outcomes and durations, [NewMetricsHandler] routes the Temporal
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
//   - temporal.workflow.superseded [temporal_workflow_superseded_total]:
//     counter, the same with the outcome of an end counted and then
//     superseded by a later live end of the same run (below);
//   - temporal.workflow.duration [temporal_workflow_duration_seconds]:
//     histogram from the workflow's start to its end in workflow time, with
//     outcome;
//   - temporal.workflow.panics [temporal_workflow_panics_total]: workflow
//     tasks whose code panicked (the workflow stays open);
//   - temporal.activity.started, temporal.activity.ended,
//     temporal.activity.duration: the same shape per attempt with
//     activity_type and activity_kind ([ActivityKindRegular] or
//     [ActivityKindLocal]: local activities are counted too, per attempt);
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
// A run starts once and ends once, with the outcome the server recorded. The
// interceptor remembers the last 8192 runs it recorded, one entry each (a
// digest of the namespace, workflow and run IDs, type and start time from
// the history, and the outcome counted: about 50 bytes). A workflow task
// retried without being a replay does not count the start again; executions
// that share IDs, as in the SDK's testsuite, are told apart by their start
// time. When the server rejects a completion (an event arrived while the
// final task ran) the workflow runs again live and may end otherwise: that
// later end is counted, and the earlier one, still in
// temporal.workflow.ended since counters never go back, is counted in
// temporal.workflow.superseded. Exact outcome counts are ended minus
// superseded, per outcome (deploy/prometheus/temporal.yml has the recording
// rule). Across workers the counts are at least once.
//
// What a worker cannot see: terminations and the server's own workflow
// execution and run timeouts never reach it, so such a run is started and
// never ended here; ask the server (visibility, ExecutionStatus="Running",
// and its workflow_terminate and workflow_timeout metrics) for what is still
// running. timed_out counts executions that ended with a timeout error, such
// as an activity's or a child's returned unhandled. Continue-as-new counts
// runs, not chains: leave continued_as_new out of both sides of a success
// ratio.
package interceptor
