package integration_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	otelruntime "go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	temporalinterceptor "go.temporal.io/sdk/interceptor"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/compozy/monitoring/interceptor"
	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/middleware/ginmetrics"
	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/service"
)

// This file drives every instrument the library creates (the HTTP and Gin
// middleware, the Temporal worker interceptor and SDK metrics handler, the
// service's system metrics) with hostile input, then walks every data point
// collected and checks each attribute against an allowlist of bounded sets.

// The build information the service is given: build.info must report these
// and nothing else.
const (
	buildVersion = "v0.0.0-bounded"
	buildCommit  = "0123456789abcdef"
)

// The Temporal side: the task queue, and the workflow and activity types
// registered, which are the only values their attributes may take.
const (
	taskQueue         = "bounded-queue"
	temporalNamespace = "default-test-namespace" // the test environment's namespace

	wfOrder     = "bounded_order"
	wfDeclined  = "bounded_declined"
	wfExploding = "bounded_exploding"
	wfPanicking = "bounded_panicking"
	wfPatient   = "bounded_patient"
	wfLoop      = "bounded_loop"
	wfImpatient = "bounded_impatient"
	wfLocal     = "bounded_local"

	actCharge  = "bounded_charge"
	actDecline = "bounded_decline"
	actExplode = "bounded_explode"
	actHang    = "bounded_hang"
)

// The route templates registered on the ServeMux and on gin, as the
// middleware reports them: each in its router's own syntax.
var (
	muxRoutes = []string{
		"/orders/{id}", "/orders", "/files/{path...}", "/orgs/{org}/", "/hosted/{name}", "/{$}", "/panic",
	}
	ginRoutes = []string{"/users/:id", "/users/:id/orders/:order", "/users", "/static/*filepath", "/gpanic"}
)

// The status codes the handlers below choose from, and those the routers
// answer themselves: the ServeMux's redirects (307) to a clean path or a
// trailing slash, 404 and 405. gin answers its own trailing-slash redirects
// (301) without running the middleware chain, so they are never recorded.
// Together with the 500 of a panic they are every status a request can end
// with.
var (
	handlerStatuses = []int{
		http.StatusOK, http.StatusCreated, http.StatusNoContent, http.StatusPartialContent, http.StatusBadRequest,
		http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusInternalServerError, http.StatusServiceUnavailable,
	}
	routerStatuses = []int{
		http.StatusTemporaryRedirect, http.StatusNotFound, http.StatusMethodNotAllowed,
	}
)

// allowedValues is a bounded set of attribute values.
type allowedValues map[attribute.Value]struct{}

func oneOfStrings(values ...string) allowedValues {
	s := allowedValues{}
	for _, v := range values {
		s[attribute.StringValue(v)] = struct{}{}
	}
	return s
}

func oneOfInts(values ...int) allowedValues {
	s := allowedValues{}
	for _, v := range values {
		s[attribute.IntValue(v)] = struct{}{}
	}
	return s
}

func (s allowedValues) has(v attribute.Value) bool {
	_, ok := s[v]
	return ok
}

// attrAllowlist is every attribute key the library may export, with the
// bounded set its values come from, and the keys each metric may use: for
// the library's own scopes, metric by metric; for the scopes of the
// libraries it starts (the Go runtime metrics, the Temporal SDK's), scope by
// scope. A key, a scope or a metric of ours missing here fails the test: a
// new attribute has to be added on purpose, with its bound.
type attrAllowlist struct {
	values  map[attribute.Key]allowedValues
	metrics map[string]map[string][]attribute.Key // our scope -> metric -> keys
	scopes  map[string][]attribute.Key            // their scope -> keys
}

// keys returns the keys the metric may use, or why it may use none.
func (a attrAllowlist) keys(scope, metric string) ([]attribute.Key, string) {
	if ours, ok := a.metrics[scope]; ok {
		keys, ok := ours[metric]
		if !ok {
			return nil, fmt.Sprintf("metric %q of scope %q is not in the allowlist", metric, scope)
		}
		return append(keys, overflowKey), ""
	}
	keys, ok := a.scopes[scope]
	if !ok {
		return nil, fmt.Sprintf("scope %q is not in the allowlist", scope)
	}
	return append(keys, overflowKey), ""
}

