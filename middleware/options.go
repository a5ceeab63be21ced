package middleware

import (
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
)

// UnmatchedRoute is the http.route value shared by every request that
// matched no route, so that unknown paths add one series, not one each.
const UnmatchedRoute = "unmatched"

// DefaultDurationBuckets are the bucket boundaries, in seconds, that the
// OpenTelemetry HTTP semantic conventions advise for
// http.server.request.duration.
func DefaultDurationBuckets() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
}

// ScopeName is the instrumentation scope of the middleware's meter.
const ScopeName = "github.com/compozy/monitoring/middleware"

type config struct {
	skip      map[string]struct{}
	extra     func(*http.Request) []attribute.KeyValue
	buckets   []float64
	routeFunc func(*http.Request) string
	logger    *slog.Logger
}

func newConfig(opts []Option) config {
	c := config{buckets: DefaultDurationBuckets(), logger: slog.Default()}
	for _, opt := range opts {
		opt(&c)
	}
	return c
}

// Option configures the middleware.
type Option func(*config)

// WithSkipPaths leaves requests to these exact URL paths unrecorded, for
// example "/metrics" and "/healthz".
func WithSkipPaths(paths ...string) Option {
	return func(c *config) {
		if c.skip == nil {
			c.skip = make(map[string]struct{}, len(paths))
		}
		for _, p := range paths {
			c.skip[p] = struct{}{}
		}
	}
}

// WithExtraAttributes adds the attributes f returns to the duration and
// body-size metrics of every request. f must return values from a small
// fixed set (a tenant tier, an API version), never raw request input: each
// distinct value is a new series. Building the extra set costs an
// allocation per request.
func WithExtraAttributes(f func(*http.Request) []attribute.KeyValue) Option {
	return func(c *config) { c.extra = f }
}

// WithDurationBuckets replaces the bucket boundaries, in seconds, of
// http.server.request.duration.
func WithDurationBuckets(bounds ...float64) Option {
	return func(c *config) { c.buckets = append([]float64(nil), bounds...) }
}

// WithRouteFunc tells the net/http middleware how to find the route
// template of a request for routers other than Go's ServeMux. It is called
// after the handler ran; an empty result means [UnmatchedRoute]. It must
// return templates such as "/users/{id}", never the raw path. The Gin
// middleware ignores it and uses c.FullPath().
func WithRouteFunc(f func(*http.Request) string) Option {
	return func(c *config) { c.routeFunc = f }
}

// WithLogger sets where the middleware reports instruments it could not
// create; the default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}
