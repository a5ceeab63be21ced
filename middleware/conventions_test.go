package middleware_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/port"
)

// convMethods are the methods the conventions routers answer on /any.
var convMethods = []string{"GET", "POST", "PURGE", "QUERY", "PROPFIND", "LOCK"}

// convRouters build, on net/http and on gin, the routes the conformance
// tests (issue 16) send requests to:
//
//	/any               every method of convMethods; reads the body, answers "ok"
//	POST /read          reads the whole body
//	POST /partial       reads 3 bytes of the body
//	POST /ignore        never reads the body
//	GET|HEAD /page      writes "content" (7 bytes)
//	GET /panic-written  writes "partial" (a 200 on its way), then panics
//	GET /panic-status   sets 201 (buffered, nothing sent), then panics
//	GET /panic          panics before anything
//	GET /panic-flushed  sets 202 and flushes it (sent), then panics
//	GET /hijack         hijacks the connection and writes a 101 on it
//	GET /hijack-status  sets 200, then hijacks (the server flushes the 200 first)
var convRouters = map[string]func(port.Recorder, ...middleware.Option) http.Handler{
	"net/http": func(mon port.Recorder, opts ...middleware.Option) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("/any", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, "ok")
		})
		mux.HandleFunc("POST /read", func(_ http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
		})
		mux.HandleFunc("POST /partial", func(_ http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadFull(r.Body, make([]byte, 3))
		})
		mux.HandleFunc("POST /ignore", func(http.ResponseWriter, *http.Request) {})
		mux.HandleFunc("GET /page", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "content") })
		mux.HandleFunc("GET /panic-written", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "partial")
			panic("after writing")
		})
		mux.HandleFunc("GET /panic-status", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusCreated)
			panic("after a status")
		})
		mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
		mux.HandleFunc("GET /panic-flushed", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			_ = http.NewResponseController(w).Flush()
			panic("after a flush")
		})
		mux.HandleFunc("GET /hijack", func(w http.ResponseWriter, _ *http.Request) {
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err == nil {
				switchProtocols(conn, rw)
			}
		})
		mux.HandleFunc("GET /hijack-status", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close()
			}
		})
		return middleware.HTTP(mon, opts...)(mux)
	},
	"gin": func(mon port.Recorder, opts ...middleware.Option) http.Handler {
		e := gin.New()
		e.Use(ginmetrics.Middleware(mon, opts...))
		for _, m := range convMethods {
			e.Handle(m, "/any", func(c *gin.Context) {
				_, _ = io.Copy(io.Discard, c.Request.Body)
				c.String(http.StatusOK, "ok")
			})
		}
		e.POST("/read", func(c *gin.Context) { _, _ = io.Copy(io.Discard, c.Request.Body) })
		e.POST("/partial", func(c *gin.Context) { _, _ = io.ReadFull(c.Request.Body, make([]byte, 3)) })
		e.POST("/ignore", func(*gin.Context) {})
		page := func(c *gin.Context) { c.String(http.StatusOK, "content") }
		e.GET("/page", page)
		e.HEAD("/page", page)
		e.GET("/panic-written", func(c *gin.Context) {
			c.String(http.StatusOK, "partial")
			panic("after writing")
		})
		e.GET("/panic-status", func(c *gin.Context) {
			c.Status(http.StatusCreated)
			panic("after a status")
		})
		e.GET("/panic", func(*gin.Context) { panic("boom") })
		e.GET("/panic-flushed", func(c *gin.Context) {
			c.Status(http.StatusAccepted)
			c.Writer.Flush()
			panic("after a flush")
		})
		e.GET("/hijack", func(c *gin.Context) {
			conn, rw, err := c.Writer.Hijack()
			if err == nil {
				switchProtocols(conn, rw)
			}
		})
		e.GET("/hijack-status", func(c *gin.Context) {
			c.Status(http.StatusOK)
			c.Writer.WriteHeaderNow()
			if conn, _, err := c.Writer.Hijack(); err == nil {
				_ = conn.Close()
			}
		})
		return e
	},
}

// switchProtocols writes a 101 on a hijacked connection and closes it.
func switchProtocols(conn net.Conn, rw *bufio.ReadWriter) {
	_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
	_ = rw.Flush()
	_ = conn.Close()
}

// point is one histogram data point, reduced to what the tests assert.
type point struct {
	count uint64
	sum   float64
}