func newAttrAllowlist() attrAllowlist {
	statuses := slices.Concat(handlerStatuses, routerStatuses, []int{http.StatusInternalServerError})
	errorTypes := []string{"panic"} // a panic, else the status code of a 5xx response
	for _, s := range statuses {
		if s >= 500 {
			errorTypes = append(errorTypes, strconv.Itoa(s))
		}
	}
	values := map[attribute.Key]allowedValues{
		// The middleware (fast instruments).
		"http.request.method": oneOfStrings("_OTHER", http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
			http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace, http.MethodPatch),
		"url.scheme": oneOfStrings("http", "https"),
		"http.route": oneOfStrings(
			slices.Concat(muxRoutes, ginRoutes, []string{middleware.UnmatchedRoute})...),
		"http.response.status_code": oneOfInts(statuses...),
		"network.protocol.version":  oneOfStrings("1.0", "1.1", "2", "3"),
		"error.type":                oneOfStrings(errorTypes...),
		// The system metrics.
		"version":        oneOfStrings(buildVersion),
		"commit":         oneOfStrings(buildCommit),
		"go_version":     oneOfStrings(runtime.Version()),
		"go.memory.type": oneOfStrings("stack", "other"),
		// The interceptor, and the Temporal SDK's own metrics.
		"workflow_type": oneOfStrings(wfOrder, wfDeclined, wfExploding, wfPanicking,
			wfPatient, wfLoop, wfImpatient, wfLocal),
		"activity_type": oneOfStrings(actCharge, actDecline, actExplode, actHang),
		"activity_kind": oneOfStrings(interceptor.ActivityKindRegular, interceptor.ActivityKindLocal),
		"task_queue":    oneOfStrings(taskQueue),
		"namespace":     oneOfStrings(temporalNamespace),
		"outcome": oneOfStrings(interceptor.OutcomeCompleted, interceptor.OutcomeFailed, interceptor.OutcomeCanceled,
			interceptor.OutcomeTimedOut, interceptor.OutcomeContinuedAsNew),
		// Any instrument past its cardinality limit.
		overflowKey: {attribute.BoolValue(true): {}},
	}
	httpKeys := []attribute.Key{"http.request.method", "url.scheme", "http.route", "http.response.status_code",
		"network.protocol.version", "error.type"}
	workflowKeys := []attribute.Key{"workflow_type", "task_queue", "namespace"}
	activityKeys := []attribute.Key{"activity_type", "activity_kind", "task_queue", "namespace"}
	metrics := map[string]map[string][]attribute.Key{
		fast.ScopeName: {
			"http.server.request.duration":   httpKeys,
			"http.server.request.body.size":  httpKeys,
			"http.server.response.body.size": httpKeys,
			"http.server.active_requests":    {"http.request.method", "url.scheme"},
		},
		service.SystemScopeName: {
			"build.info":     {"version", "commit", "go_version"},
			"process.uptime": nil,
		},
		interceptor.ScopeName: {
			"temporal.workflow.started":    workflowKeys,
			"temporal.workflow.panics":     workflowKeys,
			"temporal.workflow.ended":      append(slices.Clip(workflowKeys), "outcome"),
			"temporal.workflow.duration":   append(slices.Clip(workflowKeys), "outcome"),
			"temporal.workflow.superseded": append(slices.Clip(workflowKeys), "outcome"),
			"temporal.activity.started":    activityKeys,
			"temporal.activity.ended":      append(slices.Clip(activityKeys), "outcome"),
			"temporal.activity.duration":   append(slices.Clip(activityKeys), "outcome"),
			"temporal.worker.running":      {"task_queue"},
			"temporal.worker.configured":   nil,
		},
	}
	scopes := map[string][]attribute.Key{
		otelruntime.ScopeName:    {"go.memory.type"},
		interceptor.SDKScopeName: {"workflow_type", "activity_type", "task_queue"},
	}
	return attrAllowlist{values: values, metrics: metrics, scopes: scopes}
}

// overflowKey marks the series an instrument past its cardinality limit
// folds the rest into, in the SDK as in the fast instruments.
const overflowKey = attribute.Key("otel.metric.overflow")

// bound is the most attribute sets a metric with these sets can have: each
// key they use takes one of its allowed values, or is absent where some set
// lacks it.
func (a attrAllowlist) bound(sets []attribute.Set) int {
	present := map[attribute.Key]int{}
	for _, s := range sets {
		for _, kv := range s.ToSlice() {
			present[kv.Key]++
		}
	}
	n := 1
	for k, count := range present {
		choices := len(a.values[k])
		if count < len(sets) {
			choices++
		}
		n *= choices
	}
	return n
}

// markerSource hands out unique strings to plant in hostile input, all starting
// with a token drawn for this run, so that the token found in an attribute
// value proves raw input leaked into it.
type markerSource struct {
	token string
	count atomic.Int64
}

func newMarkerSource(rng *rand.Rand) *markerSource {
	return &markerSource{token: fmt.Sprintf("hx%08x", rng.Uint32())}
}

