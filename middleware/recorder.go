package middleware

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/compozy/monitoring/port"
)

// Attribute keys of the HTTP semantic conventions.
const (
	keyMethod   = attribute.Key("http.request.method")
	keyScheme   = attribute.Key("url.scheme")
	keyRoute    = attribute.Key("http.route")
	keyStatus   = attribute.Key("http.response.status_code")
	keyProto    = attribute.Key("network.protocol.version")
	keyErrType  = attribute.Key("error.type")
	otherMethod = "_OTHER"
	panicError  = "panic"
)

// methods are the values http.request.method may take; index 0 stands for
// every method outside the standard set.
var methods = [...]string{otherMethod,
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete,
	http.MethodConnect, http.MethodOptions, http.MethodTrace, http.MethodPatch}

// methodIndex maps a request method to its index in methods, without
// keeping the client's string.
func methodIndex(m string) uint8 {
	switch m {
	case http.MethodGet:
		return 1
	case http.MethodHead:
		return 2
	case http.MethodPost:
		return 3
	case http.MethodPut:
		return 4
	case http.MethodDelete:
		return 5
	case http.MethodConnect:
		return 6
	case http.MethodOptions:
		return 7
	case http.MethodTrace:
		return 8
	case http.MethodPatch:
		return 9
	default:
		return 0
	}
}

var schemes = [...]string{"http", "https"}

func schemeIndex(r *http.Request) uint8 {
	if r.TLS != nil {
		return 1
	}
	return 0
}

// protos are the values network.protocol.version may take; index 0 means
// the attribute is left out.
var protos = [...]string{"", "1.0", "1.1", "2", "3"}

func protoIndex(r *http.Request) uint8 {
	switch {
	case r.ProtoMajor == 1 && r.ProtoMinor == 0:
		return 1
	case r.ProtoMajor == 1 && r.ProtoMinor == 1:
		return 2
	case r.ProtoMajor == 2:
		return 3
	case r.ProtoMajor == 3:
		return 4
	default:
		return 0
	}
}

// maxCachedSets bounds the attribute sets kept for reuse. Past it, sets are
// built per request: slower, but memory stays bounded whatever the routes.
const maxCachedSets = 4096

// attrKey identifies the attribute set of a finished request.
type attrKey struct {
	route    string
	extra    attribute.Distinct
	status   int
	method   uint8
	scheme   uint8
	proto    uint8
	panicked bool
}

// recorder holds the instruments and the precomputed attribute sets shared
// by the net/http and Gin middleware.
type recorder struct {
	duration metric.Float64Histogram
	active   metric.Int64UpDownCounter
	reqSize  metric.Int64Histogram
	respSize metric.Int64Histogram

	skip  map[string]struct{}
	extra func(*http.Request) []attribute.KeyValue
	// template rewrites a router's route template into ServeMux syntax; it
	// runs only when an attribute set is built.
	template func(string) string

	// activeOpts[method][scheme] are the in-flight counter's options.
	activeOpts [len(methods)][len(schemes)][]metric.AddOption
	// sets caches attrKey -> []metric.RecordOption. Passing a stored slice
	// with ... costs no allocation, where a fresh variadic one would.
	sets     sync.Map
	setCount atomic.Int64
}

func newRecorder(mon port.Monitoring, cfg config) *recorder {
	meter := mon.MeterProvider().Meter(ScopeName)
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	rec := &recorder{skip: cfg.skip, extra: cfg.extra}
	var err error
	rec.duration, err = meter.Float64Histogram("http.server.request.duration",
		metric.WithDescription("Duration of HTTP server requests."), metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(cfg.buckets...))
	keep(err)
	rec.active, err = meter.Int64UpDownCounter("http.server.active_requests",
		metric.WithDescription("Number of active HTTP server requests."), metric.WithUnit("{request}"))
	keep(err)
	rec.reqSize, err = meter.Int64Histogram("http.server.request.body.size",
		metric.WithDescription("Size of HTTP server request bodies."), metric.WithUnit("By"))
	keep(err)
	rec.respSize, err = meter.Int64Histogram("http.server.response.body.size",
		metric.WithDescription("Size of HTTP server response bodies."), metric.WithUnit("By"))
	keep(err)
	if len(errs) > 0 {
		cfg.logger.Error("monitoring middleware: instruments unavailable, recording nothing",
			"error", errors.Join(errs...))
		rec.useNoop()
	}
	for m, method := range methods {
		for s, scheme := range schemes {
			set := attribute.NewSet(keyMethod.String(method), keyScheme.String(scheme))
			rec.activeOpts[m][s] = []metric.AddOption{metric.WithAttributeSet(set)}
		}
	}
	return rec
}

