package httpmetrics

import "net/http"

// UnmatchedRoute is the http.route value shared by every request that
// matched no route, so that unknown paths add one series, not one each.
const UnmatchedRoute = "unmatched"

// DefaultDurationBuckets are the bucket boundaries, in seconds, that the
// OpenTelemetry HTTP semantic conventions advise for
// http.server.request.duration.
func DefaultDurationBuckets() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
}

// Config is what the middleware options set; both middlewares build their
// [Recorder] from it.
type Config struct {
	// Skip holds the exact URL paths left unrecorded.
	Skip map[string]struct{}
	// ExtraKeys are the user's attribute keys, after ours; Extra returns
	// their values for a request.
	ExtraKeys []string
	Extra     func(*http.Request) []string
	// Buckets are the duration histogram's boundaries, in seconds.
	Buckets []float64
	// RouteFunc finds the route of a request for the net/http middleware
	// (nil: the ServeMux pattern).
	RouteFunc func(*http.Request) string
	// Template rewrites a router's route template into the syntax of
	// WithRouteFormat (nil: recorded as the router writes it).
	Template func(string) string
}

// NewConfig returns the defaults with opts applied in order. It is generic
// so that the middleware's own Option type (a func(*Config) under another
// name) is applied here, once, for both middlewares.
func NewConfig[O ~func(*Config)](opts []O) Config {
	c := Config{Buckets: DefaultDurationBuckets()}
	for _, opt := range opts {
		opt(&c)
	}
	return c
}