// points returns the data points of the histogram name by attribute set.
func points(t *testing.T, b *monitoringtest.Backend, name string) map[attribute.Distinct]point {
	t.Helper()
	out := map[attribute.Distinct]point{}
	for set, p := range b.Histograms(t, name) {
		out[set] = point{count: p.Count, sum: p.Sum}
	}
	return out
}

// attrs are the attributes of a request on route with the given method,
// status (0: left out) and error.type ("" : left out), plus more.
func attrs(method, route string, status int, errType string, more ...attribute.KeyValue) *attribute.Set {
	kvs := []attribute.KeyValue{
		attribute.String("http.request.method", method), attribute.String("url.scheme", "http"),
		attribute.String("http.route", route), attribute.String("network.protocol.version", "1.1"),
	}
	if status != 0 {
		kvs = append(kvs, attribute.Int("http.response.status_code", status))
	}
	if errType != "" {
		kvs = append(kvs, attribute.String("error.type", errType))
	}
	set := attribute.NewSet(append(kvs, more...)...)
	return &set
}

// send serves one request built by build, recovering a panic out of the
// middleware.
func send(h http.Handler, r *http.Request) {
	defer func() { _ = recover() }()
	h.ServeHTTP(httptest.NewRecorder(), r)
}

func newRequest(method, target string, body io.Reader) *http.Request {
	return httptest.NewRequestWithContext(context.Background(), method, target, body)
}

// checkMethods sends one request per method to /any and asserts the
// http.request.method values recorded, one per request.
func checkMethods(t *testing.T, build func(port.Recorder, ...middleware.Option) http.Handler,
	opts []middleware.Option, methods, wantMethods []string,
) {
	t.Helper()
	b := monitoringtest.New(t)
	h := build(b, opts...)
	for _, m := range methods {
		send(h, newRequest(m, "/any", nil))
	}
	got := points(t, b, durationName)
	want := map[string]uint64{}
	for _, m := range wantMethods {
		want[m]++
	}
	for m, n := range want {
		assert.Equal(t, n, got[attrs(m, "/any", 200, "").Equivalent()].count, "method %s", m)
	}
	assert.Len(t, got, len(want))
	for _, s := range b.Series(t, activeName) {
		v, _ := s.Value("http.request.method")
		assert.Contains(t, wantMethods, v.AsString(), "in-flight series %v", s.Encoded(attribute.DefaultEncoder()))
	}
}

func TestDefaultKnownMethods(t *testing.T) {
	for router, build := range convRouters {
		t.Run("Should record QUERY by name by default, and methods outside the list as _OTHER, with "+router, func(t *testing.T) {
			checkMethods(t, build, nil, []string{"GET", "QUERY", "PURGE", "PROPFIND", "POST"},
				[]string{"GET", "QUERY", "_OTHER", "_OTHER", "POST"})
		})
	}
}

