package middleware_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/mock/gomock"

	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
	"github.com/compozy/monitoring/mocks"
	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/port"
)

const (
	durationName = "http.server.request.duration"
	activeName   = "http.server.active_requests"
	reqSizeName  = "http.server.request.body.size"
	respSizeName = "http.server.response.body.size"
)

// routers builds the same small API on net/http and on gin, instrumented by
// our middleware (package middleware) and by ginmetrics, so every test of
// the shared behaviour runs against both and the two cannot drift apart.
// Only the tests import gin: package middleware does not.
var routers = map[string]func(port.Recorder, ...middleware.Option) http.Handler{
	"net/http": func(mon port.Recorder, opts ...middleware.Option) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "order")
		})
		mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, "created")
		})
		mux.HandleFunc("GET /fail", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "broken", http.StatusInternalServerError)
		})
		mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
		mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "m") })
		return middleware.HTTP(mon, opts...)(mux)
	},
	"gin": func(mon port.Recorder, opts ...middleware.Option) http.Handler {
		e := gin.New()
		e.Use(ginmetrics.Middleware(mon, opts...))
		e.GET("/orders/:id", func(c *gin.Context) { c.String(http.StatusOK, "order") })
		e.POST("/orders", func(c *gin.Context) {
			_, _ = io.Copy(io.Discard, c.Request.Body)
			c.String(http.StatusCreated, "created")
		})
		e.GET("/fail", func(c *gin.Context) { c.String(http.StatusInternalServerError, "broken") })
		e.GET("/panic", func(*gin.Context) { panic("boom") })
		e.GET("/metrics", func(c *gin.Context) { c.String(http.StatusOK, "m") })
		return e
	},
}

// serve sends one request and reports the response and whether the handler
// chain panicked out of the middleware.
func serve(h http.Handler, method, target, body string) (rec *httptest.ResponseRecorder, panicked any) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequestWithContext(context.Background(), method, target, r)
	rec = httptest.NewRecorder()
	func() {
		defer func() { panicked = recover() }()
		h.ServeHTTP(rec, req)
	}()
	return rec, panicked
}

func histogram(t *testing.T, b *monitoringtest.Backend, name string) metricdata.Histogram[float64] {
	t.Helper()
	m, ok := b.Metric(t, name)
	require.True(t, ok, "%s was not recorded", name)
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is %T", name, m.Data)
	return h
}

// ginRoute returns want with its http.route as gin writes it when router is
// gin: the ServeMux "{id}" of the shared cases is gin's ":id".
func ginRoute(router string, want attribute.Set) attribute.Set {
	if router != "gin" {
		return want
	}
	kvs := want.ToSlice()
	for i, kv := range kvs {
		if kv.Key == "http.route" {
			kvs[i] = attribute.String("http.route", strings.ReplaceAll(kv.Value.AsString(), "{id}", ":id"))
		}
	}
	return attribute.NewSet(kvs...)
}

