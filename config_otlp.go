package monitoring

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/sdk/resource"
	"go.yaml.in/yaml/v3"

	otlpadapter "github.com/compozy/monitoring/adapters/otlp"
	"github.com/compozy/monitoring/internal/safefile"
)

// Settings of the otlp backend accepted in [OTLPConfig].
const (
	OTLPProtocolHTTP = "http/protobuf"
	OTLPProtocolGRPC = "grpc"

	OTLPCompressionNone = "none"
	OTLPCompressionGzip = "gzip"

	OTLPTemporalityCumulative = "cumulative"
	OTLPTemporalityDelta      = "delta"
	OTLPTemporalityLowMemory  = "lowmemory"

	// MinOTLPInterval is the shortest export interval accepted.
	MinOTLPInterval = time.Second
	// MaxOTLPTimeout bounds one export, its retries included.
	MaxOTLPTimeout = 5 * time.Minute
	// maxOTLPHeaders bounds the headers of an export.
	maxOTLPHeaders = 32
)

// OTLPConfig is the otlp backend's configuration, under the otlp key in
// YAML and the MONITORING_OTLP_* variables. The standard OTEL_EXPORTER_OTLP_*
// variables (and OTEL_METRIC_EXPORT_INTERVAL) sit between the two: they win
// over the YAML file, and a MONITORING_OTLP_* variable that is set wins over
// them. They are read only when otlp is among the backends (see
// docs/otlp.md).
type OTLPConfig struct {
	// Protocol is http/protobuf (the default) or grpc.
	Protocol string `yaml:"protocol" env:"PROTOCOL"`
	// Endpoint is the collector's URL. For http/protobuf a URL without a
	// path gets /v1/metrics (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT excepted:
	// it is used as is); for grpc the path is ignored. http:// sends in
	// plain text, https:// over TLS. Empty: http://localhost:4318/v1/metrics
	// or http://localhost:4317.
	Endpoint string `yaml:"endpoint" env:"ENDPOINT"`
	// Headers are sent with every export, as key=value pairs separated by
	// commas, values URL-encoded (an API key). From the environment only,
	// never from YAML; HeadersFile is the other way to give them.
	Headers Secret `yaml:"-" env:"HEADERS"`
	// HeadersFile names a file holding the headers, in the same format.
	HeadersFile string `yaml:"headers_file" env:"HEADERS_FILE"`
	// CAFile names a PEM file of the CA that signs the collector's
	// certificate; empty means the system's roots.
	CAFile string `yaml:"ca_file" env:"CA_FILE"`
	// ClientCertFile and ClientKeyFile name the PEM client certificate and
	// key of mutual TLS; both or neither.
	ClientCertFile string `yaml:"client_cert_file" env:"CLIENT_CERT_FILE"`
	ClientKeyFile  string `yaml:"client_key_file" env:"CLIENT_KEY_FILE"`
	// Insecure sends in plain text even to an https:// endpoint.
	Insecure bool `yaml:"insecure" env:"INSECURE"`
	// Compression is none (the default) or gzip.
	Compression string `yaml:"compression" env:"COMPRESSION"`
	// Interval is how often metrics are exported.
	Interval time.Duration `yaml:"interval" env:"INTERVAL"`
	// Timeout bounds one export, its retries included.
	Timeout time.Duration `yaml:"timeout" env:"TIMEOUT"`
	// Temporality of sums and histograms: cumulative (the default), delta,
	// or lowmemory (delta for counters and histograms only).
	Temporality string `yaml:"temporality" env:"TEMPORALITY"`
}

// defaultOTLPConfig is the otlp key's defaults, those of the OpenTelemetry
// specification.
func defaultOTLPConfig() OTLPConfig {
	return OTLPConfig{
		Protocol: OTLPProtocolHTTP, Compression: OTLPCompressionNone,
		Interval: otlpadapter.DefaultInterval, Timeout: otlpadapter.DefaultTimeout, Temporality: OTLPTemporalityCumulative,
	}
}

