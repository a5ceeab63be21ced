// Package otlptest is an in-process OTLP metrics receiver for tests, over
// HTTP/protobuf or gRPC on 127.0.0.1: it decodes the real protobuf of each
// export, keeps it, and can be told to refuse (503 / UNAVAILABLE) or to
// hang, to play a collector that is down or slow.
package otlptest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // the server side of gzip compression
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Mode is how the receiver answers an export.
type Mode int

// Modes of the receiver.
const (
	// Accept keeps the export and answers success.
	Accept Mode = iota
	// Unavailable answers 503 (HTTP) or UNAVAILABLE (gRPC) and keeps nothing.
	Unavailable
	// Hang holds the export until the client gives up or the receiver closes.
	Hang
	// Discard answers success and keeps nothing, for benchmarks.
	Discard
)

// Receiver is an OTLP metrics receiver. Its methods are safe for
// concurrent use.
type Receiver struct {
	// URL is the endpoint to export to: the full /v1/metrics URL for
	// HTTP, http://host:port for gRPC.
	URL string

	mu       sync.Mutex
	mode     Mode
	requests []*colmetricpb.ExportMetricsServiceRequest
	header   map[string]string // the headers (gRPC metadata) of the last export
	encoding string            // the compression of the last export, "" when none
	paths    []string          // the URL path of every HTTP request, in arrival order
	refused  int
	arrived  chan struct{} // signalled (without blocking) on every export attempt
	release  chan struct{} // closed at the end to free hanging exports
	closing  sync.Once
	stop     func()
	listener net.Listener
}

func newReceiver(t testing.TB, addr string) *Receiver {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("otlptest: listening: %v", err)
	}
	return &Receiver{arrived: make(chan struct{}, 1), release: make(chan struct{}), listener: ln}
}

// NewHTTP starts an OTLP/HTTP receiver on a free port of 127.0.0.1,
// stopped at the end of the test.
func NewHTTP(t testing.TB) *Receiver { t.Helper(); return NewHTTPAt(t, "127.0.0.1:0") }

// NewGRPC starts an OTLP/gRPC receiver on a free port of 127.0.0.1,
// stopped at the end of the test.
func NewGRPC(t testing.TB) *Receiver { t.Helper(); return NewGRPCAt(t, "127.0.0.1:0") }

// NewHTTPAt starts an OTLP/HTTP receiver on addr (a collector restarted
// where it was), stopped at the end of the test.
func NewHTTPAt(t testing.TB, addr string) *Receiver {
	t.Helper()
	r := newReceiver(t, addr)
	srv := &http.Server{Handler: http.HandlerFunc(r.serveHTTP), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(r.listener) }()
	r.URL = "http://" + r.listener.Addr().String() + "/v1/metrics"
	r.stop = func() { _ = srv.Close(); <-done }
	t.Cleanup(r.Close)
	return r
}

// NewHTTPS starts an OTLP/HTTP receiver over TLS on 127.0.0.1 with a
// certificate of its own, and returns it with that certificate's CA in PEM,
// for a client's ca_file. When clientCAs is not nil, the receiver asks for
// a client certificate signed by one of them (mutual TLS).
func NewHTTPS(t testing.TB, clientCAs *x509.CertPool) (*Receiver, []byte) {
	t.Helper()
	r := newReceiver(t, "127.0.0.1:0")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(r.serveHTTP))
	_ = srv.Listener.Close()
	srv.Listener = r.listener
	if clientCAs != nil {
		srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs, MinVersion: tls.VersionTLS12}
	}
	srv.StartTLS()
	r.URL = srv.URL + "/v1/metrics"
	r.stop = srv.Close
	t.Cleanup(r.Close)
	return r, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