func TestSemanticConventions(t *testing.T) {
	cases := []struct {
		name, method, target, body string
		want                       attribute.Set
		panics                     bool
	}{
		{name: "a 200 on a route with a parameter", method: http.MethodGet, target: "/orders/42", want: attribute.NewSet(
			attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http"),
			attribute.String("http.route", "/orders/{id}"), attribute.Int("http.response.status_code", 200),
			attribute.String("network.protocol.version", "1.1"))},
		{name: "a 201 with a request body", method: http.MethodPost, target: "/orders", body: "hello", want: attribute.NewSet(
			attribute.String("http.request.method", "POST"), attribute.String("url.scheme", "http"),
			attribute.String("http.route", "/orders"), attribute.Int("http.response.status_code", 201),
			attribute.String("network.protocol.version", "1.1"))},
		{name: "a 404 on an unmatched path", method: http.MethodGet, target: "/no/such/path?q=1", want: attribute.NewSet(
			attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http"),
			attribute.String("http.route", middleware.UnmatchedRoute), attribute.Int("http.response.status_code", 404),
			attribute.String("network.protocol.version", "1.1"))},
		{name: "a 500", method: http.MethodGet, target: "/fail", want: attribute.NewSet(
			attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http"),
			attribute.String("http.route", "/fail"), attribute.Int("http.response.status_code", 500),
			attribute.String("network.protocol.version", "1.1"), attribute.String("error.type", "500"))},
		{name: "a panic", method: http.MethodGet, target: "/panic", panics: true, want: attribute.NewSet(
			attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http"),
			attribute.String("http.route", "/panic"), attribute.Int("http.response.status_code", 500),
			attribute.String("network.protocol.version", "1.1"), attribute.String("error.type", "panic"))},
		{name: "a method outside the standard set", method: "PURGE", target: "/orders/42", want: attribute.NewSet(
			attribute.String("http.request.method", "_OTHER"), attribute.String("url.scheme", "http"),
			attribute.String("http.route", middleware.UnmatchedRoute), attribute.Int("http.response.status_code", 0),
			attribute.String("network.protocol.version", "1.1"))},
	}
	for router, build := range routers {
		for _, tc := range cases {
			t.Run("Should record "+tc.name+" with "+router, func(t *testing.T) {
				b := monitoringtest.New(t)
				rec, panicked := serve(build(b), tc.method, tc.target, tc.body)
				if tc.panics {
					assert.Equal(t, "boom", panicked, "the panic must reach the application's recovery unchanged")
				} else {
					require.Nil(t, panicked)
				}

				want := ginRoute(router, tc.want)
				if tc.method == "PURGE" {
					// Unknown methods are answered by each router its own way
					// (405 or 404); only the status differs.
					kvs := want.ToSlice()
					for i := range kvs {
						if kvs[i].Key == "http.response.status_code" {
							kvs[i] = attribute.Int("http.response.status_code", rec.Code)
						}
					}
					want = attribute.NewSet(kvs...)
				}
				d := histogram(t, b, durationName)
				require.Len(t, d.DataPoints, 1)
				assert.Equal(t, want.Encoded(attribute.DefaultEncoder()), d.DataPoints[0].Attributes.Encoded(attribute.DefaultEncoder()))
				assert.Equal(t, uint64(1), d.DataPoints[0].Count)
				assert.Equal(t, middleware.DefaultDurationBuckets(), d.DataPoints[0].Bounds)

				resp := histogram(t, b, respSizeName)
				require.Len(t, resp.DataPoints, 1)
				assert.True(t, resp.DataPoints[0].Attributes.Equals(&want))
				switch {
				case tc.panics:
				case router == "gin" && (rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed):
					// gin writes its default 404/405 body after the middleware
					// chain has returned: the middleware sees no bytes.
					assert.Zero(t, resp.DataPoints[0].Sum, "response bytes")
				default:
					assert.InDelta(t, float64(rec.Body.Len()), resp.DataPoints[0].Sum, 0, "response bytes")
				}
				req := histogram(t, b, reqSizeName)
				require.Len(t, req.DataPoints, 1)
				assert.InDelta(t, float64(len(tc.body)), req.DataPoints[0].Sum, 0, "request bytes")

				for set, v := range b.Sums(t, activeName) {
					assert.Zero(t, v, "in flight for %v", set)
				}
			})
		}
	}
}

func TestSameAttributesOnBothRouters(t *testing.T) {
	t.Run("Should give net/http and gin the same names and attribute sets for the same routes in one route format", func(t *testing.T) {
		type seen struct {
			names []string
			sets  []string
		}
		results := map[string]seen{}
		for router, build := range routers {
			b := monitoringtest.New(t)
			h := build(b, middleware.WithRouteFormat(middleware.RouteFormatServeMux))
			for _, target := range []string{"/orders/1", "/orders/2", "/fail", "/nothing"} {
				serve(h, http.MethodGet, target, "")
			}
			serve(h, http.MethodPost, "/orders", "x")
			var s seen
			for _, sm := range b.Collect(t).ScopeMetrics {
				for _, m := range sm.Metrics {
					s.names = append(s.names, m.Name)
				}
			}
			for _, set := range b.Series(t, durationName) {
				s.sets = append(s.sets, set.Encoded(attribute.DefaultEncoder()))
			}
			results[router] = s
		}
		assert.ElementsMatch(t, results["net/http"].names, results["gin"].names)
		assert.ElementsMatch(t, []string{durationName, activeName, reqSizeName, respSizeName}, results["gin"].names)
		assert.ElementsMatch(t, results["net/http"].sets, results["gin"].sets)
		assert.Len(t, results["gin"].sets, 4, "orders/{id}, fail, unmatched, POST orders")
	})
}