// otlpEndpoint is the URL the exporter is given: the default of the
// protocol; OTEL_EXPORTER_OTLP_METRICS_ENDPOINT as is, as the
// specification says of a signal-specific endpoint; for HTTP, a base URL
// of OTEL_EXPORTER_OTLP_ENDPOINT with /v1/metrics appended to its path,
// and an endpoint of ours without a path with /v1/metrics; otherwise
// Endpoint as is.
func (c *Config) otlpEndpoint() string {
	o := c.OTLP
	from := c.otelFrom["otlp.endpoint"]
	switch {
	case from == otelMetricsEndpoint:
		return o.Endpoint
	case from == otelEndpoint && o.Protocol == OTLPProtocolHTTP:
		if u, err := url.Parse(o.Endpoint); err == nil {
			u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/metrics"
			return u.String()
		}
	case o.Endpoint == "" && o.Protocol == OTLPProtocolGRPC:
		return "http://localhost:4317"
	case o.Endpoint == "":
		return "http://localhost:4318/v1/metrics"
	case o.Protocol == OTLPProtocolHTTP:
		if u, err := url.Parse(o.Endpoint); err == nil && (u.Path == "" || u.Path == "/") {
			u.Path = "/v1/metrics"
			return u.String()
		}
	}
	return o.Endpoint
}

// validateOTLP reports the otlp settings that cannot be used.
func (c *Config) validateOTLP() []error {
	var errs []error
	o := c.OTLP
	bad := func(field, envName, value, allowed string) {
		errs = append(errs, &FieldError{Field: "otlp." + field, Env: c.otlpEnv(field, envName), Value: shorten(value), Allowed: allowed})
	}
	// remove says which OTEL_* variable set a TLS file, when one did: the
	// one to unset to resolve a conflict with a plain-text endpoint.
	remove := func() string {
		var names []string
		for _, k := range []string{"otlp.ca_file", "otlp.client_cert_file", "otlp.client_key_file"} {
			if name := c.otelFrom[k]; name != "" {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return ""
		}
		return " (set by " + strings.Join(names, ", ") + ": unset it)"
	}
	if o.Protocol != OTLPProtocolHTTP && o.Protocol != OTLPProtocolGRPC {
		bad("protocol", "PROTOCOL", o.Protocol, "must be "+OTLPProtocolHTTP+" or "+OTLPProtocolGRPC)
	}
	if o.Endpoint != "" {
		u, err := url.Parse(o.Endpoint)
		if len(o.Endpoint) > maxStringLength || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil {
			bad("endpoint", "ENDPOINT", shownEndpoint(o.Endpoint), "must be an http:// or https:// URL with a host and no "+
				"credentials (give them as headers), such as http://collector:4318")
		} else if u.Scheme == "http" && (o.CAFile != "" || o.ClientCertFile != "") {
			bad("endpoint", "ENDPOINT", shownEndpoint(o.Endpoint), "must be https:// when ca_file or client_cert_file is set "+
				"(plain http would ignore them)"+remove())
		}
	}
	if o.Insecure && (o.CAFile != "" || o.ClientCertFile != "") {
		bad("insecure", "INSECURE", "true", "must be false when ca_file or client_cert_file is set"+remove())
	}
	if (o.ClientCertFile == "") != (o.ClientKeyFile == "") {
		bad("client_key_file", "CLIENT_KEY_FILE", o.ClientKeyFile,
			"must be set with client_cert_file, and only with it (mutual TLS needs both)")
	}
	if o.Compression != OTLPCompressionNone && o.Compression != OTLPCompressionGzip {
		bad("compression", "COMPRESSION", o.Compression, "must be "+OTLPCompressionNone+" or "+OTLPCompressionGzip)
	}
	if o.Interval < MinOTLPInterval || o.Interval > MaxStdoutInterval {
		bad("interval", "INTERVAL", o.Interval.String(),
			"must be a duration from "+MinOTLPInterval.String()+" to "+MaxStdoutInterval.String()+", such as 30s")
	}
	if o.Timeout <= 0 || o.Timeout > MaxOTLPTimeout {
		bad("timeout", "TIMEOUT", o.Timeout.String(), "must be a positive duration up to "+MaxOTLPTimeout.String())
	}
	if !slices.Contains([]string{OTLPTemporalityCumulative, OTLPTemporalityDelta, OTLPTemporalityLowMemory}, o.Temporality) {
		bad("temporality", "TEMPORALITY", o.Temporality,
			"must be one of "+OTLPTemporalityCumulative+", "+OTLPTemporalityDelta+", "+OTLPTemporalityLowMemory)
	}
	if !o.Headers.IsZero() && o.HeadersFile != "" {
		errs = append(errs, c.otlpHeadersSource().fileError(
			"set only one of "+EnvPrefix+"OTLP_HEADERS and otlp.headers_file"))
	}
	for _, f := range []struct{ field, env, value string }{
		{"headers_file", "HEADERS_FILE", o.HeadersFile}, {"ca_file", "CA_FILE", o.CAFile},
		{"client_cert_file", "CLIENT_CERT_FILE", o.ClientCertFile}, {"client_key_file", "CLIENT_KEY_FILE", o.ClientKeyFile},
	} {
		if len(f.value) > maxStringLength {
			bad(f.field, f.env, f.value[:32]+"...", fmt.Sprintf("must be at most %d bytes long", maxStringLength))
		}
	}
	if !o.Headers.IsZero() && c.otelFrom["otlp.headers"] == "" {
		if _, err := parseHeaders(o.Headers.Reveal()); err != nil {
			bad("headers", "HEADERS", redacted, err.Error())
		}
	}
	// The exporter parses both OTEL_* headers variables itself, whichever
	// one was picked or none, and logs a pair it cannot parse as it is: a
	// token in the log. Every one that is set is checked here, so that a
	// bad one stops the start before the exporter sees it.
	for _, name := range []string{otelMetricsHeaders, otelHeaders} {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			if _, err := parseHeaders(v); err != nil {
				errs = append(errs, &FieldError{Field: "otlp.headers", Env: name, Value: redacted, Allowed: err.Error()})
			}
		}
	}
	return errs
}