func (m *markerSource) next(rng *rand.Rand) string {
	return m.token + strconv.FormatInt(m.count.Add(1), 36) + "q" + strconv.FormatUint(rng.Uint64(), 36)
}

// pick returns a random element of values.
func pick[T any](rng *rand.Rand, values ...T) T { return values[rng.IntN(len(values))] }

// variantHeader carries the request's variant: the handlers choose their
// status from its length, so from user input, but only ever among their own
// few statuses.
const variantHeader = "X-Variant"

func statusFrom(r *http.Request, statuses ...int) int {
	return statuses[len(r.Header.Get(variantHeader))%len(statuses)]
}

// reply answers with status and a body whose size depends on the request.
func reply(w http.ResponseWriter, r *http.Request, status int) {
	w.WriteHeader(status)
	if status != http.StatusNoContent {
		//nolint:gosec // a run of "x": only its length comes from the request.
		_, _ = w.Write(bytes.Repeat([]byte("x"), (len(r.URL.RawQuery)*7)%3000))
	}
}

// newMux is an application on Go's ServeMux: method, wildcard, host and
// exact patterns, and a handler that panics.
func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, r, statusFrom(r, http.StatusOK, http.StatusNotFound))
	})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		reply(w, r, statusFrom(r, http.StatusCreated, http.StatusBadRequest))
	})
	mux.HandleFunc("/files/{path...}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, r, statusFrom(r, http.StatusOK, http.StatusPartialContent, http.StatusServiceUnavailable))
	})
	mux.HandleFunc("/orgs/{org}/", func(w http.ResponseWriter, r *http.Request) {
		reply(w, r, statusFrom(r, http.StatusOK, http.StatusNotFound))
	})
	mux.HandleFunc("api.example.com/hosted/{name}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, r, http.StatusCreated)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { reply(w, r, http.StatusNoContent) })
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("handler exploded") })
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) { reply(w, r, http.StatusOK) })
	return mux
}

// newGin is an application on gin, with its recovery installed before
// the middleware, as the middleware asks.
func newGin(mw gin.HandlerFunc) *gin.Engine {
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.Use(gin.RecoveryWithWriter(io.Discard), mw)
	e.GET("/users/:id", func(c *gin.Context) {
		reply(c.Writer, c.Request, statusFrom(c.Request, http.StatusOK, http.StatusNotFound))
	})
	e.GET("/users/:id/orders/:order", func(c *gin.Context) {
		reply(c.Writer, c.Request, statusFrom(c.Request, http.StatusOK, http.StatusInternalServerError))
	})
	e.POST("/users", func(c *gin.Context) {
		reply(c.Writer, c.Request, statusFrom(c.Request, http.StatusCreated, http.StatusUnprocessableEntity))
	})
	e.Any("/static/*filepath", func(c *gin.Context) {
		reply(c.Writer, c.Request, statusFrom(c.Request, http.StatusOK, http.StatusPartialContent))
	})
	e.GET("/gpanic", func(*gin.Context) { panic("gin handler exploded") })
	e.GET("/metrics", func(c *gin.Context) { reply(c.Writer, c.Request, http.StatusOK) })
	return e
}

// A pathKind makes one kind of raw path from fresh markers: matched routes
// with parameters full of random text, unmatched paths, percent-encoded
// garbage, unclean and very long paths.
type pathKind func(m func() string) string

func garbagePath(m func() string) string {
	return url.PathEscape(m() + "/../\x00\xff\u202e<script>%" + m())
}

func longPath(m func() string) string { return strings.Repeat(m()+"/", 150) }