func TestCardinality(t *testing.T) {
	for router, build := range routers {
		t.Run("Should keep 10,000 random paths and methods to a fixed set of series with "+router, func(t *testing.T) {
			b := monitoringtest.New(t)
			h := build(b)
			rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // a seeded, repeatable test input, not a secret.
			methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
			standard := map[string]bool{}
			for _, m := range methods {
				standard[m] = true
			}
			// What the series must be: one per (method as recorded, status).
			want := map[string]bool{}
			for i := range 10_000 {
				method := methods[rng.IntN(len(methods))]
				if i%3 == 0 {
					method = fmt.Sprintf("X%dY", rng.Uint32()) // a method no one registered
				}
				rec, _ := serve(h, method, fmt.Sprintf("/random/%d/%x", i, rng.Uint64()), "")
				recorded := method
				if !standard[method] {
					recorded = "_OTHER"
				}
				want[fmt.Sprintf("%s %d", recorded, rec.Code)] = true
			}
			series := b.Series(t, durationName)
			got := map[string]bool{}
			for _, s := range series {
				route, _ := s.Value("http.route")
				assert.Equal(t, middleware.UnmatchedRoute, route.AsString())
				method, _ := s.Value("http.request.method")
				status, _ := s.Value("http.response.status_code")
				got[fmt.Sprintf("%s %d", method.AsString(), status.AsInt64())] = true
			}
			assert.Equal(t, want, got)
			// 7 standard methods and _OTHER, each on the one unmatched route,
			// with the router's 404 (or 405 for a method another route takes).
			assert.Len(t, series, len(want))
			assert.LessOrEqual(t, len(series), 16)
			assert.LessOrEqual(t, len(b.Series(t, activeName)), 8)
		})
	}
}

func TestInFlight(t *testing.T) {
	t.Run("Should count concurrent requests in flight and return to zero", func(t *testing.T) {
		const n = 20
		b := monitoringtest.New(t)
		started := make(chan struct{}, n)
		release := make(chan struct{})
		h := middleware.HTTP(b)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			started <- struct{}{}
			<-release
		}))
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { serve(h, http.MethodGet, "/", "") })
		}
		for range n {
			<-started
		}
		getSet := attribute.NewSet(attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http"))
		assert.InDelta(t, float64(n), b.Sums(t, activeName)[getSet.Equivalent()], 0)

		close(release)
		wg.Wait()
		assert.InDelta(t, 0, b.Sums(t, activeName)[getSet.Equivalent()], 0)
		assert.Equal(t, uint64(n), histogram(t, b, durationName).DataPoints[0].Count)
	})
}

