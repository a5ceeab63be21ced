package httpmetrics

import (
	"hash/maphash"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"

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

// cacheSlots is the size of the table of bound histograms; it is filled to
// three quarters at most. Past that, each request binds its series anew: a
// little slower, and memory stays bounded whatever the routes.
const cacheSlots = 4096

// RequestKeys returns the attribute keys of the duration and body-size
// histograms, in the order of their values; extra keys follow.
func RequestKeys() []string {
	return []string{
		string(keyMethod), string(keyScheme), string(keyRoute), string(keyStatus), string(keyProto), string(keyErrType),
	}
}

// MaxExtraKeys is what port.MaxKeys leaves for WithExtraAttributes.
const MaxExtraKeys = port.MaxKeys - 6

// attrKey identifies the attribute values of a finished request.
type attrKey struct {
	route    string
	extra    [MaxExtraKeys]string
	status   int
	method   uint8
	scheme   uint8
	proto    uint8
	panicked bool
}

// bound are the histograms of one attrKey, bound once.
type bound struct {
	duration, reqSize, respSize port.Histogram
}

// Recorder holds the fast instruments and the bound handles shared by the
// net/http and Gin middleware.
type Recorder struct {
	duration port.HistogramVec
	reqSize  port.HistogramVec
	respSize port.HistogramVec

	skip  map[string]struct{}
	extra func(*http.Request) []string
	// template rewrites a router's route template into the syntax of
	// WithRouteFormat (nil: recorded as the router writes it); it
	// runs only when a series is bound.
	template func(string) string

	// active[method][scheme] is the bound in-flight counter, bound on first
	// use so that only the methods and schemes seen are exported.
	active    [len(methods)][len(schemes)]atomic.Pointer[activeSlot]
	activeVec port.UpDownCounterVec
	// cache maps attrKey -> *bound with open addressing: a lookup is one
	// hash and a probe or two, lock-free; entries are never removed.
	cache  [cacheSlots]atomic.Pointer[cached]
	cached atomic.Int64
	seed   maphash.Seed
}

type cached struct {
	hash uint64
	key  attrKey
	b    *bound
}

// New creates the HTTP server instruments of cfg on mon's fast path.
func New(mon port.Recorder, cfg Config) *Recorder {
	in := mon.Instruments()
	keys := append(RequestKeys(), cfg.ExtraKeys...)
	rec := &Recorder{skip: cfg.Skip, extra: cfg.Extra, template: cfg.Template, seed: maphash.MakeSeed()}
	ints := []string{string(keyStatus)}
	rec.duration = in.HistogramVec(port.Desc{Name: "http.server.request.duration",
		Description: "Duration of HTTP server requests.", Unit: "s", Keys: keys, IntKeys: ints, Buckets: cfg.Buckets})
	rec.reqSize = in.HistogramVec(port.Desc{Name: "http.server.request.body.size",
		Description: "Size of HTTP server request bodies.", Unit: "By", Keys: keys, IntKeys: ints})
	rec.respSize = in.HistogramVec(port.Desc{Name: "http.server.response.body.size",
		Description: "Size of HTTP server response bodies.", Unit: "By", Keys: keys, IntKeys: ints})
	rec.activeVec = in.UpDownCounterVec(port.Desc{Name: "http.server.active_requests",
		Description: "Number of active HTTP server requests.", Unit: "{request}",
		Keys: []string{string(keyMethod), string(keyScheme)}})
	return rec
}

type activeSlot struct{ c port.UpDownCounter }

// inFlight returns the in-flight counter of a method and a scheme.
func (rec *Recorder) inFlight(method, scheme uint8) port.UpDownCounter {
	slot := &rec.active[method][scheme]
	if s := slot.Load(); s != nil {
		return s.c
	}
	s := &activeSlot{c: rec.activeVec.Bind(port.Values{methods[method], schemes[scheme]})}
	if !slot.CompareAndSwap(nil, s) {
		s = slot.Load()
	}
	return s.c
}

// Skipped reports whether r's path is one WithSkipPaths leaves unrecorded.
func (rec *Recorder) Skipped(r *http.Request) bool {
	if rec.skip == nil {
		return false
	}
	_, ok := rec.skip[r.URL.Path]
	return ok
}

// Request is one request in flight, from [Recorder.Begin] to
// [Recorder.End].
type Request struct {
	start  time.Time
	method uint8
	scheme uint8
}

// Begin counts r in flight and starts its clock.
func (rec *Recorder) Begin(r *http.Request) Request {
	q := Request{method: methodIndex(r.Method), scheme: schemeIndex(r)}
	rec.inFlight(q.method, q.scheme).Add(1)
	q.start = time.Now()
	return q
}

// End takes r out of the in-flight count and records its outcome. routeOf
// returns a template, or "" for no match; it is called after the in-flight
// count is settled, so that a route function of the user's that panics
// cannot leave the request counted in flight.
func (rec *Recorder) End(
	r *http.Request, q Request, routeOf func() string, status int, respBytes int64, panicked bool,
) {
	elapsed := time.Since(q.start).Seconds()
	rec.inFlight(q.method, q.scheme).Add(-1)
	route := routeOf()
	if route == "" {
		route = UnmatchedRoute
	}
	key := attrKey{
		route: route, status: status, method: q.method, scheme: q.scheme,
		proto: protoIndex(r), panicked: panicked,
	}
	if rec.extra != nil {
		copy(key.extra[:], rec.extra(r))
	}
	b := rec.bind(key)
	b.duration.RecordContext(r.Context(), elapsed)
	if r.ContentLength >= 0 {
		b.reqSize.Record(float64(r.ContentLength))
	}
	b.respSize.Record(float64(respBytes))
}

// bind returns the histograms of key, binding them on first use.
func (rec *Recorder) bind(key attrKey) *bound {
	//nolint:gosec // mixing bits into a hash: the sign of status is irrelevant.
	h := maphash.String(rec.seed, key.route) ^ uint64(key.status)<<32 ^
		uint64(key.method)<<24 ^ uint64(key.scheme)<<16 ^ uint64(key.proto)<<8
	if key.panicked {
		h ^= 1
	}
	if key.extra != [MaxExtraKeys]string{} {
		for _, e := range key.extra {
			h = h*0x9E3779B97F4A7C15 ^ maphash.String(rec.seed, e)
		}
	}
	i := h
	for range cacheSlots {
		slot := &rec.cache[i%cacheSlots]
		c := slot.Load()
		if c == nil {
			b := rec.newBound(key)
			if rec.cached.Load() < cacheSlots*3/4 && slot.CompareAndSwap(nil, &cached{hash: h, key: key, b: b}) {
				rec.cached.Add(1)
			}
			return b
		}
		if c.hash == h && c.key == key {
			return c.b
		}
		i++
	}
	return rec.newBound(key)
}

// newBound binds the histograms of key's values.
func (rec *Recorder) newBound(key attrKey) *bound {
	values := port.Values{
		methods[key.method], schemes[key.scheme], rec.routeTemplate(key.route),
		strconv.Itoa(key.status), protos[key.proto],
	}
	switch {
	case key.panicked:
		values[5] = panicError
	case key.status >= 500:
		values[5] = strconv.Itoa(key.status)
	}
	copy(values[6:], key.extra[:])
	return &bound{
		duration: rec.duration.Bind(values),
		reqSize:  rec.reqSize.Bind(values),
		respSize: rec.respSize.Bind(values),
	}
}

func (rec *Recorder) routeTemplate(route string) string {
	if rec.template == nil || route == UnmatchedRoute {
		return route
	}
	return rec.template(route)
}
