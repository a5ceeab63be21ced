// Package httpmetrics is what the net/http middleware (package middleware)
// and the Gin middleware (package ginmetrics) share: the configuration their
// options set, and the recorder that turns a finished request into the
// OpenTelemetry HTTP server metrics. Each middleware only adapts its
// router's request and response to [Recorder.Begin] and [Recorder.End], so
// the two record the same names and attributes by construction. It imports
// neither router: net/http users do not build gin.
package httpmetrics