func TestOptions(t *testing.T) {
	for router, build := range routers {
		t.Run("Should skip the paths it is told to skip with "+router, func(t *testing.T) {
			b := monitoringtest.New(t)
			h := build(b, middleware.WithSkipPaths("/metrics"))
			rec, _ := serve(h, http.MethodGet, "/metrics", "")
			assert.Equal(t, http.StatusOK, rec.Code)
			_, recorded := b.Metric(t, durationName)
			assert.False(t, recorded)
			serve(h, http.MethodGet, "/orders/1", "")
			assert.Len(t, b.Series(t, durationName), 1)
		})

		t.Run("Should add extra attributes but never let them replace ours with "+router, func(t *testing.T) {
			b := monitoringtest.New(t)
			h := build(b, middleware.WithExtraAttributes(
				[]string{"tier", "http.route"}, // ours, given again, is ignored
				func(r *http.Request) []string { return []string{"gold", r.URL.Path} }))
			serve(h, http.MethodGet, "/orders/1", "")
			serve(h, http.MethodGet, "/orders/2", "")
			series := b.Series(t, durationName)
			require.Len(t, series, 1)
			tier, _ := series[0].Value("tier")
			assert.Equal(t, "gold", tier.AsString())
			route, _ := series[0].Value("http.route")
			assert.Equal(t, map[string]string{"gin": "/orders/:id", "net/http": "/orders/{id}"}[router], route.AsString())
		})

		t.Run("Should use custom duration buckets with "+router, func(t *testing.T) {
			b := monitoringtest.New(t)
			serve(build(b, middleware.WithDurationBuckets(0.1, 1)), http.MethodGet, "/orders/1", "")
			assert.Equal(t, []float64{0.1, 1}, histogram(t, b, durationName).DataPoints[0].Bounds)
		})
	}

	t.Run("Should take the route from the route function for other routers", func(t *testing.T) {
		b := monitoringtest.New(t)
		h := middleware.HTTP(b, middleware.WithRouteFunc(func(*http.Request) string { return "/custom/{x}" }))(
			http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		serve(h, http.MethodGet, "/custom/1", "")
		route, _ := b.Series(t, durationName)[0].Value("http.route")
		assert.Equal(t, "/custom/{x}", route.AsString())
	})

	t.Run("Should strip the method and host of a ServeMux pattern", func(t *testing.T) {
		b := monitoringtest.New(t)
		mux := http.NewServeMux()
		mux.HandleFunc("GET example.com/hosted/{id}", func(http.ResponseWriter, *http.Request) {})
		serve(middleware.HTTP(b)(mux), http.MethodGet, "http://example.com/hosted/7", "")
		route, _ := b.Series(t, durationName)[0].Value("http.route")
		assert.Equal(t, "/hosted/{id}", route.AsString())
	})

	t.Run("Should keep http.ResponseController working through the wrapper", func(t *testing.T) {
		b := monitoringtest.New(t)
		h := middleware.HTTP(b)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "chunk")
			assert.NoError(t, http.NewResponseController(w).Flush())
		}))
		rec, _ := serve(h, http.MethodGet, "/", "")
		assert.True(t, rec.Flushed)
	})
}

func TestBackendThatRecordsNothing(t *testing.T) {
	t.Run("Should keep serving on a backend whose instruments record nothing", func(t *testing.T) {
		mon := mocks.NewMockMonitoring(gomock.NewController(t))
		mon.EXPECT().Instruments().Return(port.NoopInstruments{}).Times(len(routers))
		for router, build := range routers {
			rec, panicked := serve(build(mon), http.MethodGet, "/orders/1", "")
			assert.Nil(t, panicked, router)
			assert.Equal(t, http.StatusOK, rec.Code, router)
		}
	})
}

