package monitoring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"go.opentelemetry.io/otel/attribute"
	"go.yaml.in/yaml/v3"

	"github.com/compozy/monitoring/adapters/compose"
	"github.com/compozy/monitoring/internal/safefile"
	"github.com/compozy/monitoring/service"
)

// Backend names accepted in [Config.Backend].
const (
	BackendPrometheus = "prometheus"
	BackendStdout     = "stdout"
	BackendOTLP       = "otlp"
	BackendNoop       = "noop"
)

// Recording paths accepted in [Config.Meter].
const (
	MeterFast = "fast"
	MeterSDK  = "sdk"
)

// MinStdoutInterval is the shortest stdout.interval accepted: a shorter one
// would spend the process writing metrics.
const MinStdoutInterval = time.Second

// Ways of protecting the exposition endpoint, accepted in [Config.Auth].
const (
	AuthNone   = "none"
	AuthBearer = "bearer"
	AuthBasic  = "basic"
)

// Upper bounds of the numeric settings: a value past them is a typo or an
// attack on the process (memory for series, goroutines for scrapes), never
// a need.
const (
	MaxCardinalityLimit     = 1_000_000
	MaxConcurrentScrapesCap = 1024
	MaxScrapeTimeout        = 5 * time.Minute
	MaxStdoutInterval       = 24 * time.Hour
	MinServerWriteTimeout   = time.Second
	MaxServerWriteTimeout   = time.Hour
	maxStringLength         = 1024
	// MaxConfigSize is the largest config document read: a few hundred
	// bytes are enough, and a huge one must not be read whole.
	MaxConfigSize     = 64 << 10
	maxSecretFileSize = 64 << 10
)

// EnvPrefix prefixes the environment variable of every [Config] field.
const EnvPrefix = "MONITORING_"

