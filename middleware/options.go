package middleware

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

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
			if !slices.Contains(httpmetrics.RequestKeys(), k) && !slices.Contains(httpmetrics.ServerKeys(), k) &&
				!slices.Contains(kept, k) &&
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

// WithKnownMethods replaces the list of HTTP methods recorded by name in
// http.request.method; every other method is recorded as "_OTHER", as the
// semantic conventions ask ("MUST provide a way to override the list of
// known HTTP methods"). The list replaces the default one entirely (the
// conventions' known methods: GET, HEAD, POST, PUT, DELETE, CONNECT,
// OPTIONS, TRACE, PATCH and QUERY), so add those you still want: for
// example WithKnownMethods(append(DefaultKnownMethods(), "PURGE")...).
//
// It is fixed when the middleware is built, so a client cannot grow it.
// Methods are case-sensitive, as in HTTP: "purge" is not "PURGE".
// Duplicates count once. A value that is not an HTTP method token (RFC 9110:
// letters, digits and !#$%&'*+-.^_`|~), "_OTHER" (the conventions'
// placeholder, not a method), and any value past the 64th, are left out of
// the list and logged in one line, with their count and the first few
// named, through the logger of [WithLogger] when the middleware is built: as with every option of this
// package, a bad value never stops the middleware from being built. With no
// valid method given, every method is "_OTHER".
func WithKnownMethods(methods ...string) Option {
	return func(c *httpmetrics.Config) {
		c.Methods = make([]string, 0, min(len(methods), httpmetrics.MaxKnownMethods))
		var refused []string
		count := 0
		refuse := func(why string) {
			if count++; len(refused) < refusedShown {
				refused = append(refused, why)
			}
		}
		for _, m := range methods {
			switch {
			case !httpmetrics.IsToken(m):
				refuse(fmt.Sprintf("%.64q is not an HTTP method token (RFC 9110)", m))
			case m == otherMethod:
				refuse(fmt.Sprintf("%q is the conventions' placeholder for the other methods", m))
			case slices.Contains(c.Methods, m):
			case len(c.Methods) == httpmetrics.MaxKnownMethods:
				refuse(fmt.Sprintf("%.64q is past the limit of %d methods", m, httpmetrics.MaxKnownMethods))
			default:
				c.Methods = append(c.Methods, m)
			}
		}
		if count > 0 {
			// One line, however many values: the count and the first few.
			more := ""
			if count > len(refused) {
				more = fmt.Sprintf("; and %d more", count-len(refused))
			}
			c.Problems = append(c.Problems, fmt.Sprintf("WithKnownMethods: %d values refused: %s%s",
				count, strings.Join(refused, "; "), more))
		}
	}
}

// otherMethod is the conventions' value for a method not in the known list.
const otherMethod = "_OTHER"

// refusedShown is how many refused values an option's log line names; the
// others are counted.
const refusedShown = 5

// DefaultKnownMethods returns the methods recorded by name unless
// [WithKnownMethods] replaces them: the conventions' list.
func DefaultKnownMethods() []string { return httpmetrics.DefaultKnownMethods() }

// WithServerAddress adds the opt-in attributes server.address (host) and
// server.port (port, an integer) of the semantic conventions to every
// metric of the middleware, for dashboards that select on them. Give the
// server's own configuration, the name and port it is known by (for
// example the host and port of its listen address, or of
// listener.Addr()): the values are fixed when the middleware is built and
// never read from the request, so a client's Host header cannot add series.
//
// An empty host leaves both attributes out; a port outside 1 to 65535
// leaves server.port out. Both are logged through the logger of
// [WithLogger] when the middleware is built. The two keys share the budget
// of [WithExtraAttributes]: with both, no extra key is left (extra keys
// given are dropped and logged), with the host alone one is.
func WithServerAddress(host string, port int) Option {
	return func(c *httpmetrics.Config) {
		switch {
		case host == "":
			c.Server = nil
			c.Problems = append(c.Problems, "WithServerAddress: empty host, server.address and server.port left out")
		case port < 1 || port > 65535:
			c.Server = []string{host}
			c.Problems = append(c.Problems, fmt.Sprintf("WithServerAddress: port %d outside 1 to 65535, server.port left out", port))
		default:
			c.Server = []string{host, strconv.Itoa(port)}
		}
	}
}

// WithLogger sets where the middleware logs the option values it refused
// when it is built (it logs nothing per request); the default is
// slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *httpmetrics.Config) {
		if l != nil {
			c.Logger = l
		}
	}
}