var (
	muxPaths = []pathKind{
		func(m func() string) string { return "/orders/" + m() },
		func(m func() string) string { return "/orders/" + garbagePath(m) },
		func(func() string) string { return "/orders" },
		func(m func() string) string { return "/orders/" + m() + "/" },
		func(m func() string) string { return "/files/" + m() + "/" + garbagePath(m) },
		func(m func() string) string { return "/files/" + longPath(m) },
		func(func() string) string { return "/files" },
		func(m func() string) string { return "/orgs/" + m() },
		func(m func() string) string { return "/orgs/" + m() + "/" + garbagePath(m) },
		func(m func() string) string { return "/orgs/" + m() + "%2F" },
		func(m func() string) string { return "/orgs/" + m() + "%2F%2F" },
		func(m func() string) string { return "/orgs/" + m() + "/.." },
		func(m func() string) string { return "/hosted/" + m() },
		func(func() string) string { return "/" },
		func(m func() string) string { return "/" + m() },
		func(m func() string) string { return "/unknown/" + longPath(m) },
		func(m func() string) string { return "/a//" + m() + "/../b" },
		func(m func() string) string { return "/%F0%9F%92%A9/" + m() + "%00%2e%2e%2F" },
		func(func() string) string { return "/metrics" },
		func(func() string) string { return "/panic" },
	}
	ginPaths = []pathKind{
		func(m func() string) string { return "/users/" + m() },
		func(m func() string) string { return "/users/" + garbagePath(m) },
		func(m func() string) string { return "/users/" + m() + "/orders/" + m() },
		func(m func() string) string { return "/users/" + m() + "/" },
		func(func() string) string { return "/users" },
		func(m func() string) string { return "/static/" + m() + "/" + garbagePath(m) },
		func(m func() string) string { return "/static/" + longPath(m) },
		func(func() string) string { return "/static" },
		func(func() string) string { return "/gpanic" },
		func(m func() string) string { return "/" + m() },
		func(m func() string) string { return "/nope/" + longPath(m) },
		func(m func() string) string { return "/%F0%9F%92%A9/" + m() },
		func(m func() string) string { return "/users/" + m() + "/orders/" + m() + "/extra/" + m() },
		func(func() string) string { return "/metrics" },
	}
)

// methodsFor are the methods sent: the standard ones and others, some
// unique to the request.
func methodsFor(m func() string) []string {
	return []string{
		http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodConnect,
		http.MethodOptions, http.MethodTrace, http.MethodPatch,
		"FOO", "get", "PROPFIND", "M" + m(), "GET\x00" + m(), "GET " + m(),
	}
}

// protocols are the versions requests claim; the last two are unknown.
var protocols = [][2]int{{1, 1}, {1, 0}, {2, 0}, {3, 0}, {0, 9}, {4, 2}}

// requestShape is what a request's sender chooses besides its raw strings.
type requestShape struct {
	path    string
	method  string
	variant int // the handler's status: 0 to 5, every remainder of 2 and 3
	proto   [2]int
	tls     bool
	host    string
	// undecodable appends an escape that does not decode, which only a
	// request built by hand can carry.
	undecodable bool
}

// hostileRequest builds a request of shape s, with a query, headers and a
// body full of markers.
func hostileRequest(ctx context.Context, rng *rand.Rand, m func() string, s requestShape) *http.Request {
	body := bytes.Repeat([]byte(m()), rng.IntN(300))
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/", bytes.NewReader(body))
	raw := s.path + "?" + m() + "=" + url.QueryEscape(m()+"&\x00;"+m()) + "&q=" + m()
	if s.undecodable {
		raw = s.path + "/%ZZ%" + m()
	}
	r.RequestURI = raw
	if u, err := url.ParseRequestURI(raw); err == nil {
		r.URL = u
	} else {
		r.URL = &url.URL{Path: raw}
	}
	r.Method = s.method
	r.ProtoMajor, r.ProtoMinor = s.proto[0], s.proto[1]
	r.Proto = fmt.Sprintf("HTTP/%d.%d", s.proto[0], s.proto[1])
	if s.tls {
		r.TLS = &tls.ConnectionState{ServerName: m()}
	}
	r.Host = s.host
	r.RemoteAddr = "203.0.113.7:" + strconv.Itoa(1024+rng.IntN(60000))
	variant := m()
	variant += strings.Repeat("z", (s.variant-len(variant)%6+6)%6)
	r.Header.Set(variantHeader, variant)
	r.Header.Set("User-Agent", "Mozilla/5.0 ("+m()+")")
	r.Header.Set("X-Forwarded-For", "198.51.100.1, "+m())
	r.Header.Set("X-Forwarded-Proto", m())
	r.Header.Set("X-Forwarded-Host", m())
	r.Header.Set("Content-Type", "application/"+m())
	r.Header.Set("Referer", "https://"+m()+".example/")
	r.Header.Set("Cookie", "session="+m())
	r.Header.Set("Authorization", "Bearer "+m())
	r.Header.Set("X-Request-Id", m())
	r.Header.Set(m(), m())
	if rng.IntN(5) == 0 {
		r.ContentLength = -1 // a chunked body, of unknown length
	}
	return r
}

// serveHostile sends r to h, recovering the panic the middleware re-raises.
func serveHostile(h http.Handler, r *http.Request) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	h.ServeHTTP(httptest.NewRecorder(), r)
	return false
}

// sweepJob is one request to send: a sweep job names its path kind, method
// and variant so that every combination is sent at least once; a random job
// (kind < 0) draws them all.
type sweepJob struct {
	gin     bool
	kind    int
	method  int
	variant int
}

