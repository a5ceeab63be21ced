package middleware_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/port"
)

// benchWriter is a ResponseWriter that keeps nothing, reused across
// iterations.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header       { return w.h }
func (*benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (*benchWriter) WriteHeader(int)             {}

// BenchmarkRequestBody measures a POST whose handler reads a 64-byte body,
// the path the request body counter is on, on both routers: the counter
// must add no allocation.
func BenchmarkRequestBody(b *testing.B) {
	payload := strings.Repeat("x", 64)
	routers := map[string]func(port.Recorder) http.Handler{
		"net/http": func(mon port.Recorder) http.Handler {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.WriteHeader(http.StatusCreated)
			})
			return middleware.HTTP(mon)(mux)
		},
		"gin": func(mon port.Recorder) http.Handler {
			gin.SetMode(gin.ReleaseMode)
			e := gin.New()
			e.Use(ginmetrics.Middleware(mon))
			e.POST("/orders", func(c *gin.Context) {
				_, _ = io.Copy(io.Discard, c.Request.Body)
				c.Status(http.StatusCreated)
			})
			return e
		},
	}
	for name, build := range routers {
		b.Run("router="+name, func(b *testing.B) {
			h := build(monitoringtest.New(b))
			body := strings.NewReader(payload)
			rc := io.NopCloser(body)
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "/orders", rc)
			if err != nil {
				b.Fatal(err)
			}
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				body.Reset(payload)
				req.Body = rc
				h.ServeHTTP(w, req)
			}
		})
	}
}