// Config is the monitoring configuration. Each field is read from YAML under
// its yaml key and overridden by the environment variable EnvPrefix + its env
// tag (for example MONITORING_BACKEND). A backend's own settings sit under
// the backend's key (prometheus, stdout, otlp), their variables under its
// prefix (MONITORING_PROMETHEUS_NAMESPACE); a key that moved there is an
// error that names its new place.
type Config struct {
	// Enabled turns recording on; when false the no-op backend serves.
	Enabled bool `yaml:"enabled" env:"ENABLED"`
	// Path is where the exposition endpoint is mounted.
	Path string `yaml:"path" env:"PATH"`
	// Backend is one of prometheus, stdout, otlp or noop, or several of
	// prometheus, stdout and otlp at once, separated by commas
	// (MONITORING_BACKEND=prometheus,otlp) or as a YAML list
	// (backend: [prometheus, otlp]). See [Config.Backends].
	Backend string `yaml:"backend" env:"BACKEND"`
	// ServiceName is the resource's service.name (target_info in Prometheus,
	// job through a collector's remote write).
	ServiceName string `yaml:"service_name" env:"SERVICE_NAME"`
	// ServiceInstanceID is the resource's service.instance.id (instance
	// through a collector's remote write). Empty: a random identifier made
	// at start, unique per process, so that replicas pushing to one
	// collector never overwrite each other's series.
	ServiceInstanceID string `yaml:"service_instance_id" env:"SERVICE_INSTANCE_ID"`
	// CardinalityLimit caps the series one instrument keeps; the excess is
	// folded into one overflow series. Zero means no cap.
	CardinalityLimit int `yaml:"cardinality_limit" env:"CARDINALITY_LIMIT"`
	// Meter is the recording path of Meter() and MeterProvider(): fast (the
	// default, also when empty: synchronous instruments on the lock-free
	// aggregation) or sdk (every instrument on the OpenTelemetry SDK, for a
	// feature only the SDK has). See docs/instruments.md.
	Meter string `yaml:"meter" env:"METER"`
	// Exemplars is trace_based (the default, or empty: the latency histograms keep,
	// per bucket, the latest measurement made in a sampled span, a link to
	// its trace) or off. OTEL_METRICS_EXEMPLAR_FILTER applies below
	// MONITORING_EXEMPLARS (always_on is taken as trace_based).
	Exemplars string `yaml:"exemplars" env:"EXEMPLARS"`
	// SystemMetrics exposes build_info, process uptime and the Go runtime
	// metrics.
	SystemMetrics bool `yaml:"system_metrics" env:"SYSTEM_METRICS"`
	// ListenAddress, when set (host:port), serves the exposition endpoint at
	// Path on a server of its own, so that metrics need not share the
	// application's public port. Empty: mount the handler yourself.
	ListenAddress string `yaml:"listen_address" env:"LISTEN_ADDRESS"`
	// ServerWriteTimeout is the write timeout of the server of
	// ListenAddress: the longest a response may take to write, a client
	// that does not read included. A scrape of the Prometheus backend is
	// bounded by Prometheus.ScrapeTimeout instead (its handler sets the
	// connection's write deadline itself); this bounds it when that is zero.
	ServerWriteTimeout time.Duration `yaml:"server_write_timeout" env:"SERVER_WRITE_TIMEOUT"`
	// Auth protects the exposition endpoint: none (or empty), bearer or
	// basic.
	Auth string `yaml:"auth" env:"AUTH"`
	// AuthUsername is the username of basic authentication.
	AuthUsername string `yaml:"auth_username" env:"AUTH_USERNAME"`
	// AuthToken is the bearer token. It is read from the environment only,
	// never from the YAML file; AuthTokenFile is the other way to give it.
	AuthToken Secret `yaml:"-" env:"AUTH_TOKEN"`
	// AuthTokenFile names a file holding the bearer token (a mounted
	// secret); surrounding whitespace is ignored.
	AuthTokenFile string `yaml:"auth_token_file" env:"AUTH_TOKEN_FILE"`
	// AuthPassword is the password of basic authentication, from the
	// environment only, as AuthToken.
	AuthPassword Secret `yaml:"-" env:"AUTH_PASSWORD"`
	// AuthPasswordFile names a file holding the basic password.
	AuthPasswordFile string `yaml:"auth_password_file" env:"AUTH_PASSWORD_FILE"`
	// Prometheus configures the prometheus backend (YAML key prometheus,
	// variables MONITORING_PROMETHEUS_*).
	Prometheus PrometheusConfig `yaml:"prometheus" envPrefix:"PROMETHEUS_"`
	// Stdout configures the stdout backend (YAML key stdout, variables
	// MONITORING_STDOUT_*).
	Stdout StdoutConfig `yaml:"stdout" envPrefix:"STDOUT_"`
	// OTLP configures the otlp backend (YAML key otlp, variables
	// MONITORING_OTLP_*).
	OTLP OTLPConfig `yaml:"otlp" envPrefix:"OTLP_"`

	// resourceAttrs are the attributes of OTEL_RESOURCE_ATTRIBUTES other
	// than service.name and service.instance.id.
	resourceAttrs []attribute.KeyValue
	// otelFrom names, by otlp key (otlp.endpoint), the OTEL_* variable its
	// value came from, so that an error names the variable to fix.
	otelFrom map[string]string
	// givenDefaults are the keys the YAML or the environment set to their
	// default value while monitoring is disabled (see IgnoredSettings).
	givenDefaults []string
}

// secretKeys are the credentials a YAML file must not hold, with the
// variable that gives them and the file key that is the other way.
var secretKeys = map[string][2]string{
	"auth_token":    {"AUTH_TOKEN", "auth_token_file"},
	"auth_password": {"AUTH_PASSWORD", "auth_password_file"},
}

// DefaultConfig returns the configuration used when none is given:
// monitoring disabled, the Prometheus backend, metrics on /metrics.
func DefaultConfig() Config {
	return Config{
		Enabled:            false,
		Path:               "/metrics",
		Backend:            BackendPrometheus,
		ServiceName:        "unknown_service",
		CardinalityLimit:   compose.DefaultCardinalityLimit,
		Exemplars:          ExemplarsTraceBased,
		SystemMetrics:      true,
		ServerWriteTimeout: service.DefaultServerWriteTimeout,
		Auth:               AuthNone,
		Prometheus:         defaultPrometheusConfig(),
		Stdout:             defaultStdoutConfig(),
		OTLP:               defaultOTLPConfig(),
	}
}

// LoadConfig applies, in order, the defaults, the YAML file at path (skipped
// when path is empty; a key it does not know is an error that names it), the
// MONITORING_* environment variables, and [Config.Validate].
func LoadConfig(path string) (*Config, error) {
	if path == "" {
		return parseConfig(nil, "")
	}
	// Opened without blocking, and refused unless regular: a FIFO would
	// block the start. A file past the cap is refused unread.
	data, err := safefile.Read(path, MaxConfigSize)
	if errors.Is(err, safefile.ErrTooLarge) {
		return nil, fmt.Errorf("monitoring: config file %s: more than %d bytes: not a monitoring config", path, MaxConfigSize)
	}
	if err != nil {
		return nil, fmt.Errorf("monitoring: reading config file %s: %w", path, err)
	}
	return parseConfig(data, "config file "+path)
}

