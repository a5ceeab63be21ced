package otlp

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/compozy/monitoring/adapters/internal/sdk"
	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/port"
)

// Name is the backend name this adapter reports in its status.
const Name = "otlp"

// Adapter is the OTLP backend on a MeterProvider of its own. It implements
// [port.Monitoring].
type Adapter struct {
	*sdk.Backend
}

var _ port.Monitoring = (*Adapter)(nil)

// New builds the backend on a MeterProvider of its own and starts its
// periodic reader. It never contacts the collector: an unreachable one is
// reported by the status and the log, not by New. It fails, with nothing
// left running, when an option cannot be used.
func New(ctx context.Context, opts ...Option) (*Adapter, error) {
	cfg := newConfig(opts)
	if cfg.sdk.InstanceID == "" {
		cfg.sdk.InstanceID = NewInstanceID()
	}
	b, err := sdk.Single(ctx, Name, cfg.sdk, cfg.logger,
		func(instruments *fast.Registry) (sdk.Part, error) { return newPart(ctx, cfg, instruments) })
	if err != nil {
		return nil, err
	}
	return &Adapter{Backend: b}, nil
}

// NewPart builds this backend's part of a MeterProvider shared with other
// backends: a periodic reader over the OTLP exporter, reading instruments
// through a view of its own temporality. Only the options of the export
// apply; the provider's settings (resource, scope, limit) are the caller's.
func NewPart(ctx context.Context, instruments *fast.Registry, opts ...Option) (sdk.Part, error) {
	return newPart(ctx, newConfig(opts), instruments)
}

// NewInstanceID returns a random service.instance.id, unique per process:
// without one, two replicas pushing cumulative series to one collector
// would overwrite each other's numbers.
func NewInstanceID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails.
	b[6] = b[6]&0x0f | 0x40 // a version 4 UUID
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func newConfig(opts []Option) config {
	cfg := config{
		sdk: sdk.DefaultSettings(), protocol: ProtocolHTTP, interval: DefaultInterval, timeout: DefaultTimeout,
		temporality: TemporalityCumulative, logger: slog.Default(), errorEvery: DefaultErrorInterval,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.endpoint == "" {
		cfg.endpoint = DefaultEndpointHTTP
		if cfg.protocol == ProtocolGRPC {
			cfg.endpoint = DefaultEndpointGRPC
		}
	}
	return cfg
}

// check refuses the options the backend cannot run with, naming them.
func (c config) check() error {
	var errs []error
	if c.protocol != ProtocolHTTP && c.protocol != ProtocolGRPC {
		errs = append(errs, fmt.Errorf("the protocol %q is not %s or %s", c.protocol, ProtocolHTTP, ProtocolGRPC))
	}
	if u, err := url.Parse(c.endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("the endpoint %q is not an http:// or https:// URL with a host", c.endpoint))
	} else if c.tls != nil && (u.Scheme == "http" || c.insecure) {
		errs = append(errs, fmt.Errorf("TLS settings are given but the endpoint %q is plain text: use https://", c.endpoint))
	}
	if c.interval <= 0 {
		errs = append(errs, fmt.Errorf("the interval %s is not positive", c.interval))
	}
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("the timeout %s is not positive", c.timeout))
	}
	if c.errorEvery <= 0 {
		errs = append(errs, fmt.Errorf("the error interval %s is not positive", c.errorEvery))
	}
	if !slices.Contains([]string{TemporalityCumulative, TemporalityDelta, TemporalityLowMemory}, c.temporality) {
		errs = append(errs, fmt.Errorf("the temporality %q is not %s, %s or %s",
			c.temporality, TemporalityCumulative, TemporalityDelta, TemporalityLowMemory))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s backend: %w", Name, err)
	}
	return nil
}

func newPart(ctx context.Context, cfg config, instruments *fast.Registry) (sdk.Part, error) {
	if err := cfg.check(); err != nil {
		return sdk.Part{}, err
	}
	// The transport reports every attempt to the tracked exporter, made
	// below and before the reader starts, hence before any export.
	var tracked *sdk.TrackedExporter
	exporter, err := newExporter(ctx, cfg, func(err error) { tracked.Attempted(err) })
	if err != nil {
		return sdk.Part{}, fmt.Errorf("%s backend: creating the exporter: %w", Name, err)
	}
	tracked = sdk.Track(Name, exporter, instruments, cfg.logger, cfg.errorEvery)
	reader := sdkmetric.NewPeriodicReader(tracked,
		sdkmetric.WithInterval(cfg.interval),
		sdkmetric.WithTimeout(cfg.timeout),
		sdkmetric.WithProducer(instruments.ForReader(exporter.Temporality)))
	return sdk.Part{Name: Name, Reader: reader, Exporter: tracked}, nil
}