func TestKnownMethods(t *testing.T) {
	cases := []struct {
		name    string
		opts    []middleware.Option
		methods []string
		want    []string
	}{
		{name: "the methods of WithKnownMethods and only them, replacing the defaults",
			opts:    []middleware.Option{middleware.WithKnownMethods("GET", "PURGE", "PROPFIND")},
			methods: []string{"GET", "PURGE", "PROPFIND", "QUERY", "POST"}, want: []string{"GET", "PURGE", "PROPFIND", "_OTHER", "_OTHER"}},
		{name: "the defaults plus PURGE when the list extends DefaultKnownMethods",
			opts:    []middleware.Option{middleware.WithKnownMethods(append(middleware.DefaultKnownMethods(), "PURGE")...)},
			methods: []string{"GET", "QUERY", "PURGE", "LOCK"}, want: []string{"GET", "QUERY", "PURGE", "_OTHER"}},
		{name: "methods case-sensitively, invalid tokens left out",
			opts:    []middleware.Option{middleware.WithKnownMethods("purge", "LOCK", "BAD METHOD", "", "PRO\x00PFIND")},
			methods: []string{"PURGE", "LOCK", "GET"}, want: []string{"_OTHER", "LOCK", "_OTHER"}},
		{name: "every method as _OTHER when the list is empty",
			opts:    []middleware.Option{middleware.WithKnownMethods()},
			methods: []string{"GET", "POST"}, want: []string{"_OTHER", "_OTHER"}},
	}
	for router, build := range convRouters {
		for _, tc := range cases {
			t.Run("Should record "+tc.name+" with "+router, func(t *testing.T) {
				checkMethods(t, build, tc.opts, tc.methods, tc.want)
			})
		}
	}
	t.Run("Should log each refused method, naming it, and keep at most 64", func(t *testing.T) {
		var logs bytes.Buffer
		many := make([]string, 70)
		for i := range many {
			many[i] = fmt.Sprintf("M%d", i)
		}
		b := monitoringtest.New(t)
		h := middleware.HTTP(b, middleware.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
			middleware.WithKnownMethods(append([]string{"BAD METHOD", "GET", "GET"}, many...)...))(
			http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		assert.Contains(t, logs.String(), `"BAD METHOD\" is not an HTTP method token`)
		assert.Contains(t, logs.String(), `"M63\" is past the limit of 64`)
		assert.NotContains(t, logs.String(), `"M62\" is past`)
		assert.NotContains(t, logs.String(), `GET`, "a duplicate is not a problem")
		send(h, newRequest("M62", "/", nil))
		send(h, newRequest("M63", "/", nil))
		got := points(t, b, durationName)
		assert.Equal(t, uint64(1), got[attrs("M62", middleware.UnmatchedRoute, 200, "").Equivalent()].count)
		assert.Equal(t, uint64(1), got[attrs("_OTHER", middleware.UnmatchedRoute, 200, "").Equivalent()].count)
	})
}

func TestRequestBodySize(t *testing.T) {
	cases := []struct {
		name, target, body string
		// chunked sends the body with no Content-Length.
		chunked bool
		// want is the size recorded, -1 for no data point.
		want float64
	}{
		{name: "the bytes read of a body with a Content-Length", target: "/read", body: "hello", want: 5},
		{name: "the bytes read of a chunked body", target: "/read", body: "hello, chunked", chunked: true, want: 14},
		{name: "the bytes read when the handler stops early", target: "/partial", body: "hello world", want: 3},
		{name: "the bytes read of a chunked body the handler stops reading early", target: "/partial", body: "hello world", chunked: true, want: 3},
		{name: "no size for a body with a Content-Length never read", target: "/ignore", body: "hello world", want: -1},
		{name: "no size for a chunked body never read", target: "/ignore", body: "hello world", chunked: true, want: -1},
		{name: "0 for a request without a body", target: "/read", want: 0},
	}
	for router, build := range convRouters {
		for _, tc := range cases {
			t.Run("Should record "+tc.name+" with "+router, func(t *testing.T) {
				b := monitoringtest.New(t)
				h := build(b)
				var body io.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				r := newRequest(http.MethodPost, tc.target, body)
				if tc.chunked {
					r.ContentLength, r.TransferEncoding = -1, []string{"chunked"}
				}
				original := r.Body
				send(h, r)
				assert.Equal(t, original, r.Body, "the request keeps its own body afterwards")
				got := points(t, b, reqSizeName)
				if tc.want < 0 {
					assert.Empty(t, got, "no size recorded, and no empty series either")
					assert.Len(t, points(t, b, durationName), 1, "the request itself is recorded")
					return
				}
				require.Len(t, got, 1)
				for _, p := range got {
					assert.Equal(t, point{count: 1, sum: tc.want}, p)
				}
			})
		}
	}
}

func TestUnreadChunkedBodyExposition(t *testing.T) {
	for router, build := range convRouters {
		t.Run("Should expose no request body size series for a chunked body never read with "+router, func(t *testing.T) {
			cfg := monitoring.DefaultConfig()
			cfg.Enabled = true
			mon, err := monitoring.NewMonitoringService(t.Context(), &cfg)
			require.NoError(t, err)
			defer func() { _ = mon.Shutdown(context.Background()) }()
			srv := httptest.NewServer(build(mon))
			defer srv.Close()

			// An io.Reader of unknown length: the client sends it chunked.
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/ignore",
				io.MultiReader(strings.NewReader("hello world")))
			require.NoError(t, err)
			req.ContentLength = -1 // unknown: the client sends it chunked
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			require.NoError(t, resp.Body.Close())

			scrape := httptest.NewRecorder()
			mon.ExporterHandler().ServeHTTP(scrape, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
			var duration, reqSize []string
			for line := range strings.Lines(scrape.Body.String()) {
				switch {
				case strings.HasPrefix(line, "http_server_request_duration_seconds_count{"):
					duration = append(duration, line)
				case strings.HasPrefix(line, "http_server_request_body_size_bytes"):
					reqSize = append(reqSize, line)
				}
			}
			assert.Len(t, duration, 1, "the request itself is recorded")
			assert.Empty(t, reqSize, "no series, not even a 0 count")
		})
	}
}

func TestStatusSentOnPanic(t *testing.T) {
	cases := []struct {
		name, target string
		status       int
	}{
		{name: "the 200 already sent when the handler panics after writing", target: "/panic-written", status: 200},
		{name: "a 500 when the handler set a status but nothing was sent", target: "/panic-status", status: 500},
		{name: "a 500 when the handler panics before anything", target: "/panic", status: 500},
		{name: "the status a flush sent when the handler panics after it", target: "/panic-flushed", status: 202},
	}
	for router, build := range convRouters {
		for _, tc := range cases {
			t.Run("Should record "+tc.name+", with error.type panic, with "+router, func(t *testing.T) {
				b := monitoringtest.New(t)
				_, panicked := serve(build(b), http.MethodGet, tc.target, "")
				require.NotNil(t, panicked, "the panic goes on to the server's recovery")
				got := points(t, b, durationName)
				assert.Equal(t, map[attribute.Distinct]point{
					attrs("GET", tc.target, tc.status, "panic").Equivalent(): got[attrs("GET", tc.target, tc.status, "panic").Equivalent()],
				}, got)
				assert.Equal(t, uint64(1), got[attrs("GET", tc.target, tc.status, "panic").Equivalent()].count)
			})
		}
	}
}

func TestHeadResponseBodySize(t *testing.T) {
	cases := []struct {
		method string
		want   float64
	}{
		{method: http.MethodHead, want: 0},
		{method: http.MethodGet, want: 7},
	}
	for router, build := range convRouters {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("Should record a %s response body of %v bytes, what was sent, with %s", tc.method, tc.want, router), func(t *testing.T) {
				b := monitoringtest.New(t)
				send(build(b), newRequest(tc.method, "/page", nil))
				got := points(t, b, respSizeName)
				assert.Equal(t, map[attribute.Distinct]point{
					attrs(tc.method, "/page", 200, "").Equivalent(): {count: 1, sum: tc.want},
				}, got)
			})
		}
	}
	t.Run("Should record a HEAD response of 0 bytes over a real connection, where net/http drops the body", func(t *testing.T) {
		b := monitoringtest.New(t)
		srv := httptest.NewServer(convRouters["net/http"](b))
		defer srv.Close()
		req, err := http.NewRequestWithContext(context.Background(), http.MethodHead, srv.URL+"/page", nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		require.NoError(t, resp.Body.Close())
		assert.Empty(t, body)
		assert.Equal(t, point{count: 1}, points(t, b, respSizeName)[attrs("HEAD", "/page", 200, "").Equivalent()])
	})
}