func TestResponseWriterInterfaces(t *testing.T) {
	t.Run("Should let a handler hijack the connection through the middleware", func(t *testing.T) {
		b := monitoringtest.New(t)
		h := middleware.HTTP(b)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hj, ok := w.(http.Hijacker)
			if !assert.True(t, ok, "the wrapper must keep http.Hijacker") {
				return
			}
			conn, rw, err := hj.Hijack()
			if !assert.NoError(t, err) {
				return
			}
			defer func() { _ = conn.Close() }()
			_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nraw ok")
			_ = rw.Flush()
		}))
		// The client has its answer before the middleware records: wait for
		// the handler chain to return.
		returned := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(returned)
			h.ServeHTTP(w, r)
		}))
		defer srv.Close()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/ws", nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, "raw ok", string(body))
		<-returned
		series := b.Series(t, durationName)
		require.Len(t, series, 1)
		status, _ := series[0].Value("http.response.status_code")
		assert.Equal(t, int64(http.StatusSwitchingProtocols), status.AsInt64())
	})

	t.Run("Should count the bytes of a response copied with io.Copy", func(t *testing.T) {
		b := monitoringtest.New(t)
		payload := strings.Repeat("x", 10_000)
		h := middleware.HTTP(b)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.Copy(w, strings.NewReader(payload))
		}))
		returned := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(returned)
			h.ServeHTTP(w, r)
		}))
		defer srv.Close()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Len(t, body, len(payload))
		<-returned
		assert.InDelta(t, float64(len(payload)), histogram(t, b, respSizeName).DataPoints[0].Sum, 0)
	})

	t.Run("Should count every request as unmatched when a handler in between replaces the request", func(t *testing.T) {
		// The documented limit of reading r.Pattern: the mux sets it on the
		// request it is handed, which the middleware never sees here.
		b := monitoringtest.New(t)
		mux := http.NewServeMux()
		mux.HandleFunc("GET /users/{id}", func(http.ResponseWriter, *http.Request) {})
		type authKey struct{}
		cloning := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), authKey{}, "user")))
		})
		serve(middleware.HTTP(b)(cloning), http.MethodGet, "/users/1", "")
		route, _ := b.Series(t, durationName)[0].Value("http.route")
		assert.Equal(t, middleware.UnmatchedRoute, route.AsString())

		b = monitoringtest.New(t)
		serve(middleware.HTTP(b, middleware.WithRouteFunc(func(*http.Request) string { return "/users/{id}" }))(cloning),
			http.MethodGet, "/users/1", "")
		route, _ = b.Series(t, durationName)[0].Value("http.route")
		assert.Equal(t, "/users/{id}", route.AsString(), "WithRouteFunc is the way out")
	})
}

func TestPanickingCallbacks(t *testing.T) {
	t.Run("Should take the request out of the in-flight count even when a route function panics", func(t *testing.T) {
		b := monitoringtest.New(t)
		h := middleware.HTTP(b, middleware.WithRouteFunc(func(*http.Request) string { panic("route function bug") }))(
			http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		_, panicked := serve(h, http.MethodGet, "/x", "")
		assert.Equal(t, "route function bug", panicked)
		for set, v := range b.Sums(t, activeName) {
			assert.Zero(t, v, "in flight for %v", set)
		}
		assert.NotEmpty(t, b.Sums(t, activeName), "the request was counted in, then out")
	})
}

func TestConnectRedirect(t *testing.T) {
	t.Run("Should count a CONNECT that ServeMux redirects to a subtree as unmatched, not as the client's path", func(t *testing.T) {
		b := monitoringtest.New(t)
		mux := http.NewServeMux()
		mux.HandleFunc("/orgs/{org}/", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "org") })
		mux.HandleFunc("/files/", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "file") })
		h := middleware.HTTP(b)(mux)
		for i := range 50 {
			rec, _ := serve(h, http.MethodConnect, fmt.Sprintf("/orgs/attacker-%d", i), "")
			require.Equal(t, http.StatusTemporaryRedirect, rec.Code, "ServeMux redirects to the subtree")
		}
		// Escaped slashes and dot segments: the decoded path differs from
		// the one ServeMux cleans and redirects to.
		for _, target := range []string{"/orgs/evil%2F", "/orgs/evil2%2F", "/orgs/x/..", "/orgs/.", "/orgs/a%2F%2F"} {
			req := httptest.NewRequestWithContext(context.Background(), http.MethodConnect, "/", nil)
			req.URL.RawPath, req.URL.Path = "", ""
			u, err := url.Parse(target)
			require.NoError(t, err)
			req.URL = u
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
		}
		rec, _ := serve(h, http.MethodConnect, "/files", "")
		require.Equal(t, http.StatusTemporaryRedirect, rec.Code)
		rec, _ = serve(h, http.MethodConnect, "/orgs/acme/", "")
		require.Equal(t, http.StatusOK, rec.Code)

		routes := map[string]int{}
		for _, s := range b.Series(t, durationName) {
			route, _ := s.Value("http.route")
			routes[route.AsString()]++
		}
		assert.Equal(t, map[string]int{middleware.UnmatchedRoute: 1, "/orgs/{org}/": 1}, routes)
	})
}
