package monitoring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"go.yaml.in/yaml/v3"
)

// Backend names accepted in [Config.Backend].
const (
	BackendPrometheus = "prometheus"
	BackendStdout     = "stdout"
	BackendNoop       = "noop"
)

// MinStdoutInterval is the shortest stdout_interval accepted: a shorter one
// would spend the process writing metrics.
const MinStdoutInterval = time.Second

// EnvPrefix prefixes the environment variable of every [Config] field.
const EnvPrefix = "MONITORING_"

// Config is the monitoring configuration. Each field is read from YAML under
// its yaml key and overridden by the environment variable EnvPrefix + its env
// tag (for example MONITORING_BACKEND).
type Config struct {
	// Enabled turns recording on; when false the no-op backend serves.
	Enabled bool `yaml:"enabled" env:"ENABLED"`
	// Path is where the exposition endpoint is mounted.
	Path string `yaml:"path" env:"PATH"`
	// Backend is one of prometheus, stdout or noop.
	Backend string `yaml:"backend" env:"BACKEND"`
	// ServiceName is the resource's service.name (target_info in Prometheus).
	ServiceName string `yaml:"service_name" env:"SERVICE_NAME"`
	// Namespace, when set, prefixes every exported Prometheus metric name.
	Namespace string `yaml:"namespace" env:"NAMESPACE"`
	// CardinalityLimit caps the series one instrument keeps; the excess is
	// folded into one overflow series. Zero means no cap.
	CardinalityLimit int `yaml:"cardinality_limit" env:"CARDINALITY_LIMIT"`
	// StdoutInterval is how often the stdout backend writes.
	StdoutInterval time.Duration `yaml:"stdout_interval" env:"STDOUT_INTERVAL"`
	// SystemMetrics exposes build_info, process uptime and the Go runtime
	// metrics.
	SystemMetrics bool `yaml:"system_metrics" env:"SYSTEM_METRICS"`
	// ScrapeTimeout bounds one scrape of the Prometheus backend; past it the
	// scrape is answered 503. Zero means no bound.
	ScrapeTimeout time.Duration `yaml:"scrape_timeout" env:"SCRAPE_TIMEOUT"`
	// MaxConcurrentScrapes bounds the scrapes served at once; the ones past
	// it are answered 503. Zero means no bound.
	MaxConcurrentScrapes int `yaml:"max_concurrent_scrapes" env:"MAX_CONCURRENT_SCRAPES"`
}

// DefaultConfig returns the configuration used when none is given:
// monitoring disabled, the Prometheus backend, metrics on /metrics.
func DefaultConfig() Config {
	return Config{
		Enabled:          false,
		Path:             "/metrics",
		Backend:          BackendPrometheus,
		ServiceName:      "unknown_service",
		CardinalityLimit: 2000,
		StdoutInterval:   time.Minute,
		SystemMetrics:    true,
		ScrapeTimeout:    10 * time.Second,
		// A Prometheus pair, a federation and a human with curl.
		MaxConcurrentScrapes: 4,
	}
}