// otlpEnv is the variable that gave the otlp key field its value: the
// OTEL_* variable it came from, or MONITORING_OTLP_<envName>.
func (c *Config) otlpEnv(field, envName string) string {
	if name := c.otelFrom["otlp."+field]; name != "" {
		return name
	}
	return EnvPrefix + "OTLP_" + envName
}

// hiddenEndpoint stands for an endpoint that is not shown in an error: one
// that does not parse as scheme://host, where a credential could be
// anywhere ("user:password@host" without a scheme, "host:password").
const hiddenEndpoint = "[not shown: not a URL of the form scheme://host; it may hold a credential]"

// shownEndpoint is an endpoint as an error may show it: a URL with a host,
// without its user info (replaced by "REDACTED", the user name included:
// it may be the token), its query and its fragment, bounded by [shorten];
// anything else as [hiddenEndpoint]. A credential put in the endpoint is
// never echoed, whichever setting gave it.
func shownEndpoint(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return hiddenEndpoint
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	u.ForceQuery, u.Fragment, u.RawFragment = false, "", ""
	return shorten(u.String())
}

// shorten bounds a value an error shows: past 64 bytes, the first 32 (cut
// on a character's boundary) and "...".
func shorten(s string) string {
	if len(s) <= 64 {
		return s
	}
	cut := 32
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// otlpSecrets are the headers and the TLS settings of the otlp backend,
// read from the environment and the files the configuration names.
type otlpSecrets struct {
	headers map[string]string
	tls     *tls.Config
}

// otlpSecrets reads the headers file and the TLS files. A file that cannot
// be read or parsed is a [*FieldError] naming its key; a header's value
// never appears in an error.
func (c *Config) otlpSecrets() (otlpSecrets, error) {
	var out otlpSecrets
	raw, err := c.otlpHeadersSource().read()
	if err != nil {
		return out, err
	}
	if raw != "" {
		if out.headers, err = parseHeaders(raw); err != nil {
			field, envName := "headers", "HEADERS"
			if c.OTLP.HeadersFile != "" {
				field, envName = "headers_file", "HEADERS_FILE"
			}
			return out, &FieldError{Field: "otlp." + field, Env: c.otlpEnv(field, envName), Value: redacted, Allowed: err.Error()}
		}
	}
	o := c.OTLP
	if o.CAFile == "" && o.ClientCertFile == "" {
		return out, nil
	}
	out.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := readRegularFile(o.CAFile)
		if err != nil {
			return out, &FieldError{Field: "otlp.ca_file", Env: c.otlpEnv("ca_file", "CA_FILE"), Value: o.CAFile,
				Allowed: "must name a readable PEM file: " + err.Error()}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return out, &FieldError{Field: "otlp.ca_file", Env: c.otlpEnv("ca_file", "CA_FILE"), Value: o.CAFile,
				Allowed: "must hold at least one PEM certificate"}
		}
		out.tls.RootCAs = pool
	}
	if o.ClientCertFile != "" {
		certPEM, err := readRegularFile(o.ClientCertFile)
		if err != nil {
			return out, &FieldError{Field: "otlp.client_cert_file", Env: c.otlpEnv("client_cert_file", "CLIENT_CERT_FILE"),
				Value: o.ClientCertFile, Allowed: "must name a readable PEM file: " + err.Error()}
		}
		keyPEM, err := readRegularFile(o.ClientKeyFile)
		if err != nil {
			return out, &FieldError{Field: "otlp.client_key_file", Env: c.otlpEnv("client_key_file", "CLIENT_KEY_FILE"),
				Value: o.ClientKeyFile, Allowed: "must name a readable PEM file: " + err.Error()}
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return out, &FieldError{Field: "otlp.client_cert_file", Env: c.otlpEnv("client_cert_file", "CLIENT_CERT_FILE"),
				Value: o.ClientCertFile, Allowed: "must be a PEM certificate matching client_key_file: " + err.Error()}
		}
		out.tls.Certificates = []tls.Certificate{cert}
	}
	return out, nil
}