// ParseConfig is [LoadConfig] for a YAML document already in memory, such as
// one embedded in the binary: defaults, then data, then the environment,
// then validation. Empty data is a document with no keys.
func ParseConfig(data []byte) (*Config, error) {
	return parseConfig(data, "config YAML")
}

func parseConfig(data []byte, origin string) (*Config, error) {
	if len(data) > MaxConfigSize {
		return nil, fmt.Errorf("monitoring: %s: more than %d bytes: not a monitoring config", origin, MaxConfigSize)
	}
	// Every stage runs whatever the one before found, so that one error
	// lists every problem: a YAML value of the wrong type keeps its default
	// and the other keys still apply, the environment and the validation
	// follow.
	cfg := DefaultConfig()
	var errs []error
	for _, err := range decodeYAML(data, &cfg) {
		if fe := (*FieldError)(nil); errors.As(err, &fe) {
			// Field errors carry the package's prefix already.
			errs = append(errs, fmt.Errorf("%w (in the %s)", err, origin))
			continue
		}
		errs = append(errs, fmt.Errorf("monitoring: %s: %w", origin, err))
	}
	errs = append(errs, problems(applyOTelEnv(&cfg))...)
	errs = append(errs, movedEnvErrors()...)
	if err := env.ParseWithOptions(&cfg, env.Options{Prefix: EnvPrefix}); err != nil {
		errs = append(errs, envErrors(err)...)
	}
	errs = append(errs, problems(cfg.Validate())...)
	// The credentials and TLS files are read only when their settings are
	// valid: a setting already reported is not reported twice.
	if !reported(errs, "auth") {
		if _, err := cfg.credentials(); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.usesOTLP() && !reported(errs, "otlp.") {
		if _, err := cfg.otlpSecrets(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg.Backend = strings.Join(cfg.Backends(), ",") // "prometheus, otlp" is named as "prometheus,otlp"
	cfg.givenDefaults = givenAtDefault(data, &cfg)
	return &cfg, nil
}

// reported says whether errs hold a [*FieldError] about a key that starts
// with prefix.
func reported(errs []error, prefix string) bool {
	for _, fe := range FieldErrors(errors.Join(errs...)) {
		if strings.HasPrefix(fe.Field, prefix) {
			return true
		}
	}
	return false
}

// problems returns the errors err joins, or err alone, or none.
func problems(err error) []error {
	if err == nil {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		return joined.Unwrap()
	}
	return []error{err}
}

// FieldErrors returns every [*FieldError] err holds, in order: the loaders
// and [Config.Validate] join one per problem, so that a bad config is
// reported whole. It is errors.As for each of them.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) { //nolint:errorlint // walks the tree errors.As walks.
		case nil:
		case *FieldError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// decodeYAML overlays the YAML document in data on cfg, refusing unknown keys
// and a second document, whose keys would otherwise go unread. It returns
// every problem it finds, a [*FieldError] for each key it can name: a value
// of the wrong type leaves its field at the default, and the other keys
// apply.
func decodeYAML(data []byte, cfg *Config) []error {
	// The decoder would stop at the first duplicate key, at a quadratic
	// cost: the rest is read from the document with each key's first
	// occurrence, so that the duplicates hide no other problem.
	data, dupErr := yamlDuplicateKeys(data)
	dups := problems(dupErr)
	errs := slices.Concat(dups, problems(yamlSecretErrors(data)))
	refused := refusedYAMLKeys(topLevelPairs(data))
	data = backendListAsScalar(data)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return errs
		}
		var typeErr *yaml.TypeError
		if !errors.As(err, &typeErr) {
			return append(errs, err)
		}
		fieldErrs := problems(yamlFieldErrors(data, refused))
		if len(fieldErrs) == 0 && len(errs) == 0 {
			// Nothing to name a key by: the decoder's own lines.
			fieldErrs = []error{fmt.Errorf("yaml: %s", strings.Join(firstFew(typeErr.Errors, len(typeErr.Errors)), "; "))}
		}
		errs = append(errs, fieldErrs...)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		errs = append(errs, errors.New("more than one YAML document: put every key in the first"))
	}
	return errs
}

// refusedYAMLKeys are the keys of the document that [yamlSecretErrors]
// refuses already, dotted under a backend's key: the decoder's complaint
// that they are unknown would report them twice.
func refusedYAMLKeys(pairs []*yaml.Node) map[string]bool {
	out := map[string]bool{}
	for _, e := range FieldErrors(errors.Join(append([]error{otlpYAMLErrors(pairs)}, movedYAMLErrors(pairs)...)...)) {
		out[e.Field] = true
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, ok := secretKeys[pairs[i].Value]; ok {
			out[pairs[i].Value] = true
		}
	}
	return out
}

// topLevelPairs returns the keys and values of the document's top-level
// mapping, alternating, or nil when data is not a mapping.
func topLevelPairs(data []byte) []*yaml.Node {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	return doc.Content[0].Content
}

// yamlSecretErrors refuses credentials written in the YAML file, where they
// would sit in version control, naming the variable or file key to use
// instead (the value is never repeated), and the keys that moved under their
// backend's key, naming the new key and variable.
func yamlSecretErrors(data []byte) error {
	pairs := topLevelPairs(data)
	errs := append([]error{otlpYAMLErrors(pairs)}, movedYAMLErrors(pairs)...)
	for i := 0; i+1 < len(pairs); i += 2 {
		if alt, ok := secretKeys[pairs[i].Value]; ok {
			errs = append(errs, &FieldError{
				Field: pairs[i].Value, Env: EnvPrefix + alt[0], Value: redacted,
				Allowed: "must not be in the YAML file: set " + EnvPrefix + alt[0] + ", or " + alt[1] +
					" to a file that holds it",
			})
		}
	}
	return errors.Join(errs...)
}

// yamlFieldErrors decodes each key of the document on its own, those under
// a backend's key included, and returns a [*FieldError] for every value of
// the wrong type, or nil. The YAML decoder's own message names a line, not
// the key.
func yamlFieldErrors(data []byte, refused map[string]bool) error {
	pairs := topLevelPairs(data)
	if pairs == nil {
		return nil
	}
	keys := map[string]configKey{}
	for _, k := range configKeys() {
		keys[k.yaml] = k
	}
	sections := sectionKeys()
	var errs []error
	unknown := 0
	check := func(name string, value *yaml.Node) {
		k, ok := keys[name]
		switch {
		case refused[name]:
		case !ok:
			// An unknown key is a FieldError too, the first few named.
			if unknown++; unknown <= reportedProblems {
				errs = append(errs, &FieldError{Field: name, Allowed: "is not a key of the monitoring config " +
					"(see the table in docs/configuration.md)" + didYouMean(name, keys, sections)})
			}
		case value.Decode(reflect.New(k.typ).Interface()) != nil:
			errs = append(errs, &FieldError{Field: name, Env: k.env, Value: shorten(value.Value), Allowed: "must be " + kindOf(k.typ, false)})
		}
	}
	for i := 0; i+1 < len(pairs) && len(errs) < len(keys); i += 2 {
		name, value := pairs[i].Value, pairs[i+1]
		prefix, section := sections[name]
		switch {
		case !section:
			check(name, value)
		case value.Kind == yaml.MappingNode:
			for j := 0; j+1 < len(value.Content) && len(errs) < len(keys); j += 2 {
				check(name+"."+value.Content[j].Value, value.Content[j+1])
			}
		case value.Decode(new(map[string]yaml.Node)) != nil:
			errs = append(errs, &FieldError{Field: name, Env: prefix + "*", Value: shorten(value.Value),
				Allowed: "must be a mapping of the " + name + " backend's keys"})
		}
	}
	if unknown > reportedProblems {
		errs = append(errs, fmt.Errorf("and %d more unknown keys", unknown-reportedProblems))
	}
	return errors.Join(errs...)
}

// reportedProblems is how many problems of one kind an error lists; the
// others are counted. A hostile document must not make a huge error.
const reportedProblems = 5

// firstFew returns the first reportedProblems of problems, and a note of how
// many of total there are past them.
func firstFew(problems []string, total int) []string {
	if total <= reportedProblems {
		return problems
	}
	return append(problems[:reportedProblems:reportedProblems], fmt.Sprintf("and %d more", total-reportedProblems))
}

// envErrors turns the environment parser's errors into [*FieldError]s that
// name the variable, its value and what it accepts.
func envErrors(err error) []error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return []error{fmt.Errorf("monitoring: environment: %w", err)}
	}
	var out, unnamed []error
	for _, e := range agg.Errors {
		if !errors.As(e, new(env.ParseError)) {
			out = append(out, fmt.Errorf("monitoring: environment: %w", e))
			continue
		}
		unnamed = append(unnamed, fmt.Errorf("monitoring: environment: %w", e))
	}
	if len(unnamed) == 0 {
		return out
	}
	// The parser names a field by its Go name, which two backends may
	// share: each set variable is read again on its own to name it.
	named := 0
	for _, k := range configKeys() {
		value, ok := os.LookupEnv(k.env)
		if !ok || parsesAlone(k) {
			continue
		}
		if k.typ == reflect.TypeFor[Secret]() {
			value = redacted
		}
		named++
		out = append(out, &FieldError{Field: k.yaml, Env: k.env, Value: shorten(value), Allowed: "must be " + kindOf(k.typ, true)})
	}
	if named == 0 {
		out = append(out, unnamed...)
	}
	return out
}