// driveHostileHTTP sends hostile requests to the ServeMux and gin applications
// from several goroutines at once: a sweep of every path kind, method and
// variant, then random ones; and a few through real servers (HTTP/1.1, and
// HTTP/2 over TLS). It returns how many requests were sent.
func driveHostileHTTP(t *testing.T, svc *service.MonitoringService, mk *markerSource, seed uint64) int {
	t.Helper()
	muxHandler := middleware.HTTP(svc, middleware.WithSkipPaths("/metrics"))(newMux())
	ginHandler := newGin(ginmetrics.Middleware(svc, middleware.WithSkipPaths("/metrics")))

	var jobs []sweepJob
	methods := len(methodsFor(func() string { return "" }))
	for _, forGin := range []bool{false, true} {
		kinds := len(muxPaths)
		if forGin {
			kinds = len(ginPaths)
		}
		for kind := range kinds {
			for method := range methods {
				for variant := range 6 {
					jobs = append(jobs, sweepJob{gin: forGin, kind: kind, method: method, variant: variant})
				}
			}
		}
	}
	for i := range 2000 {
		jobs = append(jobs, sweepJob{gin: i%2 == 0, kind: -1})
	}

	const workers = 4
	var wg sync.WaitGroup
	var panics [workers]int
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w))) //nolint:gosec // reproducible test input.
			m := func() string { return mk.next(rng) }
			for i := w; i < len(jobs); i += workers {
				job := jobs[i]
				kinds, h := muxPaths, http.Handler(muxHandler)
				if job.gin {
					kinds, h = ginPaths, ginHandler
				}
				s := requestShape{
					variant: job.variant, proto: protocols[i%len(protocols)], tls: i%3 == 0,
					host: []string{m() + ".example.com", "api.example.com", m()}[i%5%3],
				}
				kind, method := job.kind, job.method
				if kind < 0 {
					kind, method, s.variant = rng.IntN(len(kinds)), rng.IntN(methods), rng.IntN(6)
					s.proto, s.tls = pick(rng, protocols...), rng.IntN(2) == 0
					s.undecodable = rng.IntN(8) == 0
				}
				s.path, s.method = kinds[kind](m), methodsFor(m)[method]
				if serveHostile(h, hostileRequest(t.Context(), rng, m, s)) {
					panics[w]++
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, p := range panics {
		total += p
	}
	require.Positive(t, total, "the panicking handler was reached and its panic re-raised")
	return len(jobs) + driveHostileServers(t, muxHandler, ginHandler, mk, seed)
}

// driveHostileServers sends a few hostile requests through real servers, so that
// the connection, not the test, sets the protocol, the scheme and the
// remote address.
func driveHostileServers(t *testing.T, muxHandler, ginHandler http.Handler, mk *markerSource, seed uint64) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1<<16)) //nolint:gosec // reproducible test input.
	m := func() string { return mk.next(rng) }
	plain := httptest.NewServer(muxHandler)
	t.Cleanup(plain.Close)
	h2 := httptest.NewUnstartedServer(ginHandler)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	t.Cleanup(h2.Close)
	sent := 0
	for _, srv := range []*httptest.Server{plain, h2} {
		kinds := muxPaths[:len(muxPaths)-1] // not /panic: a real server would log the re-raised panic
		if srv == h2 {
			kinds = ginPaths
		}
		for _, kind := range kinds {
			u := srv.URL + kind(m) + "?" + m() + "=" + m()
			req, err := http.NewRequestWithContext(t.Context(), pick(rng, http.MethodGet, http.MethodPost, "FOO"), u,
				strings.NewReader(m()))
			require.NoError(t, err)
			req.Header.Set("User-Agent", m())
			req.Header.Set("X-Forwarded-For", m())
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			require.NoError(t, resp.Body.Close())
			sent++
		}
	}
	return sent
}

// The workflows and activities, each carrying a marker as their input, in
// their errors and in their panics.

func charge(_ context.Context, note string) (string, error) { return "charged " + note, nil }

func decline(_ context.Context, note string) error { return errors.New("declined " + note) }

func explode(_ context.Context, note string) error { panic("activity exploded " + note) }

func hang(ctx context.Context, _ string) error {
	<-ctx.Done()
	return ctx.Err()
}

func activityOptions(timeout time.Duration) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: timeout,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	}
}

func activityWorkflow(name string, timeout time.Duration) func(workflow.Context, string) (string, error) {
	return func(ctx workflow.Context, note string) (string, error) {
		ctx = workflow.WithActivityOptions(ctx, activityOptions(timeout))
		var out string
		err := workflow.ExecuteActivity(ctx, name, note).Get(ctx, &out)
		return out, err
	}
}