func TestServerAddress(t *testing.T) {
	addr := attribute.String("server.address", "api.example.com")
	port := attribute.Int("server.port", 8443)
	cases := []struct {
		name string
		opts []middleware.Option
		// want are the server attributes every series carries.
		want []attribute.KeyValue
		// log is what the logger must say, "" for nothing.
		log string
	}{
		{name: "no server attributes by default", want: nil},
		{name: "server.address and an integer server.port from the server's configuration, never the Host header",
			opts: []middleware.Option{middleware.WithServerAddress("api.example.com", 8443)}, want: []attribute.KeyValue{addr, port}},
		{name: "server.address alone for a port outside 1 to 65535",
			opts: []middleware.Option{middleware.WithServerAddress("api.example.com", 70000)}, want: []attribute.KeyValue{addr},
			log: "port 70000 outside 1 to 65535"},
		{name: "neither for an empty host",
			opts: []middleware.Option{middleware.WithServerAddress("", 8443)}, log: "empty host"},
		{name: "the server attributes before extra attributes, which share their budget",
			opts: []middleware.Option{
				middleware.WithExtraAttributes([]string{"tier", "server.port"}, func(*http.Request) []string { return []string{"gold", "1"} }),
				middleware.WithServerAddress("api.example.com", 8443),
			},
			want: []attribute.KeyValue{addr, port}, log: `keys [\"tier\"] dropped`},
	}
	for router, build := range convRouters {
		for _, tc := range cases {
			t.Run("Should record "+tc.name+" with "+router, func(t *testing.T) {
				var logs bytes.Buffer
				b := monitoringtest.New(t)
				opts := append([]middleware.Option{middleware.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}, tc.opts...)
				h := build(b, opts...)
				r := newRequest(http.MethodGet, "/page", nil)
				r.Host = "attacker.example:666"
				send(h, r)
				if tc.log == "" {
					assert.Empty(t, logs.String())
				} else {
					assert.Contains(t, logs.String(), tc.log)
				}
				for _, name := range []string{durationName, reqSizeName, respSizeName} {
					assert.Equal(t, uint64(1), points(t, b, name)[attrs("GET", "/page", 200, "", tc.want...).Equivalent()].count, name)
				}
				active := b.Sums(t, activeName)
				series := attribute.NewSet(append([]attribute.KeyValue{
					attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http"),
				}, tc.want...)...)
				_, ok := active[series.Equivalent()]
				assert.True(t, ok, "the in-flight series carries the server attributes: %v", active)
			})
		}
	}
}

