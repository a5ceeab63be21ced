package monitoring_test

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/testkit"
)

// blockingCollector holds every gathering until release is closed,
// signalling each start on entered: a scrape that is in progress for as long
// as the test wants.
type blockingCollector struct {
	entered chan struct{}
	release chan struct{}
}

func (blockingCollector) Describe(chan<- *prometheus.Desc) {}

func (c blockingCollector) Collect(chan<- prometheus.Metric) {
	c.entered <- struct{}{}
	<-c.release
}

// signalWriter reports its first write on written; the stdout backend
// writes from its own goroutine.
type signalWriter struct{ written chan struct{} }

func (w signalWriter) Write(p []byte) (int, error) {
	select {
	case w.written <- struct{}{}:
	default:
	}
	return len(p), nil
}

// everyFieldError returns every *FieldError in err's tree, in order: the
// errors of a config file are joined under its name.
func everyFieldError(err error) []*monitoring.FieldError {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		var out []*monitoring.FieldError
		for _, e := range joined.Unwrap() {
			out = append(out, everyFieldError(e)...)
		}
		return out
	}
	var fe *monitoring.FieldError
	if errors.As(err, &fe) {
		return []*monitoring.FieldError{fe}
	}
	return nil
}

// parseService loads doc like an application would and starts the service
// it describes.
func parseService(t *testing.T, doc string, opts ...monitoring.Option) (*monitoring.Config, http.Handler) {
	t.Helper()
	cfg, err := monitoring.ParseConfig([]byte(doc))
	require.NoError(t, err)
	return cfg, newService(t, cfg, opts...).Handler()
}

func TestBackendKeysReachTheBackends(t *testing.T) {
	t.Run("Should read the documented example of the backends' keys", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig([]byte(`
backend: [prometheus, stdout]
prometheus:
  namespace: shop              # MONITORING_PROMETHEUS_NAMESPACE
  scrape_timeout: 10s          # MONITORING_PROMETHEUS_SCRAPE_TIMEOUT
  max_concurrent_scrapes: 4    # MONITORING_PROMETHEUS_MAX_CONCURRENT_SCRAPES
stdout:
  interval: 1m                 # MONITORING_STDOUT_INTERVAL
`))
		require.NoError(t, err)
		assert.Equal(t, monitoring.PrometheusConfig{Namespace: "shop", ScrapeTimeout: 10 * time.Second, MaxConcurrentScrapes: 4},
			cfg.Prometheus)
		assert.Equal(t, monitoring.StdoutConfig{Interval: time.Minute}, cfg.Stdout)
	})
	t.Run("Should prefix the scraped names with prometheus.namespace from YAML", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig([]byte("enabled: true\nprometheus:\n  namespace: shop\n"))
		require.NoError(t, err)
		svc := newService(t, cfg)
		testkit.Count(t, svc.Meter(), "demo.requests", 2)

		code, body := testkit.Scrape(t, svc.Handler())
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, "\nshop_demo_requests_total 2\n")
		assert.NotContains(t, body, "\ndemo_requests_total")
	})
	t.Run("Should prefix the scraped names with MONITORING_PROMETHEUS_NAMESPACE over the YAML", func(t *testing.T) {
		t.Setenv("MONITORING_PROMETHEUS_NAMESPACE", "billing")
		cfg, err := monitoring.ParseConfig([]byte("enabled: true\nprometheus:\n  namespace: shop\n"))
		require.NoError(t, err)
		svc := newService(t, cfg)
		testkit.Count(t, svc.Meter(), "demo.requests", 1)

		_, body := testkit.Scrape(t, svc.Handler())
		assert.Contains(t, body, "\nbilling_demo_requests_total 1\n")
		assert.NotContains(t, body, "shop_")
	})
	t.Run("Should answer 503 past prometheus.max_concurrent_scrapes from YAML", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		slow := blockingCollector{entered: make(chan struct{}, 1), release: make(chan struct{})}
		reg.MustRegister(slow)
		_, h := parseService(t, "enabled: true\nprometheus:\n  max_concurrent_scrapes: 1\n  scrape_timeout: 0s\n",
			monitoring.WithRegistry(reg))

		first := make(chan int, 1)
		go func() {
			code, _ := testkit.Scrape(t, h)
			first <- code
		}()
		<-slow.entered // the first scrape holds the only slot
		code, body := testkit.Scrape(t, h)
		assert.Equal(t, http.StatusServiceUnavailable, code)
		assert.Contains(t, body, "Limit of concurrent requests")
		close(slow.release)
		assert.Equal(t, http.StatusOK, <-first)
	})
	t.Run("Should answer 503 past prometheus.scrape_timeout from MONITORING_PROMETHEUS_SCRAPE_TIMEOUT", func(t *testing.T) {
		t.Setenv("MONITORING_PROMETHEUS_SCRAPE_TIMEOUT", "20ms")
		t.Setenv("MONITORING_PROMETHEUS_MAX_CONCURRENT_SCRAPES", "2")
		reg := prometheus.NewRegistry()
		slow := blockingCollector{entered: make(chan struct{}, 1), release: make(chan struct{})}
		reg.MustRegister(slow)
		cfg, h := parseService(t, "enabled: true\n", monitoring.WithRegistry(reg))
		assert.Equal(t, monitoring.PrometheusConfig{ScrapeTimeout: 20 * time.Millisecond, MaxConcurrentScrapes: 2},
			cfg.Prometheus)

		code, body := testkit.Scrape(t, h)
		assert.Equal(t, http.StatusServiceUnavailable, code)
		assert.Contains(t, body, "Exceeded configured timeout of 20ms", "not the default 10s")
		<-slow.entered
		close(slow.release) // goleak, in TestMain, checks that nothing stays behind
	})
	t.Run("Should write on its own at stdout.interval from YAML", func(t *testing.T) {
		w := signalWriter{written: make(chan struct{}, 1)}
		// The default, a minute, would write nothing in the ten seconds
		// this waits.
		parseService(t, "enabled: true\nbackend: stdout\nstdout:\n  interval: 1s\n", monitoring.WithWriter(w))
		select {
		case <-w.written:
		case <-time.After(10 * time.Second):
			t.Fatal("the stdout backend wrote nothing in 10s with stdout.interval 1s")
		}
	})
}

