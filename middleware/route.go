package middleware

import (
	"strings"

	"github.com/compozy/monitoring/middleware/internal/httpmetrics"
)

// RouteFormat is the syntax of the http.route values the middleware
// records. The OpenTelemetry semantic conventions define http.route as the
// path template "in the format used by the respective server framework",
// so the default, [RouteFormatRouter], records it as the router wrote it;
// the other formats rewrite every route into one syntax, for dashboards
// shared by services on different routers.
type RouteFormat int

const (
	// RouteFormatRouter records the route as the router writes it: gin's
	// c.FullPath() ("/users/:id", "/files/*path"), the path of the ServeMux
	// pattern ("/users/{id}", "/files/{path...}", "/{$}"), or what the
	// function of [WithRouteFunc] returns. It is the default.
	RouteFormatRouter RouteFormat = iota
	// RouteFormatServeMux writes gin's ":name" and "*name" segments as
	// ServeMux's "{name}" and "{name...}": "/users/:id" is recorded
	// "/users/{id}".
	RouteFormatServeMux
	// RouteFormatGin writes ServeMux's "{name}" and "{name...}" segments as
	// gin's ":name" and "*name": "/users/{id}" is recorded "/users/:id". The
	// "{$}" end anchor has no gin spelling and stays as it is: "/a/{$}"
	// (only "/a/") and the subtree "/a/" (everything below it) are two
	// routes, and recorded as two.
	RouteFormatGin
)

// WithRouteFormat rewrites every recorded route into one syntax (see
// [RouteFormat]); the default, [RouteFormatRouter], records routes as the
// router writes them. It applies to both middlewares, to WithRouteFunc's
// routes too, never to [UnmatchedRoute]. A value outside the constants
// leaves routes as the router writes them.
//
// Two routes of one router stay two routes. The one exception is a literal
// segment spelled as the other syntax's wildcard (a ServeMux literal ":id",
// a gin literal "{id}"): both syntaxes are read on the way in, so it is
// rewritten as a wildcard and may meet a route that has one there.
func WithRouteFormat(f RouteFormat) Option {
	return func(c *httpmetrics.Config) { c.Template = f.rewriter() }
}

// rewriter returns the function that rewrites a route into format f, or nil
// when routes are recorded as they come.
func (f RouteFormat) rewriter() func(string) string {
	switch f {
	case RouteFormatServeMux:
		return ginToServeMux
	case RouteFormatGin:
		return serveMuxToGin
	default:
		return nil
	}
}

// ginToServeMux rewrites gin's ":name" and "*name" segments into ServeMux's
// "{name}" and "{name...}".
func ginToServeMux(route string) string {
	if !strings.ContainsAny(route, ":*") {
		return route
	}
	segments := strings.Split(route, "/")
	for i, seg := range segments {
		switch {
		case strings.HasPrefix(seg, ":"):
			segments[i] = "{" + seg[1:] + "}"
		case strings.HasPrefix(seg, "*"):
			segments[i] = "{" + seg[1:] + "...}"
		}
	}
	return strings.Join(segments, "/")
}

// serveMuxToGin rewrites ServeMux's "{name}" and "{name...}" segments into
// gin's ":name" and "*name". The "{$}" anchor (an exact match of a path
// ending in a slash) has no gin spelling and is kept: dropping it would
// merge "/{$}" with the catch-all "/", and "/a/{$}" with the subtree "/a/".
func serveMuxToGin(route string) string {
	if !strings.Contains(route, "{") {
		return route
	}
	segments := strings.Split(route, "/")
	for i, seg := range segments {
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") || seg == "{$}" {
			continue // a literal segment, or the anchor, kept: see above
		}
		name := seg[1 : len(seg)-1]
		switch {
		case strings.HasSuffix(name, "..."):
			segments[i] = "*" + strings.TrimSuffix(name, "...")
		default:
			segments[i] = ":" + name
		}
	}
	return strings.Join(segments, "/")
}
