// Package prometheus is the pull backend: the OpenTelemetry SDK with its
// Prometheus exporter, registered into a registry the adapter owns and served
// by promhttp.
//
// Naming: OpenTelemetry names are translated with the exporter's
// UnderscoreEscapingWithSuffixes strategy, so http.server.request.duration
// (unit s) is exposed as http_server_request_duration_seconds and a counter
// gains _total. A namespace, when set, prefixes every metric but target_info.
// The otel_scope_name and otel_scope_version labels are left out by default:
// they add a label to every series that dashboards rarely use; WithScopeLabels
// brings them back. The resource is exposed once, as target_info.
package prometheus