func TestMovedKeysAreRefused(t *testing.T) {
	yamlCases := []struct{ old, value, key, env string }{
		{"namespace", "shop", "prometheus.namespace", "MONITORING_PROMETHEUS_NAMESPACE"},
		{"scrape_timeout", "3s", "prometheus.scrape_timeout", "MONITORING_PROMETHEUS_SCRAPE_TIMEOUT"},
		{"max_concurrent_scrapes", "2", "prometheus.max_concurrent_scrapes", "MONITORING_PROMETHEUS_MAX_CONCURRENT_SCRAPES"},
		{"stdout_interval", "30s", "stdout.interval", "MONITORING_STDOUT_INTERVAL"},
	}
	for _, tc := range yamlCases {
		t.Run("Should refuse the YAML key "+tc.old+", naming "+tc.key+" and "+tc.env, func(t *testing.T) {
			path := writeConfig(t, "enabled: true\n"+tc.old+": "+tc.value+"\n")
			cfg, err := monitoring.LoadConfig(path)
			assert.Nil(t, cfg)
			fes := fieldErrors(t, err)
			require.Len(t, fes, 1, err.Error())
			assert.Equal(t, tc.old, fes[0].Field)
			assert.Equal(t, tc.env, fes[0].Env)
			assert.Equal(t, tc.value, fes[0].Value)
			assert.Contains(t, fes[0].Allowed, "has moved to "+tc.key)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), tc.key)
			assert.Contains(t, err.Error(), tc.env)
		})
		t.Run("Should refuse the YAML key "+tc.old+" even beside its new place", func(t *testing.T) {
			section, inner, _ := strings.Cut(tc.key, ".")
			_, err := monitoring.ParseConfig([]byte(tc.old + ": " + tc.value + "\n" + section + ":\n  " + inner + ": " +
				tc.value + "\n"))
			fes := fieldErrors(t, err)
			require.Len(t, fes, 1, err.Error())
			assert.Equal(t, tc.old, fes[0].Field)
		})
	}
	t.Run("Should print the message docs/configuration.md shows", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("namespace: shop\n"))
		assert.EqualError(t, err, "monitoring: invalid config: namespace "+
			`(MONITORING_PROMETHEUS_NAMESPACE) is "shop": has moved to prometheus.namespace: write it as namespace `+
			"under the prometheus key, or set MONITORING_PROMETHEUS_NAMESPACE (in the config YAML)")

		// The docs show what LoadConfig("monitoring.yaml") prints, verbatim.
		docsConfiguration, err := os.ReadFile("docs/configuration.md")
		require.NoError(t, err)
		t.Chdir(t.TempDir())
		require.NoError(t, os.WriteFile("monitoring.yaml", []byte("namespace: shop\n"), 0o600))
		_, err = monitoring.LoadConfig("monitoring.yaml")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "(in the config file monitoring.yaml)")
		assert.Contains(t, string(docsConfiguration), "\n"+err.Error()+"\n", "docs/configuration.md shows the real text")
	})
	t.Run("Should report every moved YAML key at once, with the other refused keys", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte(
			"namespace: shop\nscrape_timeout: 3s\nmax_concurrent_scrapes: 2\nstdout_interval: 30s\nauth_token: hunter2\n"))
		require.Error(t, err)
		fes := everyFieldError(err)
		fields := make([]string, 0, len(fes))
		for _, fe := range fes {
			fields = append(fields, fe.Field)
		}
		assert.ElementsMatch(t,
			[]string{"namespace", "scrape_timeout", "max_concurrent_scrapes", "stdout_interval", "auth_token"}, fields)
		assert.NotContains(t, err.Error(), "hunter2")
	})

	envCases := []struct{ old, value, key, env string }{
		{"MONITORING_NAMESPACE", "shop", "prometheus.namespace", "MONITORING_PROMETHEUS_NAMESPACE"},
		{"MONITORING_SCRAPE_TIMEOUT", "3s", "prometheus.scrape_timeout", "MONITORING_PROMETHEUS_SCRAPE_TIMEOUT"},
		{
			"MONITORING_MAX_CONCURRENT_SCRAPES", "2", "prometheus.max_concurrent_scrapes",
			"MONITORING_PROMETHEUS_MAX_CONCURRENT_SCRAPES",
		},
	}
	for _, tc := range envCases {
		for _, value := range []string{tc.value, ""} {
			t.Run("Should refuse "+tc.old+"="+value+", naming "+tc.env+" and "+tc.key, func(t *testing.T) {
				t.Setenv(tc.old, value)
				cfg, err := monitoring.LoadConfig(writeConfig(t, "enabled: true\n"))
				assert.Nil(t, cfg)
				fes := fieldErrors(t, err)
				require.Len(t, fes, 1, err.Error())
				assert.Equal(t, monitoring.FieldError{
					Field: tc.key, Env: tc.old, Value: value,
					Allowed: tc.old + " has moved: set " + tc.env + " (YAML " + tc.key + ") instead",
				}, *fes[0])
			})
		}
	}
	t.Run("Should report every moved variable at once, with the badly typed ones", func(t *testing.T) {
		t.Setenv("MONITORING_NAMESPACE", "shop")
		t.Setenv("MONITORING_SCRAPE_TIMEOUT", "3s")
		t.Setenv("MONITORING_MAX_CONCURRENT_SCRAPES", "2")
		t.Setenv("MONITORING_ENABLED", "maybe")
		_, err := monitoring.LoadConfig("")
		fes := fieldErrors(t, err)
		envs := make([]string, 0, len(fes))
		for _, fe := range fes {
			envs = append(envs, fe.Env)
		}
		assert.Equal(t, []string{
			"MONITORING_NAMESPACE", "MONITORING_SCRAPE_TIMEOUT", "MONITORING_MAX_CONCURRENT_SCRAPES", "MONITORING_ENABLED",
		}, envs)
	})
	t.Run("Should keep reading MONITORING_STDOUT_INTERVAL, whose name did not change", func(t *testing.T) {
		t.Setenv("MONITORING_STDOUT_INTERVAL", "5s")
		cfg, err := monitoring.LoadConfig("")
		require.NoError(t, err)
		assert.Equal(t, 5*time.Second, cfg.Stdout.Interval)
	})
}