// useNoop replaces every instrument with a no-op, so a backend that failed
// to create one never leaves a nil instrument behind.
func (rec *recorder) useNoop() {
	m := noop.Meter{}
	rec.duration, _ = m.Float64Histogram("")
	rec.active, _ = m.Int64UpDownCounter("")
	rec.reqSize, _ = m.Int64Histogram("")
	rec.respSize, _ = m.Int64Histogram("")
}

func (rec *recorder) skipped(r *http.Request) bool {
	if rec.skip == nil {
		return false
	}
	_, ok := rec.skip[r.URL.Path]
	return ok
}

// request is one request in flight.
type request struct {
	start  time.Time
	method uint8
	scheme uint8
}

// begin counts r in flight and starts its clock.
func (rec *recorder) begin(ctx context.Context, r *http.Request) request {
	q := request{method: methodIndex(r.Method), scheme: schemeIndex(r)}
	rec.active.Add(ctx, 1, rec.activeOpts[q.method][q.scheme]...)
	q.start = time.Now()
	return q
}

// end records r's outcome and takes it out of the in-flight count. route is
// a template or "" for no match.
func (rec *recorder) end(
	ctx context.Context, r *http.Request, q request, route string, status int, respBytes int64, panicked bool,
) {
	elapsed := time.Since(q.start).Seconds()
	if route == "" {
		route = UnmatchedRoute
	}
	key := attrKey{
		route: route, status: status, method: q.method, scheme: q.scheme,
		proto: protoIndex(r), panicked: panicked,
	}
	var extra []attribute.KeyValue
	if rec.extra != nil {
		extra = rec.extra(r)
		set := attribute.NewSet(extra...)
		key.extra = set.Equivalent()
	}
	opts := rec.recordOpts(key, extra)
	rec.duration.Record(ctx, elapsed, opts...)
	if r.ContentLength >= 0 {
		rec.reqSize.Record(ctx, r.ContentLength, opts...)
	}
	rec.respSize.Record(ctx, respBytes, opts...)
	rec.active.Add(ctx, -1, rec.activeOpts[q.method][q.scheme]...)
}

// recordOpts returns the cached options for key, building them on a miss.
func (rec *recorder) recordOpts(key attrKey, extra []attribute.KeyValue) []metric.RecordOption {
	if v, ok := rec.sets.Load(key); ok {
		return v.([]metric.RecordOption)
	}
	// The extra attributes go first: for a duplicate key the set keeps the
	// last value, so they can never replace ours (a raw path as http.route).
	kvs := make([]attribute.KeyValue, 0, 6+len(extra))
	kvs = append(kvs, extra...)
	kvs = append(kvs,
		keyMethod.String(methods[key.method]),
		keyScheme.String(schemes[key.scheme]),
		keyRoute.String(rec.routeTemplate(key.route)),
		keyStatus.Int(key.status),
	)
	if p := protos[key.proto]; p != "" {
		kvs = append(kvs, keyProto.String(p))
	}
	switch {
	case key.panicked:
		kvs = append(kvs, keyErrType.String(panicError))
	case key.status >= 500:
		kvs = append(kvs, keyErrType.String(strconv.Itoa(key.status)))
	}
	opts := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
	if rec.setCount.Load() < maxCachedSets {
		if _, loaded := rec.sets.LoadOrStore(key, opts); !loaded {
			rec.setCount.Add(1)
		}
	}
	return opts
}

func (rec *recorder) routeTemplate(route string) string {
	if rec.template == nil || route == UnmatchedRoute {
		return route
	}
	return rec.template(route)
}
