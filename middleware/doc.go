// Package middleware instruments HTTP servers through [port.Recorder], the
// recording part of the port (it records; it never shuts the backend down):
// [HTTP] for net/http, and ginmetrics.Middleware (package
// middleware/ginmetrics) for gin, each one line to install, with the metrics
// and attributes of the OpenTelemetry HTTP semantic conventions. Both take
// this package's [Option]s. This package imports the standard library, the
// OpenTelemetry API and the port only: a net/http service does not build
// gin.
//
// Metrics (Prometheus names in brackets):
//   - http.server.request.duration, histogram, seconds
//     [http_server_request_duration_seconds];
//   - http.server.active_requests, up-down counter, requests in flight
//     [http_server_active_requests];
//   - http.server.request.body.size and http.server.response.body.size,
//     histograms, bytes [http_server_request_body_size_bytes,
//     http_server_response_body_size_bytes].
//
// Attributes: http.request.method, url.scheme, http.route,
// http.response.status_code, network.protocol.version, and error.type on
// 5xx responses (the status code) and on panics ("panic"). The in-flight
// counter carries only the method and the scheme. server.address is left
// out: it would come from the client's Host header.
//
// Cardinality is bounded by construction, so a client cannot grow the
// series count: the route is always a template (r.Pattern of a Go 1.22+
// ServeMux, gin's c.FullPath(), or a route function of yours, recorded in
// that router's own syntax unless [WithRouteFormat] says otherwise), requests that
// match no route share the route value [UnmatchedRoute], methods outside the
// standard set become "_OTHER", and no raw path, query or header value ever
// becomes an attribute value. The backend's per-instrument cardinality limit
// stays on as a last guard.
//
// One HTTP instrumentation per process. The metric names above have one
// owner per service (an exported name is never served twice), so the
// second instrumentation to be created has its histograms refused at
// creation and logged, and records nothing there:
//   - otelhttp or otelgin given the service's MeterProvider next to this
//     middleware: the later of the two is refused. When otelhttp comes
//     second the log reads "monitoring: using a no-op Float64Histogram
//     instead" with name=http.server.request.duration and an error saying
//     its exported name "is already taken by" the fast instruments; when
//     this middleware comes second, "monitoring: fast instrument
//     unavailable" with the same words naming otelhttp's meter. Use one of
//     the two per process, or give
//     otelhttp/otelgin a MeterProvider of its own (a no-op one when you
//     want its traces only).
//   - a second middleware of this package with other [WithExtraAttributes]
//     keys or [WithDurationBuckets]: its histograms are refused, and only
//     http.server.active_requests records its requests. Pass identical
//     options to every middleware of a process.
//
// The request body size is the request's Content-Length when the client
// declares one; a body of unknown length (chunked) is not recorded. gin
// writes its default 404 and 405 bodies after the middleware chain has
// returned, so those responses are recorded with a body size of 0.
package middleware