// abortRouters serve /wait: the handler does what before says, tells
// entered it runs, waits until its client goes away, then does what after
// says.
func abortRouters(before, after func(w http.ResponseWriter)) map[string]func(port.Recorder, chan<- struct{}) http.Handler {
	handler := func(entered chan<- struct{}, w http.ResponseWriter, r *http.Request) {
		before(w)
		entered <- struct{}{}
		<-r.Context().Done()
		after(w)
	}
	return map[string]func(port.Recorder, chan<- struct{}) http.Handler{
		"net/http": func(mon port.Recorder, entered chan<- struct{}) http.Handler {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /wait", func(w http.ResponseWriter, r *http.Request) { handler(entered, w, r) })
			return middleware.HTTP(mon)(mux)
		},
		"gin": func(mon port.Recorder, entered chan<- struct{}) http.Handler {
			e := gin.New()
			e.Use(ginmetrics.Middleware(mon))
			e.GET("/wait", func(c *gin.Context) { handler(entered, c.Writer, c.Request) })
			return e
		},
	}
}

func TestClientAbort(t *testing.T) {
	nothing := func(http.ResponseWriter) {}
	cases := []struct {
		name          string
		before, after func(w http.ResponseWriter)
		status        int
		errType       string
	}{
		{name: "no status and error.type client_aborted when the handler answers nothing",
			before: nothing, after: nothing, errType: "client_aborted"},
		{name: "no status and error.type client_aborted when the handler sets a 503 nobody receives",
			before: nothing, after: func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) },
			errType: "client_aborted"},
		{name: "no status and error.type client_aborted when the handler writes a 503 header out to nobody (gin's AbortWithStatus)",
			before: nothing, after: func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusServiceUnavailable)
				if g, ok := w.(gin.ResponseWriter); ok {
					g.WriteHeaderNow()
				}
			},
			errType: "client_aborted"},
		{name: "no status and error.type client_aborted when the handler writes a 503 body after the client left (http.Error)",
			before: nothing, after: func(w http.ResponseWriter) { http.Error(w, "shutting down", http.StatusServiceUnavailable) },
			errType: "client_aborted"},
		{name: "no status and error.type client_aborted when the handler writes a 200 body after the client left",
			before: nothing, after: func(w http.ResponseWriter) { _, _ = io.WriteString(w, "too late") },
			errType: "client_aborted"},
		{name: "no status and error.type client_aborted when the handler flushes after the client left",
			before: nothing, after: func(w http.ResponseWriter) { _ = http.NewResponseController(w).Flush() },
			errType: "client_aborted"},
		{name: "no status and error.type client_aborted when the handler copies a body from a reader after the client left",
			before: nothing, after: func(w http.ResponseWriter) {
				_, _ = io.Copy(w, io.MultiReader(strings.NewReader("too late")))
			},
			errType: "client_aborted"},
		{name: "error.type panic and a 500 when the handler writes, then panics, after the client left",
			before: nothing, after: func(w http.ResponseWriter) {
				_, _ = io.WriteString(w, "too late")
				panic(http.ErrAbortHandler)
			},
			status: 500, errType: "panic"},
		{name: "the status already sent when the client leaves mid-response",
			before: func(w http.ResponseWriter) {
				_, _ = io.WriteString(w, "first")
				require.NoError(t, http.NewResponseController(w).Flush())
			}, after: nothing, status: 200},
	}
	for _, tc := range cases {
		for router, build := range abortRouters(tc.before, tc.after) {
			t.Run("Should record "+tc.name+" with "+router, func(t *testing.T) {
				b := monitoringtest.New(t)
				entered := make(chan struct{}, 1)
				done := make(chan struct{})
				inner := build(b, entered)
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					defer close(done)
					inner.ServeHTTP(w, r)
				}))
				defer srv.Close()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/wait", nil)
				require.NoError(t, err)
				result := make(chan error, 1)
				go func() {
					resp, err := srv.Client().Do(req)
					if err == nil {
						_, err = io.ReadAll(resp.Body)
						_ = resp.Body.Close()
					}
					result <- err
				}()
				<-entered
				cancel()
				require.Error(t, <-result, "the client went away before the end of the response")
				<-done
				got := points(t, b, durationName)
				assert.Equal(t, uint64(1), got[attrs("GET", "/wait", tc.status, tc.errType).Equivalent()].count, "%v", got)
				assert.Len(t, got, 1)
				get := attribute.NewSet(attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http"))
				assert.Empty(t, b.Sums(t, activeName)[get.Equivalent()])
			})
		}
	}
}