func TestBackendKeyErrors(t *testing.T) {
	t.Run("Should name the nested key and its variable of a wrongly typed YAML value", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte(
			"prometheus:\n  namespace: shop\n  scrape_timeout: soon\n  max_concurrent_scrapes: lots\nstdout: {interval: 30}\n"))
		require.Error(t, err)
		fes := everyFieldError(err)
		require.Len(t, fes, 3, err.Error())
		assert.Equal(t, monitoring.FieldError{
			Field: "prometheus.scrape_timeout", Env: "MONITORING_PROMETHEUS_SCRAPE_TIMEOUT", Value: "soon",
			Allowed: "must be a duration such as 30s",
		}, *fes[0])
		assert.Equal(t, monitoring.FieldError{
			Field: "prometheus.max_concurrent_scrapes", Env: "MONITORING_PROMETHEUS_MAX_CONCURRENT_SCRAPES", Value: "lots",
			Allowed: "must be a whole number",
		}, *fes[1])
		assert.Equal(t, "stdout.interval", fes[2].Field)
		assert.Equal(t, "MONITORING_STDOUT_INTERVAL", fes[2].Env)
	})
	t.Run("Should name the otlp key of a wrongly typed value too", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("otlp:\n  insecure: maybe\n"))
		fes := fieldErrors(t, err)
		require.Len(t, fes, 1, err.Error())
		assert.Equal(t, "otlp.insecure", fes[0].Field)
		assert.Equal(t, "MONITORING_OTLP_INSECURE", fes[0].Env)
	})
	for _, doc := range []string{"prometheus: 3\n", "stdout: [1, 2]\n", "prometheus: shop\n"} {
		t.Run("Should refuse a backend's key that is not a mapping: "+strings.TrimSpace(doc), func(t *testing.T) {
			_, err := monitoring.ParseConfig([]byte(doc))
			fes := fieldErrors(t, err)
			require.Len(t, fes, 1, err.Error())
			section, _, _ := strings.Cut(doc, ":")
			assert.Equal(t, section, fes[0].Field)
			assert.Equal(t, "MONITORING_"+strings.ToUpper(section)+"_*", fes[0].Env)
			assert.Contains(t, fes[0].Allowed, "must be a mapping")
		})
	}
	t.Run("Should accept a backend's key left empty as its defaults", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig([]byte("prometheus:\nstdout: {}\n"))
		require.NoError(t, err)
		assert.Equal(t, monitoring.DefaultConfig(), *cfg)
	})
	for _, doc := range []string{"prometheus:\n  namespce: shop\n", "stdout:\n  namespace: shop\n", "prometheus:\n  interval: 1s\n"} {
		t.Run("Should name a key its backend does not have: "+strings.ReplaceAll(doc, "\n", " "), func(t *testing.T) {
			_, err := monitoring.ParseConfig([]byte(doc))
			require.Error(t, err)
			_, inner, _ := strings.Cut(doc, "\n  ")
			name, _, _ := strings.Cut(inner, ":")
			assert.Contains(t, err.Error(), name)
		})
	}
	t.Run("Should name the variable of a badly typed MONITORING_PROMETHEUS_ value", func(t *testing.T) {
		t.Setenv("MONITORING_PROMETHEUS_MAX_CONCURRENT_SCRAPES", "lots")
		_, err := monitoring.LoadConfig("")
		fes := fieldErrors(t, err)
		require.Len(t, fes, 1, err.Error())
		assert.Equal(t, monitoring.FieldError{
			Field: "prometheus.max_concurrent_scrapes", Env: "MONITORING_PROMETHEUS_MAX_CONCURRENT_SCRAPES", Value: "lots",
			Allowed: "must be a whole number",
		}, *fes[0])
	})
	// stdout and otlp both have an Interval: the parser's error names the
	// Go field only, and the wrong variable must not be blamed.
	t.Run("Should blame MONITORING_STDOUT_INTERVAL, not a good MONITORING_OTLP_INTERVAL", func(t *testing.T) {
		t.Setenv("MONITORING_OTLP_INTERVAL", "5s")
		t.Setenv("MONITORING_STDOUT_INTERVAL", "soon")
		_, err := monitoring.LoadConfig("")
		fes := fieldErrors(t, err)
		require.Len(t, fes, 1, err.Error())
		assert.Equal(t, "stdout.interval", fes[0].Field)
		assert.Equal(t, "MONITORING_STDOUT_INTERVAL", fes[0].Env)
	})
	t.Run("Should blame MONITORING_OTLP_INTERVAL, not a good MONITORING_STDOUT_INTERVAL", func(t *testing.T) {
		t.Setenv("MONITORING_OTLP_INTERVAL", "soon")
		t.Setenv("MONITORING_STDOUT_INTERVAL", "5s")
		_, err := monitoring.LoadConfig("")
		fes := fieldErrors(t, err)
		require.Len(t, fes, 1, err.Error())
		assert.Equal(t, monitoring.FieldError{
			Field: "otlp.interval", Env: "MONITORING_OTLP_INTERVAL", Value: "soon", Allowed: "must be a duration such as 30s",
		}, *fes[0])
	})
	t.Run("Should name the new keys in the validation errors", func(t *testing.T) {
		t.Setenv("MONITORING_PROMETHEUS_NAMESPACE", "my-app")
		t.Setenv("MONITORING_STDOUT_INTERVAL", "25h")
		_, err := monitoring.LoadConfig("")
		fes := fieldErrors(t, err)
		require.Len(t, fes, 2, err.Error())
		assert.Equal(t, "prometheus.namespace", fes[0].Field)
		assert.Equal(t, "MONITORING_PROMETHEUS_NAMESPACE", fes[0].Env)
		assert.Equal(t, "stdout.interval", fes[1].Field)
		assert.Equal(t, "MONITORING_STDOUT_INTERVAL", fes[1].Env)
	})
}
