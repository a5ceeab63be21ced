// Package service is the layer business code talks to: [MonitoringService]
// wraps whichever [port.Monitoring] backend it is handed and adds the
// guarantees callers build on. Instruments are created without an error to
// handle, the exposition handler answers 503 with the reason when the backend
// did not start, shutdown is idempotent, and a failing or panicking backend
// never reaches the caller as a panic. The exposition handler can ask for a
// bearer token or basic credentials, and be served on a listener of its own
// so that metrics need not share the application's public port;
// [MonitoringService.MountMetrics] mounts it on the application's router
// only when there is no such listener, so never on both.
//
// It depends only on the port, so it works the same over every adapter and
// over the generated mock.
package service