// localActivity runs charge as a local activity.
func localActivity(ctx workflow.Context, note string) (string, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteLocalActivity(ctx, actCharge, note).Get(ctx, &out)
	return out, err
}

func panickingWorkflow(_ workflow.Context, note string) (string, error) {
	panic("workflow exploded " + note)
}

func patient(ctx workflow.Context, note string) (string, error) {
	return note, workflow.Sleep(ctx, time.Hour)
}

func loop(ctx workflow.Context, note string) (string, error) {
	if !strings.HasPrefix(note, "again ") {
		return "", workflow.NewContinueAsNewError(ctx, wfLoop, "again "+note)
	}
	return note, nil
}

// driveHostileTemporal runs every workflow type through a test environment whose
// worker carries the interceptor and whose SDK metrics go to svc, with
// hostile workflow IDs, inputs, errors and panics, and moves the worker
// gauges. It returns how many executions ran.
func driveHostileTemporal(t *testing.T, svc *service.MonitoringService, mk *markerSource, seed uint64) int {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	newInterceptor := func() *interceptor.WorkerInterceptor {
		wi := interceptor.NewWorkerInterceptor(svc, interceptor.WithLogger(quiet))
		wi.SetConfiguredWorkers(2)
		return wi
	}
	tracked := newInterceptor().Track(idleWorker{}, taskQueue)
	require.NoError(t, tracked.Start())
	t.Cleanup(tracked.Stop)

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(temporallog.NewStructuredLogger(quiet))
	suite.SetMetricsHandler(interceptor.NewMetricsHandler(svc, interceptor.WithLogger(quiet)))
	rng := rand.New(rand.NewPCG(seed, 1<<32)) //nolint:gosec // reproducible test input.
	m := func() string { return mk.next(rng) }
	runs := []struct {
		workflow    string
		wantErr     bool
		cancelAfter time.Duration
	}{
		{workflow: wfOrder}, {workflow: wfOrder}, {workflow: wfDeclined, wantErr: true},
		{workflow: wfExploding, wantErr: true}, {workflow: wfPanicking, wantErr: true},
		{workflow: wfPatient, wantErr: true, cancelAfter: time.Minute}, {workflow: wfLoop, wantErr: true},
		{workflow: wfImpatient, wantErr: true}, {workflow: wfLocal},
	}
	for _, run := range runs {
		env := suite.NewTestWorkflowEnvironment()
		// One interceptor per environment, as one per worker process.
		env.SetWorkerOptions(worker.Options{Interceptors: []temporalinterceptor.WorkerInterceptor{newInterceptor()}})
		env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "wf-" + m(), TaskQueue: taskQueue})
		env.SetIdentity("worker-" + m())
		for name, fn := range map[string]any{
			wfOrder:     activityWorkflow(actCharge, 10*time.Second),
			wfDeclined:  activityWorkflow(actDecline, 10*time.Second),
			wfExploding: activityWorkflow(actExplode, 10*time.Second),
			wfImpatient: activityWorkflow(actHang, 50*time.Millisecond),
			wfPanicking: panickingWorkflow,
			wfPatient:   patient,
			wfLoop:      loop,
			wfLocal:     localActivity,
		} {
			env.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
		}
		for name, fn := range map[string]any{
			actCharge: charge, actDecline: decline,
			actExplode: explode, actHang: hang,
		} {
			env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
		}
		if run.cancelAfter > 0 {
			env.RegisterDelayedCallback(env.CancelWorkflow, run.cancelAfter)
		}
		env.ExecuteWorkflow(run.workflow, m())
		require.True(t, env.IsWorkflowCompleted(), run.workflow)
		if run.wantErr {
			require.Error(t, env.GetWorkflowError(), run.workflow)
		} else {
			require.NoError(t, env.GetWorkflowError(), run.workflow)
		}
	}
	// One execution that ends live twice with different outcomes, as when the
	// server rejects a completion: the same interceptor, IDs and start time.
	superseding := newInterceptor()
	id, start := "wf-"+m(), time.Now()
	for _, fail := range []bool{false, true} {
		env := suite.NewTestWorkflowEnvironment()
		env.SetWorkerOptions(worker.Options{Interceptors: []temporalinterceptor.WorkerInterceptor{superseding}})
		env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue})
		env.SetStartTime(start)
		env.RegisterWorkflowWithOptions(verdictWorkflow, workflow.RegisterOptions{Name: wfOrder})
		env.ExecuteWorkflow(wfOrder, m(), fail)
		require.True(t, env.IsWorkflowCompleted())
		require.Equal(t, fail, env.GetWorkflowError() != nil)
	}
	return len(runs) + 1
}

