package middleware

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
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

type config struct {
	skip      map[string]struct{}
	extraKeys []string
	extra     func(*http.Request) []string
	buckets   []float64
	routeFunc func(*http.Request) string
	// routeFormat is the syntax routes are recorded in.
	routeFormat RouteFormat
	// methods replace the known methods when not nil (WithKnownMethods).
	methods []string
	// server are the values of server.address and server.port
	// (WithServerAddress), nil when left out.
	server []string
	// problems are the option values refused, logged once at start.
	problems []string
	logger   *slog.Logger
}

func newConfig(opts []Option) config {
	c := config{buckets: DefaultDurationBuckets(), logger: slog.Default()}
	for _, opt := range opts {
		opt(&c)
	}
	// The server's keys come before extra keys, in the same budget.
	if room := maxExtraKeys - len(c.server); len(c.extraKeys) > room {
		c.problems = append(c.problems, fmt.Sprintf(
			"WithExtraAttributes: keys %q dropped: WithServerAddress takes %d of the %d extra keys",
			c.extraKeys[room:], len(c.server), maxExtraKeys))
		c.extraKeys = c.extraKeys[:room]
		if room == 0 {
			c.extra = nil
		}
	}
	for _, p := range c.problems {
		c.logger.Warn("monitoring middleware: option value refused", "problem", p)
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
	return func(c *config) {
		var kept []string
		for _, k := range keys {
			if !slices.Contains(requestKeys(), k) && !slices.Contains(serverKeys(), k) && !slices.Contains(kept, k) && len(kept) < maxExtraKeys {
				kept = append(kept, k)
			}
		}
		c.extraKeys, c.extra = kept, values
		if len(kept) == 0 {
			c.extra = nil
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
	return func(c *config) { c.buckets = append([]float64(nil), bounds...) }
}

// WithRouteFunc tells the net/http middleware how to find the route
// template of a request for routers other than Go's ServeMux. It is called
// after the handler ran; an empty result means [UnmatchedRoute]. It must
// return templates in the router's own syntax ("/users/{id}",
// "/users/:id"), never the raw path. The Gin middleware ignores it and uses
// c.FullPath().
func WithRouteFunc(f func(*http.Request) string) Option {
	return func(c *config) { c.routeFunc = f }
}

// maxKnownMethods bounds the list of [WithKnownMethods]: each method is a
// series of its own.
const maxKnownMethods = 64

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
// letters, digits and !#$%&'*+-.^_`|~), and any value past the 64th, are
// left out of the list and logged, naming the value, through the logger of
// [WithLogger] when the middleware is built: as with every option of this
// package, a bad value never stops the middleware from being built. With no
// valid method given, every method is "_OTHER".
func WithKnownMethods(methods ...string) Option {
	return func(c *config) {
		c.methods = make([]string, 0, min(len(methods), maxKnownMethods))
		for _, m := range methods {
			switch {
			case !isToken(m):
				c.problems = append(c.problems, fmt.Sprintf("WithKnownMethods: %q is not an HTTP method token (RFC 9110)", m))
			case slices.Contains(c.methods, m):
			case len(c.methods) == maxKnownMethods:
				c.problems = append(c.problems, fmt.Sprintf("WithKnownMethods: %q is past the limit of %d methods", m, maxKnownMethods))
			default:
				c.methods = append(c.methods, m)
			}
		}
	}
}

// DefaultKnownMethods returns the methods recorded by name unless
// [WithKnownMethods] replaces them: the conventions' list.
func DefaultKnownMethods() []string { return slices.Clone(defaultMethods[1:]) }

// isToken reports whether s is an RFC 9110 token: 1*tchar.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		b := s[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0:
		default:
			return false
		}
	}
	return true
}

// WithServerAddress adds the opt-in attributes server.address (host) and
// server.port (port, an integer) of the semantic conventions to every
// metric of the middleware, for dashboards that select on them. Give the
// server's own configuration, the name and port it is known by (for
// example the host and port of its listen address, or of
// listener.Addr()): the values are fixed when the middleware is built and
// never read from the request, so a client's Host header cannot add series.
//
// An empty host leaves both attributes out; a port outside 1 to 65535
// leaves server.port out. Both are logged through the logger of [WithLogger] at start.
// The two keys share the budget of [WithExtraAttributes]: with both, no
// extra key is left, with the host alone one is.
func WithServerAddress(host string, port int) Option {
	return func(c *config) {
		switch {
		case host == "":
			c.server = nil
			c.problems = append(c.problems, "WithServerAddress: empty host, server.address and server.port left out")
		case port < 1 || port > 65535:
			c.server = []string{host}
			c.problems = append(c.problems, fmt.Sprintf("WithServerAddress: port %d outside 1 to 65535, server.port left out", port))
		default:
			c.server = []string{host, strconv.Itoa(port)}
		}
	}
}

// WithLogger sets where the middleware logs the option values it refused
// when it is built (it logs nothing per request); the default is
// slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}
