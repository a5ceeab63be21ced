package httpmetrics

import (
	"context"
	"errors"
	"hash/maphash"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/compozy/monitoring/port"
)

// Attribute keys of the HTTP semantic conventions.
const (
	keyMethod  = attribute.Key("http.request.method")
	keyScheme  = attribute.Key("url.scheme")
	keyRoute   = attribute.Key("http.route")
	keyStatus  = attribute.Key("http.response.status_code")
	keyProto   = attribute.Key("network.protocol.version")
	keyErrType = attribute.Key("error.type")
	// keyServerAddr and keyServerPort are opt-in: middleware.WithServerAddress.
	keyServerAddr = attribute.Key("server.address")
	keyServerPort = attribute.Key("server.port")
	otherMethod   = "_OTHER"
	panicError    = "panic"
	// abortedError is the error.type of a request whose client went away
	// before any response was sent.
	abortedError = "client_aborted"
)

// defaultMethods are the values http.request.method may take unless
// middleware.WithKnownMethods replaces them: the conventions' list of known methods
// (RFC 9110's, PATCH of RFC 5789 and QUERY). Index 0 stands for every method
// outside the list.
var defaultMethods = []string{otherMethod,
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete,
	http.MethodConnect, http.MethodOptions, http.MethodTrace, http.MethodPatch, methodQuery}

// methodQuery is the QUERY method (safe, idempotent, with a body), known by
// the conventions; net/http has no constant for it.
const methodQuery = "QUERY"

