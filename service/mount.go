package service

import (
	"net/http"
	pathpkg "path"
	"strings"
)

// DefaultMetricsPath is where the exposition handler is mounted unless
// [WithMetricsPath] or [WithMetricsServer] names another path.
const DefaultMetricsPath = "/metrics"

// Mux is a router the exposition handler can be mounted on:
// *http.ServeMux, chi's Router, or any router with this method. Gin's
// engine has no such method: see [MonitoringService.MetricsRoute].
type Mux interface {
	Handle(pattern string, handler http.Handler)
}

// MetricsRoute says how to expose metrics on the application's own router:
// the configured path ([WithMetricsPath], or the path of
// [WithMetricsServer]; /metrics by default), the exposition handler
// ([MonitoringService.ExporterHandler]: behind its authentication, 503 with
// the reason when the backend is down) and ok true. When a metrics server of
// its own is configured ([WithMetricsServer], listen_address), metrics must
// stay off the application's port: handler is nil and ok false, even when
// that server could not listen (Status says why) or is kept idle
// ([WithMetricsServerIdle]), and path is still the
// configured path, for a middleware's skip list. ok is false too, and the
// reason logged once, when the path cannot be a route: it must start with
// "/", hold no whitespace, "?", "{" or "}", and be clean (no "//", "." or
// ".." segment, which a router redirects elsewhere); one trailing "/" is
// allowed.
//
// For a router without a Handle(pattern, handler) method, such as Gin:
//
//	if path, h, ok := mon.MetricsRoute(); ok {
//		engine.GET(path, gin.WrapH(h))
//	}
func (s *MonitoringService) MetricsRoute() (path string, handler http.Handler, ok bool) {
	if s.serverConfigured || s.pathErr != nil {
		return s.metricsPath, nil, false
	}
	return s.metricsPath, s.exposition, true
}

// MountMetrics mounts the exposition handler at the configured path on mux,
// the application's own router, and reports whether it did: it does
// nothing, and returns false, when a metrics server of its own is
// configured, so that metrics are never served on both ports (see
// [MonitoringService.MetricsRoute]). On an *http.ServeMux the pattern
// matches the path exactly, for every method (a path that ends with "/"
// matches only itself, not the subtree); on another router, the path is
// handed to Handle as it is. Call it once per router: a ServeMux panics on a
// pattern registered twice.
func (s *MonitoringService) MountMetrics(mux Mux) bool {
	path, h, ok := s.MetricsRoute()
	if !ok || mux == nil {
		return false
	}
	if _, std := mux.(*http.ServeMux); std && strings.HasSuffix(path, "/") {
		path += "{$}"
	}
	mux.Handle(path, h)
	return true
}

// checkMetricsPath says what keeps path from being a route, or "".
func checkMetricsPath(path string) string {
	switch {
	case !strings.HasPrefix(path, "/"):
		return "does not start with /"
	case strings.ContainsAny(path, "?{} \t\r\n\v\f"):
		return `holds whitespace, "?", "{" or "}"`
	case strings.Contains(path, "//") || (pathpkg.Clean(path) != path && pathpkg.Clean(path)+"/" != path):
		// A ServeMux redirects a request for it to the clean path, where
		// nothing is mounted: mounted, and never reached.
		return `is not clean (a "//", "." or ".." segment): a router redirects it to the clean path`
	}
	return ""
}
