// Package middleware instruments HTTP servers through [port.Monitoring]:
// [HTTP] for net/http and [Gin] for gin, each one line to install, with the
// metrics and attributes of the OpenTelemetry HTTP semantic conventions.
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
// The request body size is the request's Content-Length when the client
// declares one; a body of unknown length (chunked) is not recorded. gin
// writes its default 404 and 405 bodies after the middleware chain has
// returned, so those responses are recorded with a body size of 0.
package middleware