func TestCancelledButNotByTheClient(t *testing.T) {
	// answer503 waits for the request's context to end, then answers a 503
	// that reaches the client: the context ended, but not because the client
	// left.
	answer503 := func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}
	routers := map[string]func(port.Recorder) http.Handler{
		"net/http": func(mon port.Recorder) http.Handler {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /wait", answer503)
			return middleware.HTTP(mon)(mux)
		},
		"gin": func(mon port.Recorder) http.Handler {
			e := gin.New()
			e.Use(ginmetrics.Middleware(mon))
			e.GET("/wait", func(c *gin.Context) { answer503(c.Writer, c.Request) })
			return e
		},
	}
	for router, build := range routers {
		t.Run("Should record the 503 of a handler under http.TimeoutHandler whose deadline passed, not client_aborted, with "+router,
			func(t *testing.T) {
				b := monitoringtest.New(t)
				// The middleware inside the timeout: its request's context ends
				// with context.DeadlineExceeded.
				// TimeoutHandler answers the client before the handler under it
				// returns: wait for the middleware to have recorded.
				h, recorded := build(b), make(chan struct{})
				srv := httptest.NewServer(http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					defer close(recorded)
					h.ServeHTTP(w, r)
				}), time.Nanosecond, "timeout"))
				defer srv.Close()
				code := get(t, srv.Client(), srv.URL+"/wait")
				assert.Equal(t, http.StatusServiceUnavailable, code)
				<-recorded
				got := points(t, b, durationName)
				assert.Equal(t, uint64(1), got[attrs("GET", "/wait", 503, "503").Equivalent()].count, "%v", got)
				assert.Len(t, got, 1)
			})
		t.Run("Should record the 503 answered when the server's base context is cancelled with a cause (shutdown), not client_aborted, with "+router,
			func(t *testing.T) {
				b := monitoringtest.New(t)
				base, shutdown := context.WithCancelCause(context.Background())
				defer shutdown(nil)
				entered := make(chan struct{})
				h := build(b)
				srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					close(entered)
					h.ServeHTTP(w, r)
				}))
				srv.Config.BaseContext = func(net.Listener) context.Context { return base }
				srv.Start()
				defer srv.Close()
				codes := make(chan int, 1)
				go func() { codes <- get(t, srv.Client(), srv.URL+"/wait") }()
				<-entered
				shutdown(errors.New("shutting down"))
				assert.Equal(t, http.StatusServiceUnavailable, <-codes, "the client receives the 503")
				got := points(t, b, durationName)
				assert.Equal(t, uint64(1), got[attrs("GET", "/wait", 503, "503").Equivalent()].count, "%v", got)
				assert.Len(t, got, 1)
			})
	}
}

// get sends a GET to u and returns the status code, after reading the body.
func get(t *testing.T, c *http.Client, u string) int {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if !assert.NoError(t, err) {
		return 0
	}
	resp, err := c.Do(req)
	if !assert.NoError(t, err) {
		return 0
	}
	defer func() { _ = resp.Body.Close() }()
	_, err = io.Copy(io.Discard, resp.Body)
	assert.NoError(t, err)
	return resp.StatusCode
}