// kindOf says in words what a field of type t accepts, in a variable when
// fromEnv (the environment parser reads a bool with strconv.ParseBool, which
// accepts more than true and false), else in the YAML file.
func kindOf(t reflect.Type, fromEnv bool) string {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return "a duration such as 30s"
	case t.Kind() == reflect.Bool && fromEnv:
		return "true or false (also accepted: 1, t, T, TRUE, True, 0, f, F, FALSE, False)"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Int:
		return "a whole number"
	default:
		return "a " + t.String()
	}
}

// FieldError is a configuration field whose value is not allowed.
type FieldError struct {
	Field   string // the YAML key
	Env     string // the environment variable
	Value   string // the rejected value
	Allowed string // what would be accepted
}

func (e *FieldError) Error() string {
	if e.Env == "" && e.Value == "" { // a key that is not one of ours
		return fmt.Sprintf("monitoring: invalid config: %s %s", e.Field, e.Allowed)
	}
	// The value is bounded here too, for a FieldError built elsewhere: a
	// huge value never makes a huge error.
	return fmt.Sprintf("monitoring: invalid config: %s (%s) is %q: %s", e.Field, e.Env, shorten(e.Value), e.Allowed)
}

var namespacePattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Validate reports every field whose value is not allowed, each as a
// [*FieldError] joined into one error, or nil.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, envName, value, allowed string) {
		errs = append(errs, &FieldError{Field: field, Env: EnvPrefix + envName, Value: shorten(value), Allowed: allowed})
	}
	if !strings.HasPrefix(c.Path, "/") || strings.ContainsAny(c.Path, "?{} \t\r\n\v\f") {
		// A router reads braces as a wildcard: the path is mounted as it is.
		bad("path", "PATH", c.Path, `must start with "/" and contain no "?", "{", "}" or whitespace`)
	} else if strings.Contains(c.Path, "//") || (path.Clean(c.Path) != c.Path && path.Clean(c.Path)+"/" != c.Path) {
		// A router redirects a request for it to the clean path, where
		// nothing is mounted.
		bad("path", "PATH", c.Path, `must be a clean path, without a "//", "." or ".." segment (a router redirects `+
			`a request for it to the clean path, where nothing is mounted), such as /metrics`)
	}
	if err := checkBackends(c.Backend); err != "" {
		bad("backend", "BACKEND", c.Backend, err)
	}
	if c.Meter != "" && c.Meter != MeterFast && c.Meter != MeterSDK {
		bad("meter", "METER", c.Meter, `must be "fast" (the default) or "sdk"`)
	}
	if strings.TrimSpace(c.ServiceName) == "" {
		bad("service_name", "SERVICE_NAME", c.ServiceName, "must not be empty")
	}
	p := c.Prometheus
	if p.Namespace != "" && (!namespacePattern.MatchString(p.Namespace) || strings.Trim(p.Namespace, "_") == "") {
		bad("prometheus.namespace", "PROMETHEUS_NAMESPACE", p.Namespace,
			"must be empty or a Prometheus name ([a-zA-Z_][a-zA-Z0-9_]*) with a letter or digit")
	}
	if c.CardinalityLimit < 0 || c.CardinalityLimit > MaxCardinalityLimit {
		bad("cardinality_limit", "CARDINALITY_LIMIT", fmt.Sprint(c.CardinalityLimit),
			fmt.Sprintf("must be 0 (no cap) or from 1 to %d", MaxCardinalityLimit))
	}
	if err := c.validateExemplars(); err != nil {
		errs = append(errs, err)
	}
	if p.ScrapeTimeout < 0 || p.ScrapeTimeout > MaxScrapeTimeout {
		bad("prometheus.scrape_timeout", "PROMETHEUS_SCRAPE_TIMEOUT", p.ScrapeTimeout.String(),
			"must be 0 (no bound) or a positive duration up to "+MaxScrapeTimeout.String()+", such as 10s")
	}
	if p.MaxConcurrentScrapes < 0 || p.MaxConcurrentScrapes > MaxConcurrentScrapesCap {
		bad("prometheus.max_concurrent_scrapes", "PROMETHEUS_MAX_CONCURRENT_SCRAPES", fmt.Sprint(p.MaxConcurrentScrapes),
			fmt.Sprintf("must be 0 (no bound) or from 1 to %d", MaxConcurrentScrapesCap))
	}
	if c.ServerWriteTimeout < MinServerWriteTimeout || c.ServerWriteTimeout > MaxServerWriteTimeout {
		bad("server_write_timeout", "SERVER_WRITE_TIMEOUT", c.ServerWriteTimeout.String(),
			"must be a duration from "+MinServerWriteTimeout.String()+" to "+MaxServerWriteTimeout.String()+", such as 1m")
	}
	if c.Stdout.Interval < MinStdoutInterval || c.Stdout.Interval > MaxStdoutInterval {
		bad("stdout.interval", "STDOUT_INTERVAL", c.Stdout.Interval.String(),
			"must be a duration from "+MinStdoutInterval.String()+" to "+MaxStdoutInterval.String()+", such as 30s")
	}
	for _, f := range []struct{ field, env, value string }{
		{"path", "PATH", c.Path}, {"service_name", "SERVICE_NAME", c.ServiceName},
		{"prometheus.namespace", "PROMETHEUS_NAMESPACE", p.Namespace},
		{"listen_address", "LISTEN_ADDRESS", c.ListenAddress},
		{"auth_username", "AUTH_USERNAME", c.AuthUsername},
		{"auth_token_file", "AUTH_TOKEN_FILE", c.AuthTokenFile},
		{"auth_password_file", "AUTH_PASSWORD_FILE", c.AuthPasswordFile},
	} {
		if len(f.value) > maxStringLength {
			shown := f.value[:32] + "..."
			if strings.HasSuffix(f.field, "_file") {
				shown = hiddenPath // perhaps a secret set in the wrong variable
			}
			bad(f.field, f.env, shown, fmt.Sprintf("must be at most %d bytes long", maxStringLength))
		}
	}
	if c.ListenAddress != "" {
		if err := checkListenAddress(c.ListenAddress); err != nil {
			bad("listen_address", "LISTEN_ADDRESS", c.ListenAddress,
				"must be empty or host:port, such as 127.0.0.1:9464 or :9464 ("+err.Error()+")")
		}
	}
	errs = append(errs, c.validateAuth()...)
	if len(c.ServiceInstanceID) > maxStringLength {
		bad("service_instance_id", "SERVICE_INSTANCE_ID", c.ServiceInstanceID[:32]+"...",
			fmt.Sprintf("must be at most %d bytes long", maxStringLength))
	}
	if c.usesOTLP() {
		errs = append(errs, c.validateOTLP()...)
	}
	return errors.Join(errs...)
}

