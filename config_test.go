package monitoring_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/adapters/compose"
	otlpadapter "github.com/compozy/monitoring/adapters/otlp"
	promadapter "github.com/compozy/monitoring/adapters/prometheus"
	stdoutadapter "github.com/compozy/monitoring/adapters/stdout"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/service"
)

// writeConfig writes content to a config file in a fresh temporary
// directory and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "monitoring.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// fieldErrors returns every *FieldError joined into err, in order.
func fieldErrors(t *testing.T, err error) []*monitoring.FieldError {
	t.Helper()
	require.Error(t, err)
	out := everyFieldError(err)
	require.NotEmpty(t, out, "no FieldError in %v", err)
	return out
}

// fullYAML sets every key to a value that differs from the default.
const fullYAML = `
enabled: true
path: /internal/metrics
backend: stdout
service_name: checkout
cardinality_limit: 500
exemplars: off
system_metrics: false
prometheus:
  namespace: shop
  scrape_timeout: 3s
  max_concurrent_scrapes: 2
stdout:
  interval: 30s
listen_address: 127.0.0.1:9464
server_write_timeout: 45s
auth: basic
auth_username: scraper
auth_password_file: testdata/metrics-password
service_instance_id: checkout-1
otlp:
  protocol: grpc
  endpoint: https://collector.example:4317
  headers_file: testdata/otlp-headers
  compression: gzip
  interval: 15s
  timeout: 5s
  temporality: delta
`

func fullYAMLConfig() monitoring.Config {
	return monitoring.Config{
		Enabled:          true,
		Path:             "/internal/metrics",
		Backend:          monitoring.BackendStdout,
		ServiceName:      "checkout",
		CardinalityLimit: 500,
		Exemplars:        monitoring.ExemplarsOff,
		// SystemMetrics false, as the YAML says.
		Prometheus: monitoring.PrometheusConfig{
			Namespace: "shop", ScrapeTimeout: 3 * time.Second, MaxConcurrentScrapes: 2,
		},
		Stdout:             monitoring.StdoutConfig{Interval: 30 * time.Second},
		ListenAddress:      "127.0.0.1:9464",
		ServerWriteTimeout: 45 * time.Second,
		Auth:               monitoring.AuthBasic,
		AuthUsername:       "scraper",
		AuthPasswordFile:   "testdata/metrics-password",
		ServiceInstanceID:  "checkout-1",
		OTLP: monitoring.OTLPConfig{
			Protocol: monitoring.OTLPProtocolGRPC, Endpoint: "https://collector.example:4317",
			HeadersFile: "testdata/otlp-headers", Compression: monitoring.OTLPCompressionGzip,
			Interval: 15 * time.Second, Timeout: 5 * time.Second, Temporality: monitoring.OTLPTemporalityDelta,
		},
	}
}