// NewGRPCAt starts an OTLP/gRPC receiver on addr, stopped at the end of
// the test.
func NewGRPCAt(t testing.TB, addr string) *Receiver {
	t.Helper()
	r := newReceiver(t, addr)
	srv := grpc.NewServer(grpc.StatsHandler(compressionSeen{r: r}))
	colmetricpb.RegisterMetricsServiceServer(srv, grpcService{r: r})
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(r.listener) }()
	r.URL = "http://" + r.listener.Addr().String()
	r.stop = func() { srv.Stop(); <-done }
	t.Cleanup(r.Close)
	return r
}

// Addr is the host:port the receiver listens on.
func (r *Receiver) Addr() string { return r.listener.Addr().String() }

// Close stops the receiver, freeing the exports it holds; it is
// idempotent.
func (r *Receiver) Close() {
	r.closing.Do(func() {
		close(r.release)
		r.stop()
	})
}

// SetMode sets how the next exports are answered.
func (r *Receiver) SetMode(m Mode) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mode = m
}

// Requests returns the exports kept so far, in arrival order.
func (r *Receiver) Requests() []*colmetricpb.ExportMetricsServiceRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*colmetricpb.ExportMetricsServiceRequest(nil), r.requests...)
}

// Header returns the value of the header (gRPC metadata) key of the last
// export, key in lower case.
func (r *Receiver) Header(key string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.header[key]
}

func (r *Receiver) setHeader(h map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.header = h
}

// Compression returns the compression of the last export: "gzip", or ""
// when it was sent uncompressed (HTTP Content-Encoding, gRPC grpc-encoding).
func (r *Receiver) Compression() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.encoding
}

func (r *Receiver) setCompression(c string) {
	if c == "identity" {
		c = ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.encoding = c
}

// Paths returns the URL path of every HTTP request received, in arrival
// order, those refused for not being /v1/metrics included.
func (r *Receiver) Paths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.paths...)
}

// Refused returns how many exports were answered with an error.
func (r *Receiver) Refused() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refused
}

// Arrived is signalled when an export arrives (accepted, refused or held);
// several arrivals may share one signal.
func (r *Receiver) Arrived() <-chan struct{} { return r.arrived }

// receive applies the mode to one export and reports whether it was kept.
func (r *Receiver) receive(ctx context.Context, req *colmetricpb.ExportMetricsServiceRequest) Mode {
	r.mu.Lock()
	mode := r.mode
	switch mode {
	case Accept:
		r.requests = append(r.requests, req)
	case Discard:
	default:
		r.refused++
	}
	r.mu.Unlock()
	select {
	case r.arrived <- struct{}{}:
	default:
	}
	if mode == Hang {
		select {
		case <-ctx.Done():
		case <-r.release:
		}
	}
	return mode
}

func (r *Receiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.paths = append(r.paths, req.URL.Path)
	r.mu.Unlock()
	if req.Method != http.MethodPost || req.URL.Path != "/v1/metrics" {
		http.Error(w, "not an OTLP metrics export", http.StatusNotFound)
		return
	}
	h := map[string]string{}
	for k := range req.Header {
		h[strings.ToLower(k)] = req.Header.Get(k)
	}
	r.setHeader(h)
	r.setCompression(req.Header.Get("Content-Encoding"))
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer func() { _ = gz.Close() }()
		body = gz
	}
	data, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	msg := &colmetricpb.ExportMetricsServiceRequest{}
	if err := proto.Unmarshal(data, msg); err != nil {
		http.Error(w, "not protobuf: "+err.Error(), http.StatusBadRequest)
		return
	}
	switch r.receive(req.Context(), msg) {
	case Accept, Discard:
		out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = io.Copy(w, bytes.NewReader(out))
	default:
		http.Error(w, "collector unavailable", http.StatusServiceUnavailable)
	}
}

// compressionSeen records the compression of each gRPC export, which the
// server does not hand to the method in its metadata.
type compressionSeen struct{ r *Receiver }

func (c compressionSeen) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }

func (c compressionSeen) HandleRPC(_ context.Context, s stats.RPCStats) {
	if h, ok := s.(*stats.InHeader); ok {
		c.r.setCompression(h.Compression)
	}
}

func (c compressionSeen) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}

