// Package ginmetrics instruments gin servers through [port.Recorder]:
// [Middleware] is one line to install and records the metrics and
// attributes of the OpenTelemetry HTTP semantic conventions, the same as the
// net/http middleware of package middleware, whose documentation lists them,
// with the same options ([middleware.Option]).
//
// It is a package of its own so that a net/http service importing package
// middleware does not build gin and its dependencies; only gin services
// import this one.
//
// gin writes its default 404 and 405 bodies after the middleware chain has
// returned, so those responses are recorded with a response body size of 0.
package ginmetrics