func TestDefaultConfig(t *testing.T) {
	t.Parallel()

	t.Run("Should be disabled", func(t *testing.T) {
		t.Parallel()
		assert.False(t, monitoring.DefaultConfig().Enabled)
	})
	t.Run("Should serve on /metrics", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, "/metrics", monitoring.DefaultConfig().Path)
	})
	t.Run("Should name the prometheus backend", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, "prometheus", monitoring.DefaultConfig().Backend)
		assert.Equal(t, monitoring.BackendPrometheus, monitoring.DefaultConfig().Backend)
	})
	t.Run("Should use unknown_service as the service name", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, "unknown_service", monitoring.DefaultConfig().ServiceName)
	})
	t.Run("Should have no namespace", func(t *testing.T) {
		t.Parallel()
		assert.Empty(t, monitoring.DefaultConfig().Prometheus.Namespace)
	})
	t.Run("Should expose the system metrics", func(t *testing.T) {
		t.Parallel()
		assert.True(t, monitoring.DefaultConfig().SystemMetrics)
	})
	t.Run("Should cap cardinality at 2000", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, 2000, monitoring.DefaultConfig().CardinalityLimit)
	})
	t.Run("Should write to stdout every minute", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, time.Minute, monitoring.DefaultConfig().Stdout.Interval)
	})
	t.Run("Should start from the adapters' and the service's own defaults, not copies of them", func(t *testing.T) {
		t.Parallel()
		cfg := monitoring.DefaultConfig()
		assert.Equal(t, compose.DefaultCardinalityLimit, cfg.CardinalityLimit)
		assert.Equal(t, service.DefaultServerWriteTimeout, cfg.ServerWriteTimeout)
		assert.Equal(t, promadapter.DefaultScrapeTimeout, cfg.Prometheus.ScrapeTimeout)
		assert.Equal(t, promadapter.DefaultMaxScrapes, cfg.Prometheus.MaxConcurrentScrapes)
		assert.Equal(t, stdoutadapter.DefaultInterval, cfg.Stdout.Interval)
		assert.Equal(t, otlpadapter.DefaultInterval, cfg.OTLP.Interval)
		assert.Equal(t, otlpadapter.DefaultTimeout, cfg.OTLP.Timeout)
	})
	t.Run("Should be valid", func(t *testing.T) {
		t.Parallel()
		cfg := monitoring.DefaultConfig()
		assert.NoError(t, cfg.Validate())
	})
	t.Run("Should return an independent value on each call", func(t *testing.T) {
		t.Parallel()
		a := monitoring.DefaultConfig()
		a.Path = "/changed"
		assert.Equal(t, "/metrics", monitoring.DefaultConfig().Path)
	})
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()

	t.Run("Should return the defaults when the path is empty", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.LoadConfig("")
		require.NoError(t, err)
		require.NotNil(t, cfg)
		assert.Equal(t, monitoring.DefaultConfig(), *cfg)
	})
	t.Run("Should read every key from the YAML file", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.LoadConfig(writeConfig(t, fullYAML))
		require.NoError(t, err)
		require.NotNil(t, cfg)
		assert.Equal(t, fullYAMLConfig(), *cfg)
	})
	t.Run("Should keep the defaults of keys the YAML does not set", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.LoadConfig(writeConfig(t, "backend: noop\nservice_name: billing\n"))
		require.NoError(t, err)
		want := monitoring.DefaultConfig()
		want.Backend = monitoring.BackendNoop
		want.ServiceName = "billing"
		assert.Equal(t, want, *cfg)
	})
	t.Run("Should let the YAML turn a default off or to zero", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.LoadConfig(writeConfig(t, "enabled: false\ncardinality_limit: 0\n"))
		require.NoError(t, err)
		assert.False(t, cfg.Enabled)
		assert.Equal(t, 0, cfg.CardinalityLimit)
	})
	t.Run("Should accept an empty file as the defaults", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.LoadConfig(writeConfig(t, ""))
		require.NoError(t, err)
		assert.Equal(t, monitoring.DefaultConfig(), *cfg)
	})
	t.Run("Should accept a file holding only comments", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.LoadConfig(writeConfig(t, "# nothing configured yet\n"))
		require.NoError(t, err)
		assert.Equal(t, monitoring.DefaultConfig(), *cfg)
	})
	t.Run("Should return an error when the file does not exist", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "absent.yaml")
		cfg, err := monitoring.LoadConfig(path)
		require.Error(t, err)
		assert.Nil(t, cfg)
		require.ErrorIs(t, err, fs.ErrNotExist)
		assert.Contains(t, err.Error(), "absent.yaml")
	})
	t.Run("Should return an error naming an unknown key", func(t *testing.T) {
		t.Parallel()
		path := writeConfig(t, "enabled: true\nscrape_interval: 5s\n")
		cfg, err := monitoring.LoadConfig(path)
		require.Error(t, err)
		assert.Nil(t, cfg)
		assert.Contains(t, err.Error(), "scrape_interval")
		assert.Contains(t, err.Error(), path)
	})
	t.Run("Should return an error for invalid YAML", func(t *testing.T) {
		t.Parallel()
		path := writeConfig(t, "enabled: [true\n")
		cfg, err := monitoring.LoadConfig(path)
		require.Error(t, err)
		assert.Nil(t, cfg)
		assert.Contains(t, err.Error(), path)
		assert.Contains(t, err.Error(), "yaml")
	})
	t.Run("Should return an error when a value has the wrong type", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.LoadConfig(writeConfig(t, "enabled: maybe\n"))
		require.Error(t, err)
		assert.Nil(t, cfg)
		assert.Contains(t, err.Error(), "maybe")
	})
	t.Run("Should reject a stdout.interval without a unit", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.LoadConfig(writeConfig(t, "stdout:\n  interval: 30\n"))
		require.Error(t, err)
		assert.Nil(t, cfg)
		assert.Contains(t, err.Error(), "30")
	})
	t.Run("Should validate the values read from the file", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.LoadConfig(writeConfig(t, "backend: graphite\n"))
		require.Error(t, err)
		assert.Nil(t, cfg)
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "backend", fe.Field)
		assert.Equal(t, "graphite", fe.Value)
	})
}

