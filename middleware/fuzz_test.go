package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/monitoringtest"
)

// FuzzHTTP sends requests with arbitrary methods, paths, headers and body
// sizes through the net/http and Gin middleware: nothing panics, and every
// attribute value comes from a bounded set, so the series count stays under
// methods x routes x statuses however hostile the client.
func FuzzHTTP(f *testing.F) {
	f.Add("GET", "/orders/1", "Host", "example.com", uint16(0))
	f.Add("PURGE", "/../../etc/passwd", "X-Forwarded-Proto", "https", uint16(300))
	f.Add("get", "/orders/%00", "Content-Length", "-1", uint16(65535))
	f.Add("M\x7f", "//x?y=z#w", "", "", uint16(1))
	allowedRoutes := []string{"/orders/{id}", "/orders/:id", "/orders", "/fail", "/panic", "/metrics", middleware.UnmatchedRoute}
	allowedMethods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER"}
	f.Fuzz(func(t *testing.T, method, path, header, value string, bodyLen uint16) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\x00") {
			path = "/" + strings.Map(func(r rune) rune {
				if r <= ' ' || r == 0x7f {
					return -1
				}
				return r
			}, path)
		}
		for router, build := range routers {
			b := monitoringtest.New(t)
			h := build(b)
			req := httptest.NewRequest(http.MethodGet, "/", strings.NewReader(strings.Repeat("x", int(bodyLen))))
			req.Method = method
			req.URL.Path = path
			req.RequestURI = path
			if header != "" && !strings.ContainsAny(header, " :\r\n\x00") {
				req.Header.Set(header, value)
			}
			func() {
				defer func() {
					if p := recover(); p != nil && p != "boom" { // "boom" is the /panic route's own
						t.Fatalf("%s: panic %v", router, p)
					}
				}()
				h.ServeHTTP(httptest.NewRecorder(), req)
			}()
			for _, s := range b.Series(t, "http.server.request.duration") {
				route, _ := s.Value("http.route")
				m, _ := s.Value("http.request.method")
				if !slices.Contains(allowedRoutes, route.AsString()) {
					t.Fatalf("%s: route %q is not a template", router, route.AsString())
				}
				if !slices.Contains(allowedMethods, m.AsString()) {
					t.Fatalf("%s: method %q escaped the bounded set", router, m.AsString())
				}
			}
		}
	})
}
