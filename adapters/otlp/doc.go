// Package otlp is the OTLP push backend: it exports metrics to an
// OpenTelemetry Collector (or any OTLP receiver) over HTTP/protobuf or
// gRPC, on a periodic reader of the shared MeterProvider, so that it runs
// alone or beside /metrics.
//
// A collector that is unreachable never blocks or fails the start, and
// never blocks recording: exports retry with bounded backoff within the
// export timeout, then give up until the next interval. On cumulative
// temporality (the default) the next successful export carries every
// record made while the collector was down; on delta, the points of a
// failed export are lost, counted in monitoring.export.dropped_points and
// logged. Every failed export is counted in monitoring.export.failures, and
// the status reports the last error and the last successful export.
// Memory is bounded by the cardinality limit: nothing is queued.
//
// The adapter reads no environment and no file: the root package resolves
// the configuration (MONITORING_OTLP_* and the standard OTEL_* variables)
// and hands it the values.
package otlp