// The environment tests use t.Setenv, so neither they nor their subtests
// run in parallel.
func TestLoadConfigEnvironment(t *testing.T) {
	t.Run("Should let every MONITORING_ variable override the YAML", func(t *testing.T) {
		t.Setenv("MONITORING_ENABLED", "false")
		t.Setenv("MONITORING_PATH", "/env/metrics")
		t.Setenv("MONITORING_BACKEND", "noop")
		t.Setenv("MONITORING_SERVICE_NAME", "from-env")
		t.Setenv("MONITORING_PROMETHEUS_NAMESPACE", "envns")
		t.Setenv("MONITORING_CARDINALITY_LIMIT", "42")
		t.Setenv("MONITORING_EXEMPLARS", "trace_based")
		t.Setenv("MONITORING_STDOUT_INTERVAL", "5s")
		t.Setenv("MONITORING_SYSTEM_METRICS", "true")
		t.Setenv("MONITORING_PROMETHEUS_SCRAPE_TIMEOUT", "0s")
		t.Setenv("MONITORING_PROMETHEUS_MAX_CONCURRENT_SCRAPES", "9")
		t.Setenv("MONITORING_LISTEN_ADDRESS", ":9999")
		t.Setenv("MONITORING_SERVER_WRITE_TIMEOUT", "2m")
		t.Setenv("MONITORING_AUTH", "basic")
		t.Setenv("MONITORING_AUTH_USERNAME", "env-scraper")
		t.Setenv("MONITORING_AUTH_PASSWORD_FILE", "testdata/metrics-password-env")

		cfg, err := monitoring.LoadConfig(writeConfig(t, fullYAML))
		require.NoError(t, err)
		assert.Equal(t, monitoring.Config{
			Enabled:          false,
			Path:             "/env/metrics",
			Backend:          monitoring.BackendNoop,
			ServiceName:      "from-env",
			CardinalityLimit: 42,
			Exemplars:        monitoring.ExemplarsTraceBased,
			SystemMetrics:    true,
			// From the environment: no scrape timeout, 9 scrapes at once.
			Prometheus:         monitoring.PrometheusConfig{Namespace: "envns", ScrapeTimeout: 0, MaxConcurrentScrapes: 9},
			Stdout:             monitoring.StdoutConfig{Interval: 5 * time.Second},
			ListenAddress:      ":9999",
			ServerWriteTimeout: 2 * time.Minute,
			Auth:               monitoring.AuthBasic,
			AuthUsername:       "env-scraper",
			AuthPasswordFile:   "testdata/metrics-password-env",
			ServiceInstanceID:  "checkout-1",
			OTLP:               fullYAMLConfig().OTLP,
		}, *cfg)
	})
	t.Run("Should keep the YAML values of variables that are not set", func(t *testing.T) {
		t.Setenv("MONITORING_SERVICE_NAME", "from-env")

		cfg, err := monitoring.LoadConfig(writeConfig(t, fullYAML))
		require.NoError(t, err)
		want := fullYAMLConfig()
		want.ServiceName = "from-env"
		assert.Equal(t, want, *cfg)
	})
	t.Run("Should apply the environment over the defaults without a file", func(t *testing.T) {
		t.Setenv("MONITORING_ENABLED", "true")
		t.Setenv("MONITORING_BACKEND", "stdout")

		cfg, err := monitoring.LoadConfig("")
		require.NoError(t, err)
		want := monitoring.DefaultConfig()
		want.Enabled = true
		want.Backend = monitoring.BackendStdout
		assert.Equal(t, want, *cfg)
	})
	t.Run("Should apply the environment in ParseConfig too", func(t *testing.T) {
		t.Setenv("MONITORING_PATH", "/from/env")

		cfg, err := monitoring.ParseConfig([]byte("path: /from/yaml\n"))
		require.NoError(t, err)
		assert.Equal(t, "/from/env", cfg.Path)
	})
	t.Run("Should return an error naming the field when MONITORING_ENABLED is not a bool", func(t *testing.T) {
		t.Setenv("MONITORING_ENABLED", "maybe")

		cfg, err := monitoring.LoadConfig("")
		require.Error(t, err)
		assert.Nil(t, cfg)
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, monitoring.FieldError{
			Field: "enabled", Env: "MONITORING_ENABLED", Value: "maybe", Allowed: "must be true or false (also accepted: 1, t, T, TRUE, True, 0, f, F, FALSE, False)",
		}, *fe)
		assert.Contains(t, err.Error(), "MONITORING_ENABLED")
	})
	t.Run("Should return an error when MONITORING_CARDINALITY_LIMIT is not a number", func(t *testing.T) {
		t.Setenv("MONITORING_CARDINALITY_LIMIT", "lots")

		cfg, err := monitoring.LoadConfig("")
		require.Error(t, err)
		assert.Nil(t, cfg)
		assert.Contains(t, err.Error(), "MONITORING_CARDINALITY_LIMIT")
		assert.Contains(t, err.Error(), `"lots"`)
		assert.Contains(t, err.Error(), "a whole number")
	})
	t.Run("Should return an error when MONITORING_STDOUT_INTERVAL is not a duration", func(t *testing.T) {
		t.Setenv("MONITORING_STDOUT_INTERVAL", "30")

		cfg, err := monitoring.LoadConfig("")
		require.Error(t, err)
		assert.Nil(t, cfg)
		assert.Contains(t, err.Error(), "duration")
	})
	t.Run("Should validate the values read from the environment", func(t *testing.T) {
		t.Setenv("MONITORING_PATH", "metrics")

		cfg, err := monitoring.LoadConfig(writeConfig(t, "path: /ok\n"))
		require.Error(t, err)
		assert.Nil(t, cfg)
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "path", fe.Field)
		assert.Equal(t, "MONITORING_PATH", fe.Env)
		assert.Equal(t, "metrics", fe.Value)
	})
	t.Run("Should not read variables without the MONITORING_ prefix", func(t *testing.T) {
		t.Setenv("BACKEND", "graphite")
		t.Setenv("SERVICE_NAME", "unprefixed")

		cfg, err := monitoring.LoadConfig("")
		require.NoError(t, err)
		assert.Equal(t, monitoring.DefaultConfig(), *cfg)
	})
}

