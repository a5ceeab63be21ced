package monitoring

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"go.yaml.in/yaml/v3"
)

// PrometheusConfig is the prometheus backend's configuration, under the
// prometheus key in YAML and the MONITORING_PROMETHEUS_* variables.
type PrometheusConfig struct {
	// Namespace, when set, prefixes every exported Prometheus metric name.
	Namespace string `yaml:"namespace" env:"NAMESPACE"`
	// ScrapeTimeout bounds one scrape; past it the scrape is answered 503.
	// Zero means no bound.
	ScrapeTimeout time.Duration `yaml:"scrape_timeout" env:"SCRAPE_TIMEOUT"`
	// MaxConcurrentScrapes bounds the scrapes served at once; the ones past
	// it are answered 503. Zero means no bound.
	MaxConcurrentScrapes int `yaml:"max_concurrent_scrapes" env:"MAX_CONCURRENT_SCRAPES"`
}

// defaultPrometheusConfig is the prometheus key's defaults.
func defaultPrometheusConfig() PrometheusConfig {
	return PrometheusConfig{
		ScrapeTimeout: 10 * time.Second,
		// A Prometheus pair, a federation and a human with curl.
		MaxConcurrentScrapes: 4,
	}
}

// StdoutConfig is the stdout backend's configuration, under the stdout key
// in YAML and the MONITORING_STDOUT_* variables.
type StdoutConfig struct {
	// Interval is how often the stdout backend writes.
	Interval time.Duration `yaml:"interval" env:"INTERVAL"`
}

// defaultStdoutConfig is the stdout key's defaults.
func defaultStdoutConfig() StdoutConfig { return StdoutConfig{Interval: time.Minute} }

// movedKey is a setting that left the top level of the configuration for
// its backend's key: the old YAML key and variable (empty when the variable
// kept its name), and the new ones.
type movedKey struct{ oldKey, oldEnv, key, env string }

// movedKeys are the settings that moved under their backend's key. Their
// old names are refused, naming the new place, never silently ignored: a
// setting that stopped working without a word would be worse than a start
// that fails.
var movedKeys = []movedKey{
	{"namespace", "NAMESPACE", "prometheus.namespace", "PROMETHEUS_NAMESPACE"},
	{"scrape_timeout", "SCRAPE_TIMEOUT", "prometheus.scrape_timeout", "PROMETHEUS_SCRAPE_TIMEOUT"},
	{"max_concurrent_scrapes", "MAX_CONCURRENT_SCRAPES", "prometheus.max_concurrent_scrapes", "PROMETHEUS_MAX_CONCURRENT_SCRAPES"},
	{"stdout_interval", "", "stdout.interval", "STDOUT_INTERVAL"},
}

// movedYAMLErrors returns a [*FieldError] for each top-level key of the
// document that moved under its backend's key, naming the old key, and the
// new key and variable.
func movedYAMLErrors(pairs []*yaml.Node) []error {
	var errs []error
	for i := 0; i+1 < len(pairs); i += 2 {
		for _, m := range movedKeys {
			if pairs[i].Value != m.oldKey {
				continue
			}
			section, inner, _ := strings.Cut(m.key, ".")
			errs = append(errs, &FieldError{
				Field: m.oldKey, Env: EnvPrefix + m.env, Value: shorten(pairs[i+1].Value),
				Allowed: "has moved to " + m.key + ": write it as " + inner + " under the " + section +
					" key, or set " + EnvPrefix + m.env,
			})
		}
	}
	return errs
}

// movedEnvErrors returns a [*FieldError] for each variable of the
// environment whose setting moved, naming the new variable and key.
func movedEnvErrors() []error {
	var errs []error
	for _, m := range movedKeys {
		if m.oldEnv == "" {
			continue
		}
		value, ok := os.LookupEnv(EnvPrefix + m.oldEnv)
		if !ok {
			continue
		}
		errs = append(errs, &FieldError{
			Field: m.key, Env: EnvPrefix + m.oldEnv, Value: shorten(value),
			Allowed: EnvPrefix + m.oldEnv + " has moved: set " + EnvPrefix + m.env + " (YAML " + m.key + ") instead",
		})
	}
	return errs
}

// configKey is one setting of [Config] as a user writes it: its YAML key
// (dotted under a backend's key), its variable and its Go type.
type configKey struct {
	yaml, env string
	typ       reflect.Type
	index     []int // the field's index in Config, for FieldByIndex
}

// configKeys lists every setting of [Config], those under a backend's key
// included, in the order of the struct.
func configKeys() []configKey {
	var out []configKey
	var walk func(t reflect.Type, yamlPrefix, envPrefix string, index []int)
	walk = func(t reflect.Type, yamlPrefix, envPrefix string, index []int) {
		for _, f := range reflect.VisibleFields(t) {
			if !f.IsExported() {
				continue
			}
			at := append(slices.Clip(index), f.Index...)
			if prefix, ok := f.Tag.Lookup("envPrefix"); ok && f.Type.Kind() == reflect.Struct {
				walk(f.Type, yamlPrefix+f.Tag.Get("yaml")+".", envPrefix+prefix, at)
				continue
			}
			key := f.Tag.Get("yaml")
			if key == "-" { // from the environment only (a secret): named as its checks name it
				key = strings.ToLower(f.Tag.Get("env"))
			}
			out = append(out, configKey{yaml: yamlPrefix + key, env: envPrefix + f.Tag.Get("env"), typ: f.Type, index: at})
		}
	}
	walk(reflect.TypeFor[Config](), "", EnvPrefix, nil)
	return out
}

// sectionKeys maps each backend's YAML key (prometheus, stdout, otlp) to the
// prefix of its variables.
func sectionKeys() map[string]string {
	out := map[string]string{}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Config]()) {
		if prefix, ok := f.Tag.Lookup("envPrefix"); ok {
			out[f.Tag.Get("yaml")] = EnvPrefix + prefix
		}
	}
	return out
}

// parsesAlone reports whether the variable of k, read on its own, is a value
// of k's type. The environment parser names a bad field by its Go name only,
// which two backends may share (Interval); this names the variable.
func parsesAlone(k configKey) bool {
	t := reflect.StructOf([]reflect.StructField{{
		Name: "V", Type: k.typ, Tag: reflect.StructTag(`env:"` + k.env + `"`),
	}})
	return env.Parse(reflect.New(t).Interface()) == nil
}