// newExporter builds the OTLP exporter of cfg. Neither transport connects
// here: the first export does.
//
// Compression and headers are always given, an empty map when there are
// none: the exporter would otherwise read OTEL_EXPORTER_OTLP_[METRICS_]
// COMPRESSION and _HEADERS itself, over what the options say, so the
// options are the only source.
//
// attempted is told the outcome of every attempt, retries included.
func newExporter(ctx context.Context, cfg config, attempted func(error)) (sdkmetric.Exporter, error) {
	selector := temporalitySelector(cfg.temporality)
	// Retries back off from half a second, and stop at the export timeout
	// (the context of each export ends there anyway).
	initial, maxBackoff := min(500*time.Millisecond, cfg.timeout/4), min(5*time.Second, cfg.timeout/2)
	headers := maps.Clone(cfg.headers)
	if headers == nil {
		headers = map[string]string{}
	}
	if cfg.protocol == ProtocolGRPC {
		compressor := "none"
		if cfg.gzip {
			compressor = "gzip"
		}
		opts := []otlpmetricgrpc.Option{
			otlpmetricgrpc.WithEndpointURL(cfg.endpoint),
			otlpmetricgrpc.WithTimeout(cfg.timeout),
			otlpmetricgrpc.WithTemporalitySelector(selector),
			otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{
				Enabled: true, InitialInterval: initial, MaxInterval: maxBackoff, MaxElapsedTime: cfg.timeout,
			}),
			otlpmetricgrpc.WithHeaders(headers),
			otlpmetricgrpc.WithCompressor(compressor),
			otlpmetricgrpc.WithDialOption(grpc.WithChainUnaryInterceptor(
				func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
					invoker grpc.UnaryInvoker, opts ...grpc.CallOption,
				) error {
					err := invoker(ctx, method, req, reply, cc, opts...)
					attempted(err)
					return err
				})),
		}
		switch {
		case cfg.insecure:
			opts = append(opts, otlpmetricgrpc.WithInsecure())
		case cfg.tls != nil:
			opts = append(opts, otlpmetricgrpc.WithTLSCredentials(credentials.NewTLS(cfg.tls)))
		}
		// The exporter dials its own connection and closes it at Shutdown.
		return otlpmetricgrpc.New(ctx, opts...) //nolint:wrapcheck // wrapped by the caller.
	}
	compression := otlpmetrichttp.NoCompression
	if cfg.gzip {
		compression = otlpmetrichttp.GzipCompression
	}
	// A transport of our own, closed at Shutdown: the exporter's default
	// one is shared by the whole process and would keep the keep-alive
	// connection to the collector open after Shutdown.
	transport := newTransport(cfg.tls)
	opts := []otlpmetrichttp.Option{
		otlpmetrichttp.WithEndpointURL(cfg.endpoint),
		otlpmetrichttp.WithTimeout(cfg.timeout),
		otlpmetrichttp.WithTemporalitySelector(selector),
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{
			Enabled: true, InitialInterval: initial, MaxInterval: maxBackoff, MaxElapsedTime: cfg.timeout,
		}),
		otlpmetrichttp.WithHeaders(headers),
		otlpmetrichttp.WithCompression(compression),
		otlpmetrichttp.WithHTTPClient(&http.Client{
			Transport: attemptsOf{next: transport, attempted: attempted}, Timeout: cfg.timeout,
		}),
	}
	if cfg.insecure {
		opts = append(opts, otlpmetrichttp.WithInsecure())
	}
	exporter, err := otlpmetrichttp.New(ctx, opts...)
	if err != nil {
		transport.CloseIdleConnections()
		return nil, err //nolint:wrapcheck // wrapped by the caller.
	}
	return closingExporter{Exporter: exporter, transport: transport}, nil
}

// newTransport returns a transport like http.DefaultTransport's, with the
// TLS configuration of an https endpoint.
func newTransport(tlsCfg *tls.Config) *http.Transport {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if tlsCfg != nil {
		t.TLSClientConfig = tlsCfg.Clone()
	}
	return t
}

// attemptsOf reports the outcome of every request to attempted: the
// transport's error, or the status of an answer that is not a success.
type attemptsOf struct {
	next      http.RoundTripper
	attempted func(error)
}

func (a attemptsOf) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(req)
	switch {
	case err != nil:
		a.attempted(err)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		a.attempted(fmt.Errorf("the collector answered %s", resp.Status))
	default:
		a.attempted(nil)
	}
	return resp, err //nolint:wrapcheck // a transport's own error.
}

// closingExporter closes the idle connections of its transport once the
// exporter is shut down.
type closingExporter struct {
	sdkmetric.Exporter

	transport *http.Transport
}

// Shutdown shuts the exporter down and closes the connections it kept.
func (e closingExporter) Shutdown(ctx context.Context) error {
	err := e.Exporter.Shutdown(ctx)
	e.transport.CloseIdleConnections()
	return err //nolint:wrapcheck // the exporter's own error.
}

// temporalitySelector returns the SDK selector of a temporality preference.
func temporalitySelector(t string) sdkmetric.TemporalitySelector {
	switch t {
	case TemporalityDelta:
		return sdkmetric.DeltaTemporalitySelector
	case TemporalityLowMemory:
		return func(k sdkmetric.InstrumentKind) metricdata.Temporality {
			if k == sdkmetric.InstrumentKindCounter || k == sdkmetric.InstrumentKindHistogram {
				return metricdata.DeltaTemporality
			}
			return metricdata.CumulativeTemporality
		}
	default:
		return sdkmetric.CumulativeTemporalitySelector
	}
}