func TestParseConfig(t *testing.T) {
	t.Parallel()

	t.Run("Should return the defaults for nil data", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.ParseConfig(nil)
		require.NoError(t, err)
		assert.Equal(t, monitoring.DefaultConfig(), *cfg)
	})
	t.Run("Should return the defaults for empty data", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.ParseConfig([]byte{})
		require.NoError(t, err)
		assert.Equal(t, monitoring.DefaultConfig(), *cfg)
	})
	t.Run("Should read every key from the bytes", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.ParseConfig([]byte(fullYAML))
		require.NoError(t, err)
		assert.Equal(t, fullYAMLConfig(), *cfg)
	})
	t.Run("Should return an error naming an unknown key", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.ParseConfig([]byte("backnd: stdout\n"))
		require.Error(t, err)
		assert.Nil(t, cfg)
		assert.Contains(t, err.Error(), "backnd")
	})
	t.Run("Should return an error for invalid YAML", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.ParseConfig([]byte("path: \"/unterminated\n"))
		require.Error(t, err)
		assert.Nil(t, cfg)
		assert.Contains(t, err.Error(), "YAML")
	})
	t.Run("Should return a YAML document that is not a mapping as an error", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.ParseConfig([]byte("- enabled\n- true\n"))
		require.Error(t, err)
		assert.Nil(t, cfg)
	})
	t.Run("Should return the validation error of an invalid value", func(t *testing.T) {
		t.Parallel()
		cfg, err := monitoring.ParseConfig([]byte("cardinality_limit: -3\n"))
		require.Error(t, err)
		assert.Nil(t, cfg)
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "cardinality_limit", fe.Field)
		assert.Equal(t, "-3", fe.Value)
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()

	invalid := []struct {
		name    string
		mutate  func(*monitoring.Config)
		field   string
		env     string
		value   string
		allowed string
	}{
		{
			name:    "Should reject a path without a leading slash",
			mutate:  func(c *monitoring.Config) { c.Path = "metrics" },
			field:   "path",
			env:     "MONITORING_PATH",
			value:   "metrics",
			allowed: `must start with "/"`,
		},
		{
			name:    "Should reject an empty path",
			mutate:  func(c *monitoring.Config) { c.Path = "" },
			field:   "path",
			env:     "MONITORING_PATH",
			value:   "",
			allowed: `must start with "/"`,
		},
		{
			name:    "Should reject a path with a query",
			mutate:  func(c *monitoring.Config) { c.Path = "/metrics?format=text" },
			field:   "path",
			env:     "MONITORING_PATH",
			value:   "/metrics?format=text",
			allowed: `contain no "?", "{", "}" or whitespace`,
		},
		{
			name:    "Should reject a path with a space",
			mutate:  func(c *monitoring.Config) { c.Path = "/my metrics" },
			field:   "path",
			env:     "MONITORING_PATH",
			value:   "/my metrics",
			allowed: `contain no "?", "{", "}" or whitespace`,
		},
		{
			name:    "Should reject a path with a tab",
			mutate:  func(c *monitoring.Config) { c.Path = "/metrics\t" },
			field:   "path",
			env:     "MONITORING_PATH",
			value:   "/metrics\t",
			allowed: `contain no "?", "{", "}" or whitespace`,
		},
		{
			name:    "Should reject a path a router would read as a wildcard",
			mutate:  func(c *monitoring.Config) { c.Path = "/metrics/{job}" },
			field:   "path",
			env:     "MONITORING_PATH",
			value:   "/metrics/{job}",
			allowed: `"{", "}"`,
		},
		{
			name:    "Should reject an unknown backend and list the allowed ones",
			mutate:  func(c *monitoring.Config) { c.Backend = "graphite" },
			field:   "backend",
			env:     "MONITORING_BACKEND",
			value:   "graphite",
			allowed: "must be one of prometheus, stdout, otlp, noop",
		},
		{
			name:    "Should reject a backend in the wrong case",
			mutate:  func(c *monitoring.Config) { c.Backend = "Prometheus" },
			field:   "backend",
			env:     "MONITORING_BACKEND",
			value:   "Prometheus",
			allowed: "must be one of prometheus, stdout, otlp, noop",
		},
		{
			name:    "Should reject an empty backend",
			mutate:  func(c *monitoring.Config) { c.Backend = "" },
			field:   "backend",
			env:     "MONITORING_BACKEND",
			value:   "",
			allowed: "must be one of prometheus, stdout, otlp, noop",
		},
		{
			name:    "Should reject an empty service_name",
			mutate:  func(c *monitoring.Config) { c.ServiceName = "" },
			field:   "service_name",
			env:     "MONITORING_SERVICE_NAME",
			value:   "",
			allowed: "must not be empty",
		},
		{
			name:    "Should reject a blank service_name",
			mutate:  func(c *monitoring.Config) { c.ServiceName = "  \t" },
			field:   "service_name",
			env:     "MONITORING_SERVICE_NAME",
			value:   "  \t",
			allowed: "must not be empty",
		},
		{
			name:    "Should reject a namespace starting with a digit",
			mutate:  func(c *monitoring.Config) { c.Prometheus.Namespace = "9abc" },
			field:   "prometheus.namespace",
			env:     "MONITORING_PROMETHEUS_NAMESPACE",
			value:   "9abc",
			allowed: "[a-zA-Z_][a-zA-Z0-9_]*",
		},
		{
			name:    "Should reject a namespace of underscores only",
			mutate:  func(c *monitoring.Config) { c.Prometheus.Namespace = "___" },
			field:   "prometheus.namespace",
			env:     "MONITORING_PROMETHEUS_NAMESPACE",
			value:   "___",
			allowed: "with a letter or digit",
		},
		{
			name:    "Should reject a namespace with a dash",
			mutate:  func(c *monitoring.Config) { c.Prometheus.Namespace = "my-app" },
			field:   "prometheus.namespace",
			env:     "MONITORING_PROMETHEUS_NAMESPACE",
			value:   "my-app",
			allowed: "[a-zA-Z_][a-zA-Z0-9_]*",
		},
		{
			name:    "Should reject a negative cardinality_limit",
			mutate:  func(c *monitoring.Config) { c.CardinalityLimit = -1 },
			field:   "cardinality_limit",
			env:     "MONITORING_CARDINALITY_LIMIT",
			value:   "-1",
			allowed: "must be 0 (no cap) or from 1 to 1000000",
		},
		{
			name:    "Should reject a zero stdout.interval",
			mutate:  func(c *monitoring.Config) { c.Stdout.Interval = 0 },
			field:   "stdout.interval",
			env:     "MONITORING_STDOUT_INTERVAL",
			value:   "0s",
			allowed: "must be a duration from 1s to 24h0m0s",
		},
		{
			name:    "Should reject a negative stdout.interval",
			mutate:  func(c *monitoring.Config) { c.Stdout.Interval = -5 * time.Second },
			field:   "stdout.interval",
			env:     "MONITORING_STDOUT_INTERVAL",
			value:   "-5s",
			allowed: "must be a duration from 1s to 24h0m0s",
		},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := monitoring.DefaultConfig()
			tc.mutate(&cfg)

			err := cfg.Validate()
			require.Error(t, err)

			var fe *monitoring.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.field, fe.Field)
			assert.Equal(t, tc.env, fe.Env)
			assert.Equal(t, tc.value, fe.Value)
			assert.Contains(t, fe.Allowed, tc.allowed)

			msg := err.Error()
			assert.Contains(t, msg, tc.field)
			assert.Contains(t, msg, tc.env)
			assert.Contains(t, msg, strconv.Quote(tc.value), "the bad value is quoted")
			assert.Contains(t, msg, tc.allowed)
			assert.Len(t, fieldErrors(t, err), 1, "only the bad field is reported")
		})
	}

	valid := []struct {
		name   string
		mutate func(*monitoring.Config)
	}{
		{name: "Should accept the defaults", mutate: func(*monitoring.Config) {}},
		{name: "Should accept the root path", mutate: func(c *monitoring.Config) { c.Path = "/" }},
		{name: "Should accept a nested path", mutate: func(c *monitoring.Config) { c.Path = "/internal/v1/metrics" }},
		{name: "Should accept the stdout backend", mutate: func(c *monitoring.Config) { c.Backend = monitoring.BackendStdout }},
		{name: "Should accept the noop backend", mutate: func(c *monitoring.Config) { c.Backend = monitoring.BackendNoop }},
		{name: "Should accept an empty namespace", mutate: func(c *monitoring.Config) { c.Prometheus.Namespace = "" }},
		{name: "Should accept a namespace with underscores and digits", mutate: func(c *monitoring.Config) { c.Prometheus.Namespace = "_shop_v2" }},
		{name: "Should accept a zero cardinality_limit as no cap", mutate: func(c *monitoring.Config) { c.CardinalityLimit = 0 }},
		{name: "Should accept a one-second stdout.interval", mutate: func(c *monitoring.Config) { c.Stdout.Interval = time.Second }},
		{name: "Should accept an enabled config", mutate: func(c *monitoring.Config) { c.Enabled = true }},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := monitoring.DefaultConfig()
			tc.mutate(&cfg)
			assert.NoError(t, cfg.Validate())
		})
	}

	t.Run("Should report every bad field at once", func(t *testing.T) {
		t.Parallel()
		cfg := monitoring.Config{
			Path:             "metrics",
			Backend:          "graphite",
			ServiceName:      "",
			Prometheus:       monitoring.PrometheusConfig{Namespace: "9abc"},
			CardinalityLimit: -1,
			Stdout:           monitoring.StdoutConfig{Interval: 0},
		}

		err := cfg.Validate()
		fes := fieldErrors(t, err)
		fields := make([]string, 0, len(fes))
		for _, fe := range fes {
			fields = append(fields, fe.Field)
		}
		assert.Equal(t,
			[]string{"path", "backend", "service_name", "prometheus.namespace", "cardinality_limit", "server_write_timeout",
				"stdout.interval"},
			fields)
		for _, f := range fields {
			assert.Contains(t, err.Error(), f)
		}
	})
	t.Run("Should report only the bad fields among good ones", func(t *testing.T) {
		t.Parallel()
		cfg := monitoring.DefaultConfig()
		cfg.Backend = "graphite"
		cfg.Stdout.Interval = -time.Second

		fes := fieldErrors(t, cfg.Validate())
		require.Len(t, fes, 2)
		assert.Equal(t, "backend", fes[0].Field)
		assert.Equal(t, "stdout.interval", fes[1].Field)
	})
}