// verdictWorkflow fails with note when told to.
func verdictWorkflow(_ workflow.Context, note string, fail bool) (string, error) {
	if fail {
		return "", errors.New("verdict " + note)
	}
	return note, nil
}

// idleWorker stands for a Temporal worker for WorkerInterceptor.Track: it
// starts and stops without a server.
type idleWorker struct{ worker.Worker }

func (idleWorker) Start() error { return nil }

func (idleWorker) Stop() {}

// problemSet gathers each problem once, with the metrics it was found in,
// so that a leak into thousands of series fails with a readable list.
type problemSet map[string]map[string]struct{}

func (p problemSet) add(problem, metric string) {
	if p[problem] == nil {
		p[problem] = map[string]struct{}{}
	}
	p[problem][metric] = struct{}{}
}

// report fails t with the first problems found, in a stable order.
func (p problemSet) report(t *testing.T) {
	t.Helper()
	if len(p) == 0 {
		return
	}
	problems := slices.Sorted(maps.Keys(p))
	const shown = 20
	lines := make([]string, 0, shown)
	for _, problem := range problems[:min(shown, len(problems))] {
		lines = append(lines, problem+" in "+strings.Join(slices.Sorted(maps.Keys(p[problem])), ", "))
	}
	t.Errorf("%d problems, the first %d:\n%s", len(problems), len(lines), strings.Join(lines, "\n"))
}

// dataPoint is one data point seen by the walk.
type dataPoint struct {
	scope, metric string
	attrs         attribute.Set
}

// walkPoints returns every data point of every metric of rm, whatever its kind;
// an unknown kind fails the test, so a new one cannot slip by unchecked.
func walkPoints(t *testing.T, rm metricdata.ResourceMetrics) []dataPoint {
	t.Helper()
	var out []dataPoint
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			add := func(sets ...attribute.Set) {
				for _, s := range sets {
					out = append(out, dataPoint{scope: sm.Scope.Name, metric: m.Name, attrs: s})
				}
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				add(attrsOf(d.DataPoints)...)
			case metricdata.Sum[float64]:
				add(attrsOf(d.DataPoints)...)
			case metricdata.Gauge[int64]:
				add(attrsOf(d.DataPoints)...)
			case metricdata.Gauge[float64]:
				add(attrsOf(d.DataPoints)...)
			case metricdata.Histogram[int64]:
				add(histAttrsOf(d.DataPoints)...)
			case metricdata.Histogram[float64]:
				add(histAttrsOf(d.DataPoints)...)
			case metricdata.ExponentialHistogram[int64]:
				add(expHistAttrsOf(d.DataPoints)...)
			case metricdata.ExponentialHistogram[float64]:
				add(expHistAttrsOf(d.DataPoints)...)
			default:
				t.Errorf("%s/%s: data of kind %T is not walked", sm.Scope.Name, m.Name, m.Data)
			}
		}
	}
	return out
}

func attrsOf[N int64 | float64](points []metricdata.DataPoint[N]) []attribute.Set {
	out := make([]attribute.Set, len(points))
	for i, p := range points {
		out[i] = p.Attributes
	}
	return out
}

func histAttrsOf[N int64 | float64](points []metricdata.HistogramDataPoint[N]) []attribute.Set {
	out := make([]attribute.Set, len(points))
	for i, p := range points {
		out[i] = p.Attributes
	}
	return out
}

func expHistAttrsOf[N int64 | float64](points []metricdata.ExponentialHistogramDataPoint[N]) []attribute.Set {
	out := make([]attribute.Set, len(points))
	for i, p := range points {
		out[i] = p.Attributes
	}
	return out
}