// parseHeaders reads key=value pairs separated by commas, values
// URL-encoded, as OTEL_EXPORTER_OTLP_HEADERS does. Its errors name the
// position, never a value.
func parseHeaders(s string) (map[string]string, error) {
	out := map[string]string{}
	for i, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || !isToken(k) {
			return nil, fmt.Errorf("must be key=value pairs separated by commas: pair %d has no valid key", i+1)
		}
		value, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil || strings.ContainsAny(value, "\r\n") {
			return nil, fmt.Errorf("must be key=value pairs separated by commas: the value of %s is not URL-encoded", k)
		}
		out[k] = value
	}
	if len(out) > maxOTLPHeaders {
		return nil, fmt.Errorf("must hold at most %d headers", maxOTLPHeaders)
	}
	return out, nil
}

// isToken reports whether k is an HTTP header name (an RFC 9110 token), as
// the exporter requires.
func isToken(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return true
}

// The OTEL_* variables whose form or use differs from the others'.
const (
	otelEndpoint        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	otelMetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
	otelHeaders         = "OTEL_EXPORTER_OTLP_HEADERS"
	otelMetricsHeaders  = "OTEL_EXPORTER_OTLP_METRICS_HEADERS"
)

// otelVar is one standard OpenTelemetry variable and the MONITORING_
// variable above it.
type otelVar struct {
	key   string   // the otlp key it sets, such as otlp.endpoint
	names []string // the signal-specific one first
	ours  string   // the MONITORING_ variable that wins over it
	set   func(c *Config, name, value string) error
}