func TestLateBodyRead(t *testing.T) {
	t.Run("Should never hand a handler that reads late the body of another request", func(t *testing.T) {
		b := monitoringtest.New(t)
		release, late := make(chan struct{}), make(chan string, 1)
		mux := http.NewServeMux()
		// A handler under http.TimeoutHandler goes on in its goroutine once the
		// timeout has answered, and reads the body after the middleware returned.
		mux.Handle("POST /late", http.TimeoutHandler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			<-release
			got, _ := io.ReadAll(r.Body)
			late <- string(got)
		}), time.Nanosecond, "timeout"))
		mux.HandleFunc("POST /read", func(_ http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) })
		h := middleware.HTTP(b)(mux)

		first := httptest.NewRecorder()
		h.ServeHTTP(first, newRequest(http.MethodPost, "/late", strings.NewReader("first client's body")))
		require.Equal(t, http.StatusServiceUnavailable, first.Code)
		send(h, newRequest(http.MethodPost, "/read", strings.NewReader("second client's body")))
		close(release)
		assert.NotContains(t, <-late, "second", "the late read reaches its own request's body only")
		got := points(t, b, reqSizeName)
		assert.Equal(t, point{count: 1, sum: 20}, got[attrs("POST", "/read", 200, "").Equivalent()])
	})
}

// serveRaw sends raw, a request written by hand, to h on a real server,
// half-closes the connection when halfClose (the client sends nothing more,
// and the server sees it leave), and returns once h has returned (the
// middleware has recorded it) and the first line of the response.
func serveRaw(t *testing.T, h http.Handler, raw string, halfClose bool) string {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	_, err = io.WriteString(conn, raw)
	require.NoError(t, err)
	if halfClose {
		tcp, ok := conn.(*net.TCPConn)
		require.True(t, ok)
		require.NoError(t, tcp.CloseWrite(), "the client sends nothing more")
	}
	line, _ := bufio.NewReader(conn).ReadString('\n')
	<-done
	return line
}

func TestSpoofedContentLength(t *testing.T) {
	cases := []struct {
		name, target string
		// want is the size recorded, -1 for no data point.
		want float64
	}{
		{name: "nothing on a route that matches none, whose handler never reads", target: "/nowhere", want: -1},
		{name: "nothing when the handler never reads", target: "/ignore", want: -1},
		{name: "the 3 bytes sent when the handler reads all it can", target: "/read", want: 3},
		{name: "the 3 bytes read when the handler reads 3", target: "/partial", want: 3},
	}
	// The client declares 9e18 bytes, sends 3 and stops.
	const raw = "POST %s HTTP/1.1\r\nHost: example.com\r\nContent-Length: 9000000000000000000\r\n\r\nabc"
	for router, build := range convRouters {
		for _, tc := range cases {
			t.Run("Should record "+tc.name+", not the declared Content-Length, with "+router, func(t *testing.T) {
				t.Parallel() // the server lingers half a second on a body left unread
				b := monitoringtest.New(t)
				line := serveRaw(t, build(b), fmt.Sprintf(raw, tc.target), true)
				assert.True(t, strings.HasPrefix(line, "HTTP/1.1 "), "a response: %q", line)
				assert.Len(t, points(t, b, durationName), 1, "the request itself is recorded")
				got := points(t, b, reqSizeName)
				if tc.want < 0 {
					assert.Empty(t, got, "no size recorded, and no empty series either")
					return
				}
				require.Len(t, got, 1)
				for _, p := range got {
					assert.Equal(t, point{count: 1, sum: tc.want}, p)
				}
			})
		}
	}
}

func TestHijackStatus(t *testing.T) {
	cases := []struct {
		name, target, line string
		status             int
	}{
		{name: "101 for a hijack that switched protocols", target: "/hijack",
			line: "HTTP/1.1 101 Switching Protocols\r\n", status: 101},
		{name: "the status set before a hijack, which the server sent", target: "/hijack-status",
			line: "HTTP/1.1 200 OK\r\n", status: 200},
	}
	for router, build := range convRouters {
		for _, tc := range cases {
			t.Run("Should record "+tc.name+" with "+router, func(t *testing.T) {
				b := monitoringtest.New(t)
				line := serveRaw(t, build(b), "GET "+tc.target+" HTTP/1.1\r\nHost: example.com\r\n\r\n", false)
				assert.Equal(t, tc.line, line, "what the client got")
				got := points(t, b, durationName)
				want := attrs("GET", tc.target, tc.status, "").Equivalent()
				assert.Equal(t, map[attribute.Distinct]point{want: got[want]}, got)
				assert.Equal(t, uint64(1), got[want].count)
			})
		}
	}
}
