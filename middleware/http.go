package middleware

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/compozy/monitoring/middleware/internal/httpmetrics"
	"github.com/compozy/monitoring/port"
)

// HTTP returns net/http middleware that records every request through mon.
// The route is the matched pattern's path template, from r.Pattern of a Go
// 1.22+ ServeMux, or what the function given to [WithRouteFunc] returns.
// Wrap the ServeMux itself, or the handler a pattern is registered with: the
// mux sets r.Pattern on the request it is handed, so a handler between the
// middleware and the mux that replaces the request (r.WithContext, r.Clone)
// hides the pattern and every request counts as [UnmatchedRoute]. Put such
// handlers outside the middleware, or give a [WithRouteFunc]. A panic in the handler is
// recorded with error.type "panic" (and the status already sent, or 500 when
// nothing was) and then re-panicked, so the server's own recovery still
// runs.
func HTTP(mon port.Recorder, opts ...Option) func(http.Handler) http.Handler {
	cfg := httpmetrics.NewConfig(opts)
	rec := httpmetrics.New(mon, cfg)
	route := cfg.RouteFunc
	if route == nil {
		route = patternRoute
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if rec.Skipped(r) {
				next.ServeHTTP(w, r)
				return
			}
			q := rec.Begin(r)
			rw := writers.Get().(*responseWriter)
			rw.reset(r.Context(), w)
			body := httpmetrics.WrapBody(r)
			defer func() {
				p := recover()
				o := httpmetrics.Outcome{
					Status: rw.status, RespBytes: rw.written, ReqBytes: httpmetrics.RequestBodySize(r, body),
					Committed: rw.committed, Aborted: rw.aborted, Panicked: p != nil,
				}
				rec.End(r, q, func() string { return route(r) }, o)
				*rw = responseWriter{} // keeps neither the writer nor the context in the pool
				writers.Put(rw)
				if p != nil {
					panic(p)
				}
			}()
			next.ServeHTTP(rw, r)
		})
	}
}

// patternRoute returns the path part of the ServeMux pattern that matched
// r: "GET example.com/users/{id}" gives "/users/{id}"; no match gives "".
//
// One case is not a pattern: ServeMux redirects CONNECT /tree to /tree/ and
// puts the redirect's target, the client's own path, in r.Pattern. That
// request matched no route.
func patternRoute(r *http.Request) string {
	p := r.Pattern
	if r.Method == http.MethodConnect && p != "" && p == connectRedirect(r.URL.Path) {
		return ""
	}
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = strings.TrimLeft(p[i+1:], " \t")
	}
	if i := strings.IndexByte(p, '/'); i > 0 {
		p = p[i:]
	}
	return p
}

// connectRedirect is the path ServeMux redirects a CONNECT request for
// urlPath to when only the subtree urlPath/ is registered: its cleanPath of
// urlPath, with a slash added.
func connectRedirect(urlPath string) string {
	clean := path.Clean("/" + urlPath)
	if clean != "/" && strings.HasSuffix(urlPath, "/") {
		clean += "/"
	}
	return clean + "/"
}

// writers recycles response writers: one per request would be an allocation
// on the hot path.
var writers = sync.Pool{New: func() any { return new(responseWriter) }}

// responseWriter captures the status code and the bytes written.
type responseWriter struct {
	http.ResponseWriter
	status      int
	written     int64
	wroteHeader bool
	// committed: a body write, a flush or a hijack sent the response
	// on its way; a status alone is buffered by the server until then.
	committed bool
	// aborted: the client had gone when the response was first committed.
	aborted bool
	// ctx is the request's context, as the middleware received it.
	ctx context.Context
}

func (w *responseWriter) reset(ctx context.Context, inner http.ResponseWriter) {
	*w = responseWriter{ResponseWriter: inner, status: http.StatusOK, ctx: ctx}
}

// commit marks the response as on its way, and asks, the first time only,
// whether the client is still there to receive it.
func (w *responseWriter) commit() {
	w.wroteHeader = true
	if !w.committed {
		w.committed = true
		w.aborted = httpmetrics.ClientGone(w.ctx)
	}
}

// WriteHeader records the status code of the response.
func (w *responseWriter) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write counts the bytes of the response body.
func (w *responseWriter) Write(b []byte) (int, error) {
	w.commit()
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	return n, err
}

// Flush passes a flush through when the underlying writer supports it.
func (w *responseWriter) Flush() {
	w.commit()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection over (websockets), when the underlying
// writer allows it. The status recorded is then 101, unless a status was
// already set: the server flushes that one onto the connection before
// handing it over, so it is the status sent.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		if !w.wroteHeader {
			// No status went to the server, which would flush it onto the
			// connection first: what the handler sends is its own, a
			// protocol switch.
			w.status = http.StatusSwitchingProtocols
		}
		w.commit()
	}
	return conn, rw, err
}

// ReadFrom counts the bytes of a response copied from a reader, keeping the
// underlying writer's sendfile path when it has one.
func (w *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	w.commit()
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(writerOnly{w.ResponseWriter}, r)
	}
	w.written += n
	return n, err
}

// writerOnly hides every method but Write, so io.Copy cannot loop back into
// ReadFrom.
type writerOnly struct{ io.Writer }

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