func TestAttributeValuesAreBounded(t *testing.T) {
	seed := rand.Uint64() //nolint:gosec // test input, logged to reproduce a failure.
	t.Logf("seed %d", seed)
	mk := newMarkerSource(rand.New(rand.NewPCG(seed, 0))) //nolint:gosec // reproducible test input.

	backend := monitoringtest.New(t)
	svc := service.New(backend, service.WithSystemMetrics(true), service.WithBuildInfo(buildVersion, buildCommit),
		service.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { assert.NoError(t, svc.Shutdown(context.Background())) })

	requests := driveHostileHTTP(t, svc, mk, seed)
	executions := driveHostileTemporal(t, svc, mk, seed)
	rm := backend.Collect(t)
	points := walkPoints(t, rm)
	allow := newAttrAllowlist()
	t.Logf("%d HTTP requests, %d workflow executions, %d markers planted, %d data points walked",
		requests, executions, mk.count.Load(), len(points))

	t.Run("Should walk every instrument the library creates", func(t *testing.T) {
		seen := map[string]int{}
		for _, p := range points {
			seen[p.scope+" "+p.metric]++
		}
		expected := map[string][]string{
			otelruntime.ScopeName: {"go.memory.used", "go.memory.allocated", "go.memory.allocations",
				"go.memory.gc.goal", "go.goroutine.count", "go.processor.limit", "go.config.gogc"},
			interceptor.SDKScopeName: {"temporal_activity_task_error"},
		}
		for scope, metrics := range allow.metrics {
			expected[scope] = slices.Collect(maps.Keys(metrics))
		}
		for scope, names := range expected {
			for _, name := range names {
				assert.Positive(t, seen[scope+" "+name], "no data point of %s in scope %s", name, scope)
			}
		}
		t.Logf("%d metrics walked", len(seen))
	})

	t.Run("Should draw every attribute key from the allowlist and every value from its bounded set", func(t *testing.T) {
		problems := problemSet{}
		checked := 0
		for _, p := range points {
			keys, unknown := allow.keys(p.scope, p.metric)
			if unknown != "" {
				problems.add(unknown, p.metric)
				continue
			}
			for _, kv := range p.attrs.ToSlice() {
				checked++
				if !slices.Contains(keys, kv.Key) {
					problems.add(fmt.Sprintf("key %q is not allowed", kv.Key), p.metric)
					continue
				}
				if set := allow.values[kv.Key]; !set.has(kv.Value) {
					problems.add(fmt.Sprintf("%s=%q (%s) is not in its bounded set of %d values",
						kv.Key, kv.Value.String(), kv.Value.Type(), len(set)), p.metric)
				}
			}
		}
		problems.report(t)
		assert.Positive(t, checked)
		t.Logf("%d attribute values checked", checked)
	})

	t.Run("Should exercise every value the allowlist admits, so that it is no looser than needed", func(t *testing.T) {
		seen := map[attribute.Key]allowedValues{}
		for _, p := range points {
			for _, kv := range p.attrs.ToSlice() {
				if seen[kv.Key] == nil {
					seen[kv.Key] = allowedValues{}
				}
				seen[kv.Key][kv.Value] = struct{}{}
			}
		}
		for key, set := range allow.values {
			if key == overflowKey { // only an instrument past its limit has it: see the last subtest
				continue
			}
			for v := range set {
				_, ok := seen[key][v]
				assert.True(t, ok, "%s=%s is allowed but never recorded", key, v.String())
			}
		}
	})

	t.Run("Should never put raw input (path, query, header, method, body, ID, error) in a value", func(t *testing.T) {
		require.Positive(t, mk.count.Load())
		problems := problemSet{}
		values := 0
		check := func(kv attribute.KeyValue, where string) {
			values++
			// Every marker starts with the run's token: a value holding a
			// marker, or a marker cut after its token, holds the token.
			if v := kv.Value.String(); strings.Contains(v, mk.token) {
				problems.add(fmt.Sprintf("%s=%q carries user input", kv.Key, v), where)
			}
		}
		for _, p := range points {
			for _, kv := range p.attrs.ToSlice() {
				check(kv, p.metric)
			}
		}
		for _, kv := range rm.Resource.Attributes() {
			check(kv, "the resource")
		}
		problems.report(t)
		t.Logf("%d attribute values searched for the token of %d markers", values, mk.count.Load())
	})

	t.Run("Should keep the series of every metric under the bound its allowlist implies", func(t *testing.T) {
		type metricID struct{ scope, name string }
		series := map[metricID][]attribute.Set{}
		for _, p := range points {
			id := metricID{p.scope, p.metric}
			series[id] = append(series[id], p.attrs)
		}
		for id, sets := range series {
			distinct := map[attribute.Distinct]struct{}{}
			for _, s := range sets {
				distinct[s.Equivalent()] = struct{}{}
			}
			assert.Len(t, distinct, len(sets), "%s/%s repeats an attribute set", id.scope, id.name)
			assert.LessOrEqual(t, len(sets), allow.bound(sets), "%s/%s has more series than its keys allow",
				id.scope, id.name)
		}
		durations := series[metricID{fast.ScopeName, "http.server.request.duration"}]
		assert.Less(t, len(durations), requests/4, "the HTTP series grow with the requests, not with the routes")
		t.Logf("http.server.request.duration: %d series for %d requests (bound %d)",
			len(durations), requests, allow.bound(durations))
	})

	t.Run("Should fold nothing into an overflow series, so that the walk saw every series", func(t *testing.T) {
		for _, p := range points {
			_, overflow := p.attrs.Value(overflowKey)
			assert.False(t, overflow, "%s/%s reached its cardinality limit", p.scope, p.metric)
		}
	})
}
