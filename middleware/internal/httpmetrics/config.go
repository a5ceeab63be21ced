package httpmetrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
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
	// Methods replace the known methods when not nil (WithKnownMethods).
	Methods []string
	// Server are the values of server.address and server.port
	// (WithServerAddress), nil when left out.
	Server []string
	// Problems are the option values refused, logged once by NewConfig.
	Problems []string
	// Logger is where Problems are logged.
	Logger *slog.Logger
}

// NewConfig returns the defaults with opts applied in order. It is generic
// so that the middleware's own Option type (a func(*Config) under another
// name) is applied here, once, for both middlewares.
func NewConfig[O ~func(*Config)](opts []O) Config {
	c := Config{Buckets: DefaultDurationBuckets(), Logger: slog.Default()}
	for _, opt := range opts {
		opt(&c)
	}
	// The server's keys come before extra keys, in the same budget.
	if room := MaxExtraKeys - len(c.Server); len(c.ExtraKeys) > room {
		c.Problems = append(c.Problems, fmt.Sprintf(
			"WithExtraAttributes: keys %q dropped: WithServerAddress takes %d of the %d extra keys",
			c.ExtraKeys[room:], len(c.Server), MaxExtraKeys))
		c.ExtraKeys = c.ExtraKeys[:room]
		if room == 0 {
			c.Extra = nil
		}
	}
	for _, p := range c.Problems {
		c.Logger.Warn("monitoring middleware: option value refused", "problem", p)
	}
	return c
}

// DefaultKnownMethods returns the methods recorded by name unless
// WithKnownMethods replaces them: the conventions' list.
func DefaultKnownMethods() []string { return slices.Clone(defaultMethods[1:]) }

// MaxKnownMethods bounds the list of WithKnownMethods: each method is a
// series of its own.
const MaxKnownMethods = 64

// IsToken reports whether s is an RFC 9110 token (1*tchar), the syntax of
// an HTTP method.
func IsToken(s string) bool {
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
