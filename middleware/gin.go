package middleware

import (
	"github.com/gin-gonic/gin"

	"github.com/compozy/monitoring/port"
)

// Gin returns gin middleware that records every request through mon; install
// it with engine.Use so that it also sees requests that match no route. The
// route is c.FullPath(), the template of the matched route, as gin writes it
// ("/users/:id", "/files/*path"), which is what the semantic conventions ask
// and what gin dashboards query; [WithRouteFormat] rewrites it into
// another syntax. A panic in a
// later handler is recorded with error.type "panic" (and the status already
// sent, or 500 when nothing was) and then re-panicked, so gin.Recovery (installed before this middleware) still
// answers it.
func Gin(mon port.Monitoring, opts ...Option) gin.HandlerFunc {
	rec := newRecorder(mon, newConfig(opts))
	return func(c *gin.Context) {
		r := c.Request
		if rec.skipped(r) {
			c.Next()
			return
		}
		q := rec.begin(r)
		body := wrapBody(r)
		defer func() {
			p := recover()
			o := outcome{
				status: c.Writer.Status(), respBytes: int64(max(c.Writer.Size(), 0)), reqBytes: requestBodySize(r, body),
				committed: c.Writer.Written(), panicked: p != nil,
			}
			rec.end(r, q, c.FullPath, o)
			if p != nil {
				panic(p)
			}
		}()
		c.Next()
	}
}
