package middleware

import (
	"net/http"
	"slices"

	"github.com/compozy/monitoring/middleware/internal/httpmetrics"
)

// UnmatchedRoute is the http.route value shared by every request that
// matched no route, so that unknown paths add one series, not one each.
const UnmatchedRoute = httpmetrics.UnmatchedRoute

// DefaultDurationBuckets are the bucket boundaries, in seconds, that the
// OpenTelemetry HTTP semantic conventions advise for
// http.server.request.duration.
func DefaultDurationBuckets() []float64 { return httpmetrics.DefaultDurationBuckets() }

// Option configures the middleware: [HTTP], and the Gin middleware of
// package ginmetrics, take the same options.
type Option func(*httpmetrics.Config)

// WithSkipPaths leaves requests to these exact URL paths unrecorded, for
// example "/metrics" and "/healthz".
func WithSkipPaths(paths ...string) Option {
	return func(c *httpmetrics.Config) {
		if c.Skip == nil {
			c.Skip = make(map[string]struct{}, len(paths))
		}
		for _, p := range paths {
			c.Skip[p] = struct{}{}
		}
	}
}

// WithExtraAttributes adds attributes of your own, up to two keys, to the
// duration and body-size metrics of every request: values returns their
// values in the order of keys. They must come from a small fixed set (a
// tenant tier, an API version), never raw request input: each distinct value
// is a new series. A key of ours given again is ignored; a key the
// exposition cannot carry (see the key rule in docs/instruments.md: le, quantile, a "__"
// prefix, non-ASCII...) makes the backend refuse the histograms, with a
// logged reason.
//
// One configuration per process: the histograms are declared with these
// keys, and every exported name has one owner, so a second middleware (HTTP
// or Gin) on the same service with other keys has its three histograms
// refused and logged ("fast instrument unavailable ... refused ... another
// keys"); only http.server.active_requests records its requests. Give every
// middleware of a process identical options, or none of them this one.
func WithExtraAttributes(keys []string, values func(*http.Request) []string) Option {
	return func(c *httpmetrics.Config) {
		var kept []string
		for _, k := range keys {
			if !slices.Contains(httpmetrics.RequestKeys(), k) && !slices.Contains(kept, k) &&
				len(kept) < httpmetrics.MaxExtraKeys {
				kept = append(kept, k)
			}
		}
		c.ExtraKeys, c.Extra = kept, values
		if len(kept) == 0 {
			c.Extra = nil
		}
	}
}

// WithDurationBuckets replaces the bucket boundaries, in seconds, of
// http.server.request.duration.
//
// One configuration per process, as for [WithExtraAttributes]: a second
// middleware (HTTP or Gin) on the same service with other buckets has its
// duration histogram refused and logged ("... refused ... buckets"), and
// records no durations. Give every middleware of a process the same buckets.
func WithDurationBuckets(bounds ...float64) Option {
	return func(c *httpmetrics.Config) { c.Buckets = append([]float64(nil), bounds...) }
}

// WithRouteFunc tells the net/http middleware how to find the route
// template of a request for routers other than Go's ServeMux. It is called
// after the handler ran; an empty result means [UnmatchedRoute]. It must
// return templates in the router's own syntax ("/users/{id}",
// "/users/:id"), never the raw path. The Gin middleware
// (ginmetrics.Middleware) ignores it and uses c.FullPath().
func WithRouteFunc(f func(*http.Request) string) Option {
	return func(c *httpmetrics.Config) { c.RouteFunc = f }
}