func backends() []string { return []string{BackendPrometheus, BackendStdout, BackendOTLP, BackendNoop} }

// Backends returns the backends Backend names, in order: one, or several
// separated by commas.
func (c *Config) Backends() []string {
	var out []string
	for name := range strings.SplitSeq(c.Backend, ",") {
		out = append(out, strings.TrimSpace(name))
	}
	return out
}

// usesOTLP reports whether otlp is among the backends configured.
func (c *Config) usesOTLP() bool { return slices.Contains(c.Backends(), BackendOTLP) }

// checkBackends says what is wrong with a backend list, or "".
func checkBackends(list string) string {
	names := (&Config{Backend: list}).Backends()
	for i, name := range names {
		switch {
		case !slices.Contains(backends(), name):
			return "must be one of " + strings.Join(backends(), ", ") + "; or several of prometheus, stdout, otlp " +
				"separated by commas"
		case slices.Contains(names[:i], name):
			return "must name each backend once: " + name + " is repeated"
		case name == BackendNoop && len(names) > 1:
			return "must be noop alone: noop records nothing, so it cannot run beside another backend"
		}
	}
	return ""
}

func authModes() []string { return []string{AuthNone, AuthBearer, AuthBasic} }

// checkListenAddress accepts host:port with a numeric port.
func checkListenAddress(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err //nolint:wrapcheck // shown inside a FieldError.
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("the port %q is not a number from 0 to 65535", port)
	}
	return nil
}