func TestFieldError(t *testing.T) {
	t.Parallel()

	t.Run("Should format the field, variable, value and allowed values", func(t *testing.T) {
		t.Parallel()
		fe := &monitoring.FieldError{
			Field:   "backend",
			Env:     "MONITORING_BACKEND",
			Value:   "graphite",
			Allowed: "must be one of prometheus, stdout, otlp, noop",
		}
		assert.Equal(t,
			`monitoring: invalid config: backend (MONITORING_BACKEND) is "graphite": must be one of prometheus, stdout, otlp, noop`,
			fe.Error())
	})
	t.Run("Should be found with errors.As through the joined validation error", func(t *testing.T) {
		t.Parallel()
		cfg := monitoring.DefaultConfig()
		cfg.ServiceName = ""
		err := cfg.Validate()

		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "service_name", fe.Field)
		assert.Equal(t, "MONITORING_SERVICE_NAME", fe.Env)
	})
}

func TestConfigHardening(t *testing.T) {
	t.Run("Should name every badly typed variable at once", func(t *testing.T) {
		t.Setenv("MONITORING_STDOUT_INTERVAL", "soon")
		t.Setenv("MONITORING_ENABLED", "maybe")

		_, err := monitoring.LoadConfig("")
		require.Error(t, err)
		assert.Contains(t, err.Error(), `stdout.interval (MONITORING_STDOUT_INTERVAL) is "soon": must be a duration such as 30s`)
		assert.Contains(t, err.Error(), `enabled (MONITORING_ENABLED) is "maybe"`)
	})

	t.Run("Should refuse a second YAML document rather than ignore it", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("backend: stdout\n---\nbogus: 1\n"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "more than one YAML document")
	})

	t.Run("Should prefix a config file's errors with the package once, and name the path", func(t *testing.T) {
		path := writeConfig(t, "bogus: 1\n")
		_, err := monitoring.LoadConfig(path)
		require.Error(t, err)
		assert.True(t, strings.HasPrefix(err.Error(), "monitoring: "), err.Error())
		assert.Equal(t, 1, strings.Count(err.Error(), "monitoring:"), err.Error())
		assert.Contains(t, err.Error(), "config file "+path)
		fes := fieldErrors(t, err)
		require.Len(t, fes, 1, err.Error())
		assert.Equal(t, "bogus", fes[0].Field, "an unknown key is a FieldError naming it")
	})

	t.Run("Should report unknown keys, top-level and nested, with a wrong type, all at once", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("bogus: 1\ncardinality_limit: lots\notlp:\n  endpont: x\n"))
		require.Error(t, err)
		fields := map[string]bool{}
		for _, fe := range fieldErrors(t, err) {
			fields[fe.Field] = true
		}
		assert.Equal(t, map[string]bool{"bogus": true, "cardinality_limit": true, "otlp.endpont": true}, fields, err.Error())
		assert.Equal(t, strings.Count(err.Error(), "\n")+1, strings.Count(err.Error(), "monitoring: invalid config"),
			"one prefix a line: %s", err.Error())
	})
}