// defaultMethodIndex maps a request method to its index in defaultMethods,
// without keeping the client's string. Methods are case-sensitive: "get" is
// not GET.
func defaultMethodIndex(m string) uint8 {
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
	case methodQuery:
		return 10
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
// histograms, in the order of their values; the server's keys
// (middleware.WithServerAddress) and extra keys follow.
func RequestKeys() []string {
	return []string{
		string(keyMethod), string(keyScheme), string(keyRoute), string(keyStatus), string(keyProto), string(keyErrType),
	}
}

// ServerKeys are the opt-in keys of middleware.WithServerAddress, in the order of
// their values.
func ServerKeys() []string { return []string{string(keyServerAddr), string(keyServerPort)} }

// MaxExtraKeys is what port.MaxKeys leaves past requestKeys, for the
// server's keys and WithExtraAttributes.
const MaxExtraKeys = port.MaxKeys - 6

// errKind is why a request carries error.type, besides a 5xx status; 0 is
// no reason.
type errKind uint8

const (
	// errPanic: the handler panicked.
	errPanic errKind = iota + 1
	// errAborted: the client went away before any response was sent.
	errAborted
)

// attrKey identifies the attribute values of a finished request.
type attrKey struct {
	route  string
	extra  [MaxExtraKeys]string
	status int
	method uint8
	scheme uint8
	proto  uint8
	err    errKind
}

// bound are the histograms of one attrKey, bound once.
type bound struct {
	duration, respSize port.Histogram
	// reqSize is bound on the first request body size recorded: a bound
	// series is exported even when nothing was recorded in it (a count of
	// 0), and a chunked body never read has no size to record.
	reqSize atomic.Pointer[histogramSlot]
	values  port.Values
}

type histogramSlot struct{ h port.Histogram }

// recordReqSize records a request body size in b's series, binding it on
// first use.
func (rec *Recorder) recordReqSize(b *bound, size float64) {
	s := b.reqSize.Load()
	if s == nil {
		s = &histogramSlot{h: rec.reqSize.Bind(b.values)}
		if !b.reqSize.CompareAndSwap(nil, s) {
			s = b.reqSize.Load()
		}
	}
	s.h.Record(size)
}

// Recorder holds the fast instruments and the bound handles shared by the
// net/http and Gin middleware.
type Recorder struct {
	duration port.HistogramVec
	reqSize  port.HistogramVec
	respSize port.HistogramVec

	skip  map[string]struct{}
	extra func(*http.Request) []string
	// nExtra is how many values of extra are kept.
	nExtra int
	// template rewrites a router's route template into the syntax of
	// WithRouteFormat (nil: recorded as the router writes it); it
	// runs only when a series is bound.
	template func(string) string
	// methods are the values of http.request.method, index 0 being
	// "_OTHER"; known maps the others to their index when WithKnownMethods
	// replaced the defaults (nil: defaultMethodIndex).
	methods []string
	known   map[string]uint8
	// server are the values of server.address and server.port, empty
	// unless WithServerAddress.
	server []string

	// active[method][scheme] is the bound in-flight counter, bound on first
	// use so that only the methods and schemes seen are exported.
	active    [][len(schemes)]atomic.Pointer[activeSlot]
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
	rec := &Recorder{
		skip: cfg.Skip, extra: cfg.Extra, nExtra: len(cfg.ExtraKeys), template: cfg.Template,
		methods: defaultMethods, server: cfg.Server, seed: maphash.MakeSeed(),
	}
	if cfg.Methods != nil {
		rec.methods = append([]string{otherMethod}, cfg.Methods...)
		rec.known = make(map[string]uint8, len(cfg.Methods))
		for i, m := range cfg.Methods {
			rec.known[m] = uint8(i + 1)
		}
	}
	rec.active = make([][len(schemes)]atomic.Pointer[activeSlot], len(rec.methods))
	own := ServerKeys()[:len(rec.server)]
	var ownInts []string
	if len(own) == 2 {
		ownInts = []string{string(keyServerPort)}
	}
	keys := slices.Concat(RequestKeys(), own, cfg.ExtraKeys)
	ints := slices.Concat([]string{string(keyStatus)}, ownInts)
	rec.duration = in.HistogramVec(port.Desc{Name: "http.server.request.duration",
		Description: "Duration of HTTP server requests.", Unit: "s", Keys: keys, IntKeys: ints, Buckets: cfg.Buckets})
	rec.reqSize = in.HistogramVec(port.Desc{Name: "http.server.request.body.size",
		Description: "Size of HTTP server request bodies.", Unit: "By", Keys: keys, IntKeys: ints})
	rec.respSize = in.HistogramVec(port.Desc{Name: "http.server.response.body.size",
		Description: "Size of HTTP server response bodies.", Unit: "By", Keys: keys, IntKeys: ints})
	rec.activeVec = in.UpDownCounterVec(port.Desc{Name: "http.server.active_requests",
		Description: "Number of active HTTP server requests.", Unit: "{request}",
		Keys: slices.Concat([]string{string(keyMethod), string(keyScheme)}, own), IntKeys: ownInts})
	return rec
}

// methodIndex maps a request method to its index in rec.methods, without
// keeping the client's string.
func (rec *Recorder) methodIndex(m string) uint8 {
	if rec.known == nil {
		return defaultMethodIndex(m)
	}
	return rec.known[m]
}

type activeSlot struct{ c port.UpDownCounter }

// inFlight returns the in-flight counter of a method and a scheme.
func (rec *Recorder) inFlight(method, scheme uint8) port.UpDownCounter {
	slot := &rec.active[method][scheme]
	if s := slot.Load(); s != nil {
		return s.c
	}
	values := port.Values{rec.methods[method], schemes[scheme]}
	copy(values[2:], rec.server)
	s := &activeSlot{c: rec.activeVec.Bind(values)}
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
	q := Request{method: rec.methodIndex(r.Method), scheme: schemeIndex(r)}
	rec.inFlight(q.method, q.scheme).Add(1)
	q.start = time.Now()
	return q
}

// Outcome is what the server did with a request, as the middleware saw it.
type Outcome struct {
	// Status is the status code the handler set (200 when it set none).
	Status int
	// RespBytes are the response body bytes the handler wrote.
	RespBytes int64
	// ReqBytes are the request body bytes to record, -1 for none
	// ([RequestBodySize]).
	ReqBytes int64
	// Committed: the response has gone out to the connection (a body
	// write, a flush, a hijack); until then the status is only buffered.
	Committed bool
	// Aborted: the client had gone ([ClientGone]) when the response was
	// first committed, so what was committed never reached it.
	Aborted  bool
	Panicked bool
}

// ClientGone reports whether ctx, the request's context, ended because the
// client went away: net/http cancels it (context.Canceled, with no other
// cause) when the connection is closed or the HTTP/2 stream reset. A
// deadline (http.TimeoutHandler) is not the client leaving, nor is a base
// context cancelled with a cause (context.WithCancelCause, for a
// shutdown). The middleware asks once per request, when the response is
// first committed, and at the end when nothing was.
func ClientGone(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled) && errors.Is(context.Cause(ctx), context.Canceled)
}

