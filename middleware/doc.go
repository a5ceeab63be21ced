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
// http.response.status_code, network.protocol.version, and error.type. The
// in-flight counter carries only the method and the scheme (and the
// server's address and port, when given). server.address
// and server.port (Opt-In in the conventions) are left out unless
// [WithServerAddress] gives them from the server's own configuration; they
// are never read from the client's Host header. docs/http.md has the
// conformance table, attribute by attribute.
//
// error.type takes three kinds of values, all low-cardinality:
//   - the status code, on a 5xx response ("500", "503"...);
//   - "panic", when the handler panicked. The status recorded is the one
//     sent: a handler that had its response on its way (a body write, a
//     flush) when it panicked is recorded with that status (a 200 and a cut
//     body, as the client got); with nothing on its way, a 500 (what a
//     recovery handler answers; without one the server closes the
//     connection);
//   - "client_aborted", when the client went away (connection closed,
//     HTTP/2 stream reset: net/http cancels the request's context with
//     context.Canceled) before the response was on its way. The middleware
//     asks once, at the first body write, flush or hijack (and at the end
//     when there was none). No status reached the client, so none is
//     recorded, whatever the handler set or wrote afterwards: a client's
//     abort is not a server error. A deadline (http.TimeoutHandler) and a
//     base context cancelled with a cause (context.WithCancelCause) are not
//     client aborts. A client that leaves after the response was on its way
//     (into the server's or the kernel's buffers) is recorded with the
//     status sent, and no error.type.
//
// Cardinality is bounded by construction, so a client cannot grow the
// series count: the route is always a template (r.Pattern of a Go 1.22+
// ServeMux, gin's c.FullPath(), or a route function of yours, recorded in
// that router's own syntax unless [WithRouteFormat] says otherwise), requests that
// match no route share the route value [UnmatchedRoute], methods outside the
// known set ([WithKnownMethods]; by default the conventions' GET, HEAD, POST,
// PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH and QUERY) become "_OTHER",
// and no raw path, query or header value ever
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
// Body sizes are the bytes transferred, as the conventions define them. The
// request body size is what the handler read from the body, counted by a
// wrapper of r.Body, whether the body has a Content-Length or is chunked
// (one small allocation per request that has a body, none for a request
// without one; never recycled, so a handler that reads late, under
// http.TimeoutHandler, can only reach its own request's body). A body the
// handler never read is not recorded, whether it has a Content-Length or
// is chunked: a declared Content-Length is a claim the client makes, not
// bytes transferred (a client can declare 9e18 bytes, send 3 and close, on
// any route), and a chunked body's size is known to nobody. The response body
// size is what the handler wrote, and 0 for a HEAD response, which carries
// no body. gin writes its default 404 and 405 bodies after the middleware
// chain has returned, so those responses are recorded with a body size of
// 0.
package middleware