func (c compressionSeen) HandleConn(context.Context, stats.ConnStats) {}

type grpcService struct {
	colmetricpb.UnimplementedMetricsServiceServer
	r *Receiver
}

func (s grpcService) Export(ctx context.Context, req *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	h := map[string]string{}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		for k, v := range md {
			h[k] = strings.Join(v, ",")
		}
	}
	s.r.setHeader(h)
	if m := s.r.receive(ctx, req); m != Accept && m != Discard {
		return nil, status.Error(codes.Unavailable, "collector unavailable") //nolint:wrapcheck // a gRPC status.
	}
	return &colmetricpb.ExportMetricsServiceResponse{}, nil
}

// Point is one data point of an export, flattened.
type Point struct {
	Metric      string
	Unit        string
	Scope       string
	Temporality metricpb.AggregationTemporality
	Monotonic   bool
	Kind        string // "sum", "gauge" or "histogram"
	Attrs       map[string]string
	Resource    map[string]string
	// Value is a sum's or a gauge's value, a histogram's count.
	Value float64
	// Sum and Buckets are a histogram's.
	Sum     float64
	Buckets []uint64
	Bounds  []float64
	// Exemplars are a histogram's, as exported.
	Exemplars []*metricpb.Exemplar
}

// Points returns every data point of the kept exports named metric, in
// arrival order.
func (r *Receiver) Points(metric string) []Point {
	var out []Point
	for _, req := range r.Requests() {
		for _, rm := range req.GetResourceMetrics() {
			res := attrs(rm.GetResource().GetAttributes())
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					if m.GetName() != metric {
						continue
					}
					out = append(out, points(m, sm.GetScope().GetName(), res)...)
				}
			}
		}
	}
	return out
}

func points(m *metricpb.Metric, scope string, res map[string]string) []Point {
	base := Point{Metric: m.GetName(), Unit: m.GetUnit(), Scope: scope, Resource: res}
	var out []Point
	switch d := m.GetData().(type) {
	case *metricpb.Metric_Sum:
		for _, dp := range d.Sum.GetDataPoints() {
			p := base
			p.Kind, p.Temporality, p.Monotonic = "sum", d.Sum.GetAggregationTemporality(), d.Sum.GetIsMonotonic()
			p.Attrs, p.Value = attrs(dp.GetAttributes()), number(dp)
			out = append(out, p)
		}
	case *metricpb.Metric_Gauge:
		for _, dp := range d.Gauge.GetDataPoints() {
			p := base
			p.Kind, p.Attrs, p.Value = "gauge", attrs(dp.GetAttributes()), number(dp)
			out = append(out, p)
		}
	case *metricpb.Metric_Histogram:
		for _, dp := range d.Histogram.GetDataPoints() {
			p := base
			p.Kind, p.Temporality = "histogram", d.Histogram.GetAggregationTemporality()
			p.Attrs, p.Value, p.Sum = attrs(dp.GetAttributes()), float64(dp.GetCount()), dp.GetSum()
			p.Buckets, p.Bounds, p.Exemplars = dp.GetBucketCounts(), dp.GetExplicitBounds(), dp.GetExemplars()
			out = append(out, p)
		}
	}
	return out
}

func number(dp *metricpb.NumberDataPoint) float64 {
	if v, ok := dp.GetValue().(*metricpb.NumberDataPoint_AsInt); ok {
		return float64(v.AsInt)
	}
	return dp.GetAsDouble()
}

func attrs(kvs []*commonpb.KeyValue) map[string]string {
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		v := kv.GetValue()
		switch x := v.GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			out[kv.GetKey()] = x.StringValue
		case *commonpb.AnyValue_IntValue:
			out[kv.GetKey()] = strconv.FormatInt(x.IntValue, 10)
		case *commonpb.AnyValue_BoolValue:
			out[kv.GetKey()] = strconv.FormatBool(x.BoolValue)
		default:
			out[kv.GetKey()] = v.String()
		}
	}
	return out
}