func TestConfigTypeErrors(t *testing.T) {
	t.Run("Should name the YAML key, its variable and the value of a wrongly typed value", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("enabled: true\ncardinality_limit: lots\nstdout:\n  interval: soon\n"))
		require.Error(t, err)
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, monitoring.FieldError{
			Field: "cardinality_limit", Env: "MONITORING_CARDINALITY_LIMIT", Value: "lots", Allowed: "must be a whole number",
		}, *fe)
		assert.Contains(t, err.Error(), `stdout.interval (MONITORING_STDOUT_INTERVAL) is "soon": must be a duration such as 30s`)
	})

	t.Run("Should refuse a stdout.interval under a second", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		cfg.Stdout.Interval = time.Nanosecond
		err := cfg.Validate()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "from 1s to 24h0m0s")
	})
}

func TestScrapeProtectionConfig(t *testing.T) {
	t.Run("Should default to a 10s timeout and 4 concurrent scrapes", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		assert.Equal(t, 10*time.Second, cfg.Prometheus.ScrapeTimeout)
		assert.Equal(t, 4, cfg.Prometheus.MaxConcurrentScrapes)
	})

	t.Run("Should refuse negative bounds, naming the field", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		cfg.Prometheus.ScrapeTimeout = -time.Second
		cfg.Prometheus.MaxConcurrentScrapes = -1
		err := cfg.Validate()
		require.Error(t, err)
		assert.Contains(t, err.Error(), `prometheus.scrape_timeout (MONITORING_PROMETHEUS_SCRAPE_TIMEOUT) is "-1s"`)
		assert.Contains(t, err.Error(),
			`prometheus.max_concurrent_scrapes (MONITORING_PROMETHEUS_MAX_CONCURRENT_SCRAPES) is "-1"`)
	})

	t.Run("Should default the metrics server's write timeout to a minute", func(t *testing.T) {
		assert.Equal(t, time.Minute, monitoring.DefaultConfig().ServerWriteTimeout)
	})

	for _, d := range []time.Duration{0, -time.Second, time.Second - 1, time.Hour + 1} {
		t.Run("Should refuse a server_write_timeout of "+d.String()+", naming the field and the bounds", func(t *testing.T) {
			cfg := monitoring.DefaultConfig()
			cfg.ServerWriteTimeout = d
			fes := fieldErrors(t, cfg.Validate())
			require.Len(t, fes, 1)
			assert.Equal(t, monitoring.FieldError{
				Field: "server_write_timeout", Env: "MONITORING_SERVER_WRITE_TIMEOUT", Value: d.String(),
				Allowed: "must be a duration from 1s to 1h0m0s, such as 1m",
			}, *fes[0])
		})
	}

	for _, d := range []time.Duration{time.Second, time.Hour} {
		t.Run("Should accept a server_write_timeout of "+d.String(), func(t *testing.T) {
			cfg := monitoring.DefaultConfig()
			cfg.ServerWriteTimeout = d
			assert.NoError(t, cfg.Validate())
		})
	}
}

