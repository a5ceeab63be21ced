package middleware

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/compozy/monitoring/port"
)

// Gin returns gin middleware that records every request through mon; install
// it with engine.Use so that it also sees requests that match no route. The
// route is c.FullPath(), the template of the matched route, written in the
// syntax of Go's ServeMux so that dashboards read the same whatever the
// router: "/users/:id" becomes "/users/{id}" and "/files/*path" becomes
// "/files/{path...}". A panic in a
// later handler is recorded as a 500 with error.type "panic" and then
// re-panicked, so gin.Recovery (installed before this middleware) still
// answers it.
func Gin(mon port.Monitoring, opts ...Option) gin.HandlerFunc {
	rec := newRecorder(mon, newConfig(opts))
	rec.template = ginTemplate
	return func(c *gin.Context) {
		r := c.Request
		if rec.skipped(r) {
			c.Next()
			return
		}
		q := rec.begin(r)
		defer func() {
			p := recover()
			status := c.Writer.Status()
			if p != nil {
				status = http.StatusInternalServerError
			}
			rec.end(r, q, c.FullPath, status, int64(max(c.Writer.Size(), 0)), p != nil)
			if p != nil {
				panic(p)
			}
		}()
		c.Next()
	}
}

// ginTemplate rewrites gin's ":name" and "*name" segments into ServeMux's
// "{name}" and "{name...}".
func ginTemplate(route string) string {
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