// applyOTelEnv applies the standard OpenTelemetry variables that no
// MONITORING_ variable overrides, over the YAML file: defaults, then the
// file, then OTEL_*, then MONITORING_*. The resource's variables apply to
// every backend; the exporter's only when otlp is among the backends (as
// MONITORING_BACKEND, when set, or else the file names them): for another
// backend they are neither read nor checked.
func applyOTelEnv(c *Config) error {
	var errs []error
	if err := applyOTelResource(c); err != nil {
		errs = append(errs, err)
	}
	if err := applyOTelExemplarFilter(c); err != nil {
		errs = append(errs, err)
	}
	probe := Config{Backend: c.Backend}
	if v, ok := os.LookupEnv(EnvPrefix + "BACKEND"); ok {
		probe.Backend = v
	}
	if !probe.usesOTLP() {
		return errors.Join(errs...)
	}
	for _, v := range otelVars() {
		if _, ok := os.LookupEnv(EnvPrefix + v.ours); ok {
			continue
		}
		for _, name := range v.names {
			value := strings.TrimSpace(os.Getenv(name))
			if value == "" {
				continue // blank is unset: the next variable applies
			}
			if err := v.set(c, name, value); err != nil {
				errs = append(errs, err)
			} else {
				if c.otelFrom == nil {
					c.otelFrom = map[string]string{}
				}
				c.otelFrom[v.key] = name
			}
			break
		}
	}
	return errors.Join(errs...)
}

func otelVars() []otelVar {
	millis := func(key string, set func(c *Config, d time.Duration)) func(c *Config, name, value string) error {
		return func(c *Config, name, value string) error {
			ms, err := strconv.ParseInt(value, 10, 64)
			if err != nil || ms <= 0 {
				return &FieldError{Field: key, Env: name, Value: shorten(value), Allowed: "must be a positive number of milliseconds"}
			}
			set(c, time.Duration(ms)*time.Millisecond)
			return nil
		}
	}
	str := func(set func(c *Config, v string)) func(c *Config, name, value string) error {
		return func(c *Config, _, value string) error { set(c, value); return nil }
	}
	return []otelVar{
		{
			key:   "otlp.protocol",
			names: []string{"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}, ours: "OTLP_PROTOCOL",
			set: str(func(c *Config, v string) { c.OTLP.Protocol = v }),
		},
		{
			// The signal-specific endpoint is used as is, the generic one is a
			// base (see otlpEndpoint): c.otelFrom says which one it was.
			key: "otlp.endpoint", names: []string{otelMetricsEndpoint, otelEndpoint}, ours: "OTLP_ENDPOINT",
			set: str(func(c *Config, v string) { c.OTLP.Endpoint = v }),
		},
		{
			key: "otlp.headers", names: []string{otelMetricsHeaders, otelHeaders}, ours: "OTLP_HEADERS",
			set: func(c *Config, _, v string) error {
				if c.OTLP.HeadersFile == "" && os.Getenv(EnvPrefix+"OTLP_HEADERS_FILE") == "" {
					c.OTLP.Headers = NewSecret(v)
				}
				return nil
			},
		},
		{
			key:   "otlp.timeout",
			names: []string{"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"}, ours: "OTLP_TIMEOUT",
			set: millis("otlp.timeout", func(c *Config, d time.Duration) { c.OTLP.Timeout = d }),
		},
		{
			key:   "otlp.compression",
			names: []string{"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"}, ours: "OTLP_COMPRESSION",
			set: str(func(c *Config, v string) { c.OTLP.Compression = v }),
		},
		{
			key:   "otlp.ca_file",
			names: []string{"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE"}, ours: "OTLP_CA_FILE",
			set: str(func(c *Config, v string) { c.OTLP.CAFile = v }),
		},
		{
			key:   "otlp.client_cert_file",
			names: []string{"OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"},
			ours:  "OTLP_CLIENT_CERT_FILE", set: str(func(c *Config, v string) { c.OTLP.ClientCertFile = v }),
		},
		{
			key:   "otlp.client_key_file",
			names: []string{"OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY"},
			ours:  "OTLP_CLIENT_KEY_FILE", set: str(func(c *Config, v string) { c.OTLP.ClientKeyFile = v }),
		},
		{
			key: "otlp.interval", names: []string{"OTEL_METRIC_EXPORT_INTERVAL"}, ours: "OTLP_INTERVAL",
			set: millis("otlp.interval", func(c *Config, d time.Duration) { c.OTLP.Interval = d }),
		},
		{
			key: "otlp.temporality", names: []string{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"}, ours: "OTLP_TEMPORALITY",
			set: str(func(c *Config, v string) { c.OTLP.Temporality = strings.ToLower(v) }),
		},
	}
}

// applyOTelResource reads OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME
// with the SDK's own parser: service.name (OTEL_SERVICE_NAME first) and
// service.instance.id fill ServiceName and ServiceInstanceID unless their
// MONITORING_ variables are set; the other attributes join the resource.
func applyOTelResource(c *Config) error {
	if os.Getenv("OTEL_RESOURCE_ATTRIBUTES") == "" && os.Getenv("OTEL_SERVICE_NAME") == "" {
		return nil
	}
	res, err := resource.New(context.Background(), resource.WithFromEnv())
	if err != nil {
		return &FieldError{Field: "OTEL_RESOURCE_ATTRIBUTES", Env: "OTEL_RESOURCE_ATTRIBUTES",
			Value:   shorten(os.Getenv("OTEL_RESOURCE_ATTRIBUTES")),
			Allowed: "must be key=value pairs separated by commas, values URL-encoded: " + err.Error()}
	}
	c.resourceAttrs = nil
	for _, kv := range res.Attributes() {
		switch kv.Key {
		case "service.name":
			if _, ok := os.LookupEnv(EnvPrefix + "SERVICE_NAME"); !ok {
				c.ServiceName = kv.Value.String()
			}
		case "service.instance.id":
			if _, ok := os.LookupEnv(EnvPrefix + "SERVICE_INSTANCE_ID"); !ok {
				c.ServiceInstanceID = kv.Value.String()
			}
		default:
			c.resourceAttrs = append(c.resourceAttrs, kv)
		}
	}
	return nil
}

// otlpYAMLErrors refuses headers written under the otlp key of the YAML
// file, where an API key would sit in version control, naming the
// variable and the file key to use instead. The value is never repeated.
func otlpYAMLErrors(pairs []*yaml.Node) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i].Value != "otlp" || pairs[i+1].Kind != yaml.MappingNode {
			continue
		}
		inner := pairs[i+1].Content
		for j := 0; j+1 < len(inner); j += 2 {
			if inner[j].Value == "headers" {
				return &FieldError{
					Field: "otlp.headers", Env: EnvPrefix + "OTLP_HEADERS", Value: redacted,
					Allowed: "must not be in the YAML file: set " + EnvPrefix + "OTLP_HEADERS, or otlp.headers_file " +
						"to a file that holds them",
				}
			}
		}
	}
	return nil
}