func TestHostileConfig(t *testing.T) {
	huge := strings.Repeat("a", 1025)
	cases := []struct {
		name, yaml, field string
	}{
		{"a cardinality limit past the cap", "cardinality_limit: 1000001\n", "cardinality_limit"},
		{"a cardinality limit past int64", "cardinality_limit: 99999999999999999999999\n", "cardinality_limit"},
		{
			"a number of scrapes past the cap", "prometheus:\n  max_concurrent_scrapes: 1000000000000\n",
			"prometheus.max_concurrent_scrapes",
		},
		{"a scrape timeout past the cap", "prometheus: {scrape_timeout: 1000000h}\n", "prometheus.scrape_timeout"},
		{"a duration past int64", "prometheus: {scrape_timeout: 9999999999999h}\n", "prometheus.scrape_timeout"},
		{"a stdout interval past a day", "stdout:\n  interval: 25h\n", "stdout.interval"},
		{"a path of more than 1 KiB", "path: /" + huge + "\n", "path"},
		{"a service name of more than 1 KiB", "service_name: " + huge + "\n", "service_name"},
		{"an empty service name", "service_name: \"\"\n", "service_name"},
		{"an empty path", "path: \"\"\n", "path"},
		{"an empty backend", "backend: \"\"\n", "backend"},
		{"a list where a string goes", "backend: [a, b]\n", "backend"},
		{"a map where a number goes", "cardinality_limit: {a: 1}\n", "cardinality_limit"},
	}
	for _, tc := range cases {
		t.Run("Should refuse "+tc.name+" with an error naming the field, never a panic", func(t *testing.T) {
			var (
				cfg *monitoring.Config
				err error
			)
			require.NotPanics(t, func() { cfg, err = monitoring.ParseConfig([]byte(tc.yaml)) })
			require.Error(t, err)
			assert.Nil(t, cfg)
			fes := fieldErrors(t, err)
			require.Len(t, fes, 1, err.Error())
			assert.Equal(t, tc.field, fes[0].Field)
			assert.LessOrEqual(t, len(err.Error()), 400, "a huge value is not echoed whole")
		})
	}

	t.Run("Should start on the largest values it accepts", func(t *testing.T) {
		cfg := enabled(monitoring.BackendPrometheus)
		cfg.CardinalityLimit = monitoring.MaxCardinalityLimit
		cfg.Prometheus.MaxConcurrentScrapes = monitoring.MaxConcurrentScrapesCap
		cfg.Prometheus.ScrapeTimeout = monitoring.MaxScrapeTimeout
		svc := newService(t, cfg)
		code, _ := testkit.Scrape(t, svc.Handler())
		assert.Equal(t, http.StatusOK, code)
	})
}

