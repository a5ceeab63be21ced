package ginmetrics

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/internal/httpmetrics"
	"github.com/compozy/monitoring/port"
)

// Middleware returns gin middleware that records every request through rec;
// install it with engine.Use so that it also sees requests that match no
// route. It takes the options of the net/http middleware
// ([middleware.WithSkipPaths], [middleware.WithExtraAttributes],
// [middleware.WithDurationBuckets], [middleware.WithRouteFormat]) and
// records the same metrics and attributes. The route is c.FullPath(), the
// template of the matched route, as gin writes it ("/users/:id",
// "/files/*path"), which is what the semantic conventions ask and what gin
// dashboards query; [middleware.WithRouteFormat] rewrites it into another
// syntax, and [middleware.WithRouteFunc] is ignored. A panic in a later
// handler is recorded with error.type "panic" (and the status already sent,
// or 500 when nothing was) and then re-panicked, so gin.Recovery (installed before this middleware) still
// answers it.
func Middleware(rec port.Recorder, opts ...middleware.Option) gin.HandlerFunc {
	r := httpmetrics.New(rec, httpmetrics.NewConfig(opts))
	return func(c *gin.Context) {
		req := c.Request
		if r.Skipped(req) {
			c.Next()
			return
		}
		q := r.Begin(req)
		body := httpmetrics.WrapBody(req)
		w := writers.Get().(*writer)
		*w = writer{ResponseWriter: c.Writer, ctx: req.Context()}
		c.Writer = w
		defer func() {
			p := recover()
			// gin writes its own 404/405 bodies after the chain, to its writer.
			c.Writer = w.ResponseWriter
			// A response is on its way once body bytes were written, or a
			// flush or a hijack sent it, as on net/http: gin's WriteHeaderNow
			// (AbortWithStatus) only hands the status to net/http, which
			// buffers it until a body write, a flush or the end of the request.
			o := httpmetrics.Outcome{
				Status: c.Writer.Status(), RespBytes: int64(max(c.Writer.Size(), 0)),
				ReqBytes:  httpmetrics.RequestBodySize(req, body),
				Committed: c.Writer.Size() > 0 || w.sent,
				Aborted:   w.aborted, Panicked: p != nil,
			}
			if w.switched {
				o.Status = http.StatusSwitchingProtocols
			}
			*w = writer{}
			writers.Put(w)
			r.End(req, q, c.FullPath, o)
			if p != nil {
				panic(p)
			}
		}()
		c.Next()
	}
}