// LoadConfig applies, in order, the defaults, the YAML file at path (skipped
// when path is empty; a key it does not know is an error that names it), the
// MONITORING_* environment variables, and [Config.Validate].
func LoadConfig(path string) (*Config, error) {
	if path == "" {
		return parseConfig(nil, "")
	}
	data, err := os.ReadFile(path) //nolint:gosec // the path is the operator's choice.
	if err != nil {
		return nil, fmt.Errorf("monitoring: reading config file: %w", err)
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
	cfg := DefaultConfig()
	if err := decodeYAML(data, &cfg); err != nil {
		return nil, fmt.Errorf("monitoring: %s: %w", origin, err)
	}
	if err := env.ParseWithOptions(&cfg, env.Options{Prefix: EnvPrefix}); err != nil {
		return nil, envError(err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// decodeYAML overlays the YAML document in data on cfg, refusing unknown keys
// and a second document, whose keys would otherwise go unread.
func decodeYAML(data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		var typeErr *yaml.TypeError
		if errors.As(err, &typeErr) {
			if fieldErrs := yamlFieldErrors(data); fieldErrs != nil {
				return fieldErrs
			}
		}
		return err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("more than one YAML document: put every key in the first")
	}
	return nil
}

// yamlFieldErrors decodes each top-level key of the document on its own and
// returns a [*FieldError] for every value of the wrong type, or nil. The YAML
// decoder's own message names a line, not the key.
func yamlFieldErrors(data []byte) error {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	fields := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Config]()) {
		fields[f.Tag.Get("yaml")] = f
	}
	var errs []error
	pairs := doc.Content[0].Content
	for i := 0; i+1 < len(pairs); i += 2 {
		f, ok := fields[pairs[i].Value]
		if !ok {
			continue
		}
		if pairs[i+1].Decode(reflect.New(f.Type).Interface()) != nil {
			errs = append(errs, &FieldError{
				Field: pairs[i].Value, Env: EnvPrefix + f.Tag.Get("env"),
				Value: pairs[i+1].Value, Allowed: "must be " + kindOf(f.Type),
			})
		}
	}
	return errors.Join(errs...)
}

// envError turns the environment parser's errors into [*FieldError]s that
// name the variable, its value and what it accepts.
func envError(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("monitoring: environment: %w", err)
	}
	out := make([]error, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		var f reflect.StructField
		ok := errors.As(e, &pe)
		if ok {
			f, ok = reflect.TypeFor[Config]().FieldByName(pe.Name)
		}
		if !ok {
			out = append(out, fmt.Errorf("monitoring: environment: %w", e))
			continue
		}
		name := EnvPrefix + f.Tag.Get("env")
		out = append(out, &FieldError{
			Field: f.Tag.Get("yaml"), Env: name, Value: os.Getenv(name), Allowed: "must be " + kindOf(f.Type),
		})
	}
	return errors.Join(out...)
}

// kindOf says in words what a field of type t accepts.
func kindOf(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return "a duration such as 30s"
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
	return fmt.Sprintf("monitoring: invalid config: %s (%s) is %q: %s", e.Field, e.Env, e.Value, e.Allowed)
}

var namespacePattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Validate reports every field whose value is not allowed, each as a
// [*FieldError] joined into one error, or nil.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, envName, value, allowed string) {
		errs = append(errs, &FieldError{Field: field, Env: EnvPrefix + envName, Value: value, Allowed: allowed})
	}
	if !strings.HasPrefix(c.Path, "/") || strings.ContainsAny(c.Path, "? \t\r\n\v\f") {
		bad("path", "PATH", c.Path, `must start with "/" and contain no "?" or whitespace`)
	}
	if !slices.Contains(backends(), c.Backend) {
		bad("backend", "BACKEND", c.Backend, "must be one of "+strings.Join(backends(), ", "))
	}
	if strings.TrimSpace(c.ServiceName) == "" {
		bad("service_name", "SERVICE_NAME", c.ServiceName, "must not be empty")
	}
	if c.Namespace != "" && (!namespacePattern.MatchString(c.Namespace) || strings.Trim(c.Namespace, "_") == "") {
		bad("namespace", "NAMESPACE", c.Namespace,
			"must be empty or a Prometheus name ([a-zA-Z_][a-zA-Z0-9_]*) with a letter or digit")
	}
	if c.CardinalityLimit < 0 {
		bad("cardinality_limit", "CARDINALITY_LIMIT", fmt.Sprint(c.CardinalityLimit), "must be 0 (no cap) or positive")
	}
	if c.ScrapeTimeout < 0 {
		bad("scrape_timeout", "SCRAPE_TIMEOUT", c.ScrapeTimeout.String(), "must be 0 (no bound) or a positive duration such as 10s")
	}
	if c.MaxConcurrentScrapes < 0 {
		bad("max_concurrent_scrapes", "MAX_CONCURRENT_SCRAPES", fmt.Sprint(c.MaxConcurrentScrapes),
			"must be 0 (no bound) or positive")
	}
	if c.StdoutInterval < MinStdoutInterval {
		bad("stdout_interval", "STDOUT_INTERVAL", c.StdoutInterval.String(),
			"must be a positive duration of at least "+MinStdoutInterval.String()+", such as 30s")
	}
	return errors.Join(errs...)
}

func backends() []string { return []string{BackendPrometheus, BackendStdout, BackendNoop} }