func TestHostileConfigDocuments(t *testing.T) {
	t.Run("Should refuse a document past MaxConfigSize without reading it whole", func(t *testing.T) {
		big := "service_name: shop\n# " + strings.Repeat("x", monitoring.MaxConfigSize) + "\n"
		_, err := monitoring.ParseConfig([]byte(big))
		require.ErrorContains(t, err, "more than 65536 bytes")
		_, err = monitoring.LoadConfig(writeConfig(t, big))
		require.ErrorContains(t, err, "more than 65536 bytes")
	})

	t.Run("Should refuse an alias bomb with an error naming the field, without expanding it", func(t *testing.T) {
		bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		prev := "a"
		for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
			bomb += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
			prev = name
		}
		bomb += "service_name: *i\n"
		var err error
		require.NotPanics(t, func() { _, err = monitoring.ParseConfig([]byte(bomb)) })
		fields := []string{}
		for _, fe := range fieldErrors(t, err) {
			fields = append(fields, fe.Field)
		}
		assert.Contains(t, fields, "service_name", err.Error())
		assert.Contains(t, fields, "a", "the anchors' keys are unknown keys: %s", err.Error())
	})

	// A document of any shape within MaxConfigSize costs bounded memory and
	// gives a short error: the YAML decoder alone reports every pair of
	// duplicate keys (3,000 "x: 1" lines made a 245 MB error).
	distinct := strings.Builder{}
	for i := 0; distinct.Len() < monitoring.MaxConfigSize-20; i++ {
		fmt.Fprintf(&distinct, "k%d: 1\n", i)
	}
	wrongTypes := strings.Repeat("cardinality_limit: [x]\n", 2500)
	shapes := []struct{ name, doc, want string }{
		{"3,000 copies of an unknown key", strings.Repeat("x: 1\n", 3000), "x is given twice"},
		{"a known key 5,000 times", strings.Repeat("backend: a\n", 5000), "backend is given twice"},
		{"duplicate keys in a nested mapping", "cardinality_limit:\n" + strings.Repeat("  x: 1\n", 8000), "x is given twice"},
		{"duplicate keys in a flow mapping", "prometheus: {" + strings.Repeat("x: 1, ", 9000) + "}\n", "x is given twice"},
		{"thousands of distinct unknown keys", distinct.String(), "k0"},
		{"a wrongly typed value thousands of times", wrongTypes, "cardinality_limit"},
	}
	for _, tc := range shapes {
		t.Run("Should refuse "+tc.name+" with a short error, in bounded memory", func(t *testing.T) {
			require.LessOrEqual(t, len(tc.doc), monitoring.MaxConfigSize)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := monitoring.ParseConfig([]byte(tc.doc))
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.LessOrEqual(t, len(err.Error()), 1500, "the first few problems and a count: %.300s", err.Error())
			allocated := after.TotalAlloc - before.TotalAlloc
			assert.Less(t, allocated, uint64(64<<20), "allocated %d bytes for a %d-byte document", allocated, len(tc.doc))
		})
	}
}
