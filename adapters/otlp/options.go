package otlp

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/compozy/monitoring/adapters/internal/sdk"
)

// Protocols accepted by [WithProtocol], as OTEL_EXPORTER_OTLP_PROTOCOL
// spells them.
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"
)

// Temporalities accepted by [WithTemporality], as
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE spells them.
const (
	TemporalityCumulative = "cumulative"
	TemporalityDelta      = "delta"
	TemporalityLowMemory  = "lowmemory"
)

// Defaults, those of the OpenTelemetry specification.
const (
	DefaultEndpointHTTP = "http://localhost:4318/v1/metrics"
	DefaultEndpointGRPC = "http://localhost:4317"
	DefaultInterval     = time.Minute
	DefaultTimeout      = 10 * time.Second
	// DefaultErrorInterval is how often an export that keeps failing is
	// logged at most.
	DefaultErrorInterval = sdk.DefaultExportErrorInterval
)

type config struct {
	sdk         sdk.Settings
	protocol    string
	endpoint    string
	headers     map[string]string
	tls         *tls.Config
	insecure    bool
	gzip        bool
	interval    time.Duration
	timeout     time.Duration
	temporality string
	logger      *slog.Logger
	errorEvery  time.Duration
}

// Option configures the OTLP adapter.
type Option func(*config)

// WithProtocol sets the transport: [ProtocolHTTP] (the default) or
// [ProtocolGRPC].
func WithProtocol(p string) Option { return func(c *config) { c.protocol = p } }

// WithEndpoint sets the URL metrics are sent to: for HTTP the full URL,
// path included (http://collector:4318/v1/metrics); for gRPC the scheme,
// host and port (http://collector:4317). The http scheme sends in plain
// text, https over TLS.
func WithEndpoint(url string) Option { return func(c *config) { c.endpoint = url } }

// WithHeaders sets headers sent with every export (an API key). They are
// never logged.
func WithHeaders(h map[string]string) Option { return func(c *config) { c.headers = h } }

// WithTLS sets the TLS configuration of an https endpoint: the CA that
// signs the collector's certificate and, for mutual TLS, the client
// certificate.
func WithTLS(cfg *tls.Config) Option { return func(c *config) { c.tls = cfg } }

// WithInsecure sends in plain text whatever the endpoint's scheme.
func WithInsecure() Option { return func(c *config) { c.insecure = true } }

// WithGzip compresses exports with gzip.
func WithGzip() Option { return func(c *config) { c.gzip = true } }

// WithInterval sets how often metrics are exported; the default is
// [DefaultInterval].
func WithInterval(d time.Duration) Option { return func(c *config) { c.interval = d } }

// WithTimeout bounds one export, its retries included; the default is
// [DefaultTimeout].
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithTemporality sets the temporality of sums and histograms:
// [TemporalityCumulative] (the default), [TemporalityDelta] or
// [TemporalityLowMemory] (delta for synchronous counters and histograms,
// cumulative for the rest).
func WithTemporality(t string) Option { return func(c *config) { c.temporality = t } }

// WithServiceName sets the resource's service.name, of a backend built by
// [New].
func WithServiceName(name string) Option { return func(c *config) { c.sdk.ServiceName = name } }

// WithInstanceID sets the resource's service.instance.id, of a backend built
// by [New]; the default is a random identifier made at start, unique per
// process.
func WithInstanceID(id string) Option { return func(c *config) { c.sdk.InstanceID = id } }

// WithMeterName sets the instrumentation scope of the meter returned by
// Meter, of a backend built by [New].
func WithMeterName(name string) Option { return func(c *config) { c.sdk.MeterName = name } }

// WithCardinalityLimit caps the series one instrument keeps, of a backend
// built by [New]; zero or less removes the cap.
func WithCardinalityLimit(limit int) Option {
	return func(c *config) { c.sdk.CardinalityLimit = limit }
}

// WithLogger sets where failed exports are logged; the default is
// slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithErrorInterval sets how often an export that keeps failing is logged
// at most; the default is [DefaultErrorInterval]. The recovery
// is always logged, and every failure counted.
func WithErrorInterval(d time.Duration) Option { return func(c *config) { c.errorEvery = d } }