// End takes r out of the in-flight count and records its outcome. routeOf
// returns a template, or "" for no match; it is called after the in-flight
// count is settled, so that a route function of the user's that panics
// cannot leave the request counted in flight.
//
// The status recorded is the one sent. A panic keeps the status of a
// response already on its way (error.type "panic"); with nothing on its way
// it is a 500. A request whose client went away ([ClientGone]) before the
// response was on its way is recorded with no status code and error.type
// "client_aborted": nothing reached the client, whatever status the handler
// set or wrote after the fact.
func (rec *Recorder) End(r *http.Request, q Request, routeOf func() string, o Outcome) {
	rec.inFlight(q.method, q.scheme).Add(-1)
	route := routeOf()
	if route == "" {
		route = UnmatchedRoute
	}
	key := attrKey{route: route, status: o.Status, method: q.method, scheme: q.scheme, proto: protoIndex(r)}
	switch {
	case o.Panicked:
		key.err = errPanic
		if !o.Committed || o.Aborted {
			key.status = http.StatusInternalServerError
		}
	case o.Aborted || !o.Committed && ClientGone(r.Context()):
		key.err, key.status = errAborted, 0
	}
	if rec.extra != nil {
		copy(key.extra[:rec.nExtra], rec.extra(r))
	}
	b := rec.bind(key)
	b.duration.RecordSince(r.Context(), q.start) // one clock read for the duration and its exemplar
	if o.ReqBytes >= 0 {
		rec.recordReqSize(b, float64(o.ReqBytes))
	}
	if r.Method == http.MethodHead {
		// A HEAD response carries no body, whatever the handler wrote: the
		// server drops it.
		o.RespBytes = 0
	}
	b.respSize.Record(float64(o.RespBytes))
}

// bind returns the histograms of key, binding them on first use.
func (rec *Recorder) bind(key attrKey) *bound {
	//nolint:gosec // mixing bits into a hash: the sign of status is irrelevant.
	h := maphash.String(rec.seed, key.route) ^ uint64(key.status)<<32 ^
		uint64(key.method)<<24 ^ uint64(key.scheme)<<16 ^ uint64(key.proto)<<8 ^ uint64(key.err)
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
		rec.methods[key.method], schemes[key.scheme], rec.routeTemplate(key.route), "", protos[key.proto],
	}
	if key.status != 0 {
		values[3] = strconv.Itoa(key.status)
	}
	switch {
	case key.err == errPanic:
		values[5] = panicError
	case key.err == errAborted:
		values[5] = abortedError
	case key.status >= 500:
		values[5] = strconv.Itoa(key.status)
	}
	n := copy(values[6:], rec.server)
	copy(values[6+n:], key.extra[:rec.nExtra])
	return &bound{
		duration: rec.duration.Bind(values),
		respSize: rec.respSize.Bind(values),
		values:   values,
	}
}

func (rec *Recorder) routeTemplate(route string) string {
	if rec.template == nil || route == UnmatchedRoute {
		return route
	}
	return rec.template(route)
}