// backendListAsScalar rewrites a YAML list under the top-level backend key
// (backend: [prometheus, otlp]) as the comma-separated string
// [Config.Backend] holds, and returns data unchanged otherwise.
func backendListAsScalar(data []byte) []byte {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data
	}
	pairs := doc.Content[0].Content
	for i := 0; i+1 < len(pairs); i += 2 {
		v := pairs[i+1]
		if pairs[i].Value != "backend" || v.Kind != yaml.SequenceNode {
			continue
		}
		names := make([]string, 0, len(v.Content))
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return data // the decoder names the bad value
			}
			names = append(names, item.Value)
		}
		*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.Join(names, ",")}
		out, err := yaml.Marshal(&doc)
		if err != nil {
			return data
		}
		return out
	}
	return data
}

// readRegularFile reads a TLS file of at most 1 MiB, opened without
// blocking: a FIFO or a device would block the start, a huge file cost its
// memory.
func readRegularFile(path string) ([]byte, error) {
	data, err := safefile.Read(path, 1<<20)
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err
	}
	return data, err //nolint:wrapcheck // the caller names the setting.
}

// otlpHeadersSource is the otlp backend's headers: a secret, read and
// reported as every credential is (see [secretSource]).
func (c *Config) otlpHeadersSource() secretSource {
	return secretSource{what: "headers", envName: "OTLP_HEADERS", fileKey: "otlp.headers_file",
		fileEnv: "OTLP_HEADERS_FILE", goField: "OTLP.Headers", goFileField: "OTLP.HeadersFile", value: c.OTLP.Headers, file: c.OTLP.HeadersFile}
}
