package monitoring_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

// newService builds a service that must start without a config error and
// shuts it down when the test ends.
func newService(t *testing.T, cfg *monitoring.Config, opts ...monitoring.Option) *service.MonitoringService {
	t.Helper()
	svc, err := monitoring.NewMonitoringService(t.Context(), cfg, opts...)
	return testkit.Started(t, svc, err)
}

// enabled returns the default config, enabled, for backend.
func enabled(backend string) *monitoring.Config {
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	cfg.Backend = backend
	return &cfg
}

// testLogger returns a logger writing text lines into the returned buffer.
func testLogger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

var errRefused = errors.New("registry refuses every collector")

// refusingRegistry is a registry whose Register always fails, so the
// Prometheus backend cannot start.
type refusingRegistry struct {
	*prometheus.Registry
}

func (refusingRegistry) Register(prometheus.Collector) error { return errRefused }

func TestNewMonitoringServiceDisabled(t *testing.T) {
	t.Parallel()

	t.Run("Should use the defaults when cfg is nil", func(t *testing.T) {
		t.Parallel()
		logger, logs := testLogger()
		svc := newService(t, nil, monitoring.WithLogger(logger))

		assert.Equal(t, port.Status{Backend: "noop", Enabled: false, Healthy: true,
			Reason: "monitoring disabled by configuration (enabled: false)"}, svc.Status())
		assert.Empty(t, logs.String(), "a disabled service logs nothing")
	})
	t.Run("Should answer 404 with a reason when disabled", func(t *testing.T) {
		t.Parallel()
		svc := newService(t, nil)

		code, body := testkit.Scrape(t, svc.Handler())
		assert.Equal(t, http.StatusNotFound, code)
		assert.Contains(t, body, "disabled")
		code, body = testkit.Scrape(t, svc.ExporterHandler())
		assert.Equal(t, http.StatusNotFound, code)
		assert.Contains(t, body, "disabled")
	})
	t.Run("Should not start the named backend when Enabled is false", func(t *testing.T) {
		t.Parallel()
		cfg := monitoring.DefaultConfig()
		cfg.Backend = monitoring.BackendStdout
		var out bytes.Buffer
		svc := newService(t, &cfg, monitoring.WithWriter(&out))

		assert.Equal(t, "noop", svc.Status().Backend)
		assert.False(t, svc.Status().Enabled)
		testkit.Count(t, svc.Meter(), "demo.requests", 1)
		require.NoError(t, svc.ForceFlush(t.Context()))
		require.NoError(t, svc.Shutdown(t.Context()))
		assert.Empty(t, out.String(), "nothing is written when disabled")
	})
	t.Run("Should hand out working no-op instruments when disabled", func(t *testing.T) {
		t.Parallel()
		svc := newService(t, nil)

		h, err := svc.Meter().Float64Histogram("demo.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		assert.NotPanics(t, func() { h.Record(context.Background(), 0.5) })
		m := svc.MeterProvider().Meter("other")
		require.NotNil(t, m)
		_, err = m.Int64UpDownCounter("demo.active")
		assert.NoError(t, err)
		assert.NoError(t, svc.ForceFlush(t.Context()))
	})
}

func TestNewMonitoringServiceInvalidConfig(t *testing.T) {
	t.Parallel()

	t.Run("Should return the validation error and no service", func(t *testing.T) {
		t.Parallel()
		logger, logs := testLogger()
		cfg := monitoring.DefaultConfig()
		cfg.Backend = "graphite"

		svc, err := monitoring.NewMonitoringService(t.Context(), &cfg, monitoring.WithLogger(logger))
		require.Error(t, err)
		assert.Nil(t, svc)
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "backend", fe.Field)
		assert.Equal(t, "MONITORING_BACKEND", fe.Env)
		assert.Contains(t, err.Error(), "prometheus, stdout, otlp, noop")
		assert.Empty(t, logs.String(), "the config error is returned, not logged")
	})
	t.Run("Should validate even a disabled config", func(t *testing.T) {
		t.Parallel()
		cfg := monitoring.DefaultConfig()
		cfg.Path = "metrics"

		svc, err := monitoring.NewMonitoringService(t.Context(), &cfg)
		require.Error(t, err)
		assert.Nil(t, svc)
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "path", fe.Field)
	})
	t.Run("Should reject the zero Config", func(t *testing.T) {
		t.Parallel()
		svc, err := monitoring.NewMonitoringService(t.Context(), &monitoring.Config{})
		require.Error(t, err)
		assert.Nil(t, svc)
		assert.Len(t, fieldErrors(t, err), 5, "path, backend, service_name, server_write_timeout and stdout.interval")
	})
}

func TestNewMonitoringServicePrometheus(t *testing.T) {
	t.Parallel()

	t.Run("Should report a healthy enabled prometheus backend", func(t *testing.T) {
		t.Parallel()
		svc := newService(t, enabled(monitoring.BackendPrometheus))

		assert.Equal(t, port.Status{Backend: "prometheus", Enabled: true, Healthy: true,
			Backends: []port.BackendStatus{{Name: "prometheus", Healthy: true}}}, svc.Status())
	})
	t.Run("Should serve a counter recorded through the meter with a translated name", func(t *testing.T) {
		t.Parallel()
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		testkit.Count(t, svc.Meter(), "demo.requests", 3)

		code, body := testkit.Scrape(t, svc.Handler())
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, "# TYPE demo_requests_total counter")
		assert.Contains(t, body, "\ndemo_requests_total 3\n")
		assert.NotContains(t, body, "demo.requests")
		assert.NotContains(t, body, "otel_scope_name", "scope labels are off by default")
	})
	t.Run("Should serve target_info with the configured service name", func(t *testing.T) {
		t.Parallel()
		cfg := enabled(monitoring.BackendPrometheus)
		cfg.ServiceName = "checkout"
		svc := newService(t, cfg)
		testkit.Count(t, svc.Meter(), "demo.requests", 1)

		code, body := testkit.Scrape(t, svc.Handler())
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, "target_info{")
		assert.Contains(t, body, `service_name="checkout"`)
		assert.NotContains(t, body, `service_name="unknown_service"`)
	})
	// What a namespace does to the exposition is the adapter's to test
	// (adapters/prometheus TestExposition); here, that prometheus.namespace
	// reaches it.
	t.Run("Should hand prometheus.namespace to the Prometheus backend", func(t *testing.T) {
		t.Parallel()
		cfg := enabled(monitoring.BackendPrometheus)
		cfg.Prometheus.Namespace = "shop"
		svc := newService(t, cfg)
		testkit.Count(t, svc.Meter(), "demo.requests", 2)

		_, body := testkit.Scrape(t, svc.Handler())
		assert.Contains(t, body, "\nshop_demo_requests_total 2\n")
	})
	t.Run("Should serve metrics recorded through MeterProvider too", func(t *testing.T) {
		t.Parallel()
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		testkit.Count(t, svc.MeterProvider().Meter("some/library"), "library.calls", 4)

		_, body := testkit.Scrape(t, svc.Handler())
		assert.Contains(t, body, "\nlibrary_calls_total 4\n")
	})
	// The buckets themselves are the adapter's to test (adapters/prometheus
	// TestExposition, adapters/internal/sdk TestSecondsBuckets); here, that
	// the provider the root composes applies them.
	t.Run("Should give histograms in seconds second-scale buckets", func(t *testing.T) {
		t.Parallel()
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		h, err := svc.Meter().Float64Histogram("http.server.request.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		h.Record(context.Background(), 0.2)

		_, body := testkit.Scrape(t, svc.Handler())
		assert.Contains(t, body, `http_server_request_duration_seconds_bucket{le="0.25"} 1`)
	})
	// How series fold past the limit is the adapter's to test
	// (adapters/prometheus TestExposition, internal/fast FuzzLimit); here,
	// that cardinality_limit reaches the provider, a limit of 0 included.
	t.Run("Should hand cardinality_limit to the provider", func(t *testing.T) {
		t.Parallel()
		cfg := enabled(monitoring.BackendPrometheus)
		cfg.CardinalityLimit = 2
		svc := newService(t, cfg)
		c, err := svc.Meter().Int64Counter("demo.requests")
		require.NoError(t, err)
		for i := range 5 {
			c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("shard", i)))
		}

		_, body := testkit.Scrape(t, svc.Handler())
		assert.Contains(t, body, `demo_requests_total{otel_metric_overflow="true"}`)
	})
	t.Run("Should hand a cardinality_limit of 0 to the provider as no limit, not the default", func(t *testing.T) {
		t.Parallel()
		cfg := enabled(monitoring.BackendPrometheus)
		cfg.CardinalityLimit = 0
		cfg.SystemMetrics = false
		svc := newService(t, cfg)
		c, err := svc.Meter().Int64Counter("demo.requests")
		require.NoError(t, err)
		series := monitoring.DefaultConfig().CardinalityLimit + 1 // one past the default: it would overflow
		for i := range series {
			c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("shard", i)))
		}

		_, body := testkit.Scrape(t, svc.Handler())
		assert.NotContains(t, body, "otel_metric_overflow")
	})
	// The adapter never registers globally by itself (adapters/prometheus
	// TestRegistry); here, that the root hands it no global registry either.
	t.Run("Should not register into the global default registry", func(t *testing.T) {
		t.Parallel()
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		testkit.Count(t, svc.Meter(), "isolation.probe", 1)
		_, body := testkit.Scrape(t, svc.Handler())
		require.Contains(t, body, "isolation_probe_total 1")

		families, err := prometheus.DefaultGatherer.Gather()
		require.NoError(t, err)
		for _, f := range families {
			assert.NotEqual(t, "isolation_probe_total", f.GetName())
		}
	})
	t.Run("Should let two services run side by side", func(t *testing.T) {
		t.Parallel()
		a := newService(t, enabled(monitoring.BackendPrometheus))
		b := newService(t, enabled(monitoring.BackendPrometheus))
		testkit.Count(t, a.Meter(), "demo.requests", 1)
		testkit.Count(t, b.Meter(), "demo.requests", 7)

		assert.True(t, a.Status().Healthy)
		assert.True(t, b.Status().Healthy)
		_, bodyA := testkit.Scrape(t, a.Handler())
		_, bodyB := testkit.Scrape(t, b.Handler())
		assert.Contains(t, bodyA, "\ndemo_requests_total 1\n")
		assert.Contains(t, bodyB, "\ndemo_requests_total 7\n")
	})
}

func TestWithRegistry(t *testing.T) {
	t.Parallel()

	t.Run("Should serve client_golang metrics of the registry beside ours", func(t *testing.T) {
		t.Parallel()
		registry := prometheus.NewRegistry()
		legacy := prometheus.NewCounter(prometheus.CounterOpts{Name: "legacy_jobs_total", Help: "Jobs run."})
		registry.MustRegister(legacy)
		legacy.Add(2)

		svc := newService(t, enabled(monitoring.BackendPrometheus), monitoring.WithRegistry(registry))
		testkit.Count(t, svc.Meter(), "demo.requests", 1)

		code, body := testkit.Scrape(t, svc.Handler())
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, "\nlegacy_jobs_total 2\n")
		assert.Contains(t, body, "\ndemo_requests_total 1\n")
		assert.Equal(t, port.Status{Backend: "prometheus", Enabled: true, Healthy: true,
			Backends: []port.BackendStatus{{Name: "prometheus", Healthy: true}}}, svc.Status())
	})
	t.Run("Should register our collector into the given registry", func(t *testing.T) {
		t.Parallel()
		registry := prometheus.NewRegistry()
		svc := newService(t, enabled(monitoring.BackendPrometheus), monitoring.WithRegistry(registry))
		testkit.Count(t, svc.Meter(), "demo.requests", 1)

		families, err := registry.Gather()
		require.NoError(t, err)
		names := make([]string, 0, len(families))
		for _, f := range families {
			names = append(names, f.GetName())
		}
		assert.Contains(t, names, "demo_requests_total")
		assert.Contains(t, names, "target_info")
	})
	t.Run("Should keep two services on one registry healthy, serving every family and logging the collision", func(t *testing.T) {
		t.Parallel()
		registry := prometheus.NewRegistry()
		logger, logs := testLogger()
		first := newService(t, enabled(monitoring.BackendPrometheus), monitoring.WithRegistry(registry))
		second := newService(t, enabled(monitoring.BackendPrometheus), monitoring.WithRegistry(registry),
			monitoring.WithLogger(logger))
		testkit.Count(t, first.Meter(), "orders", 2)
		testkit.Count(t, second.Meter(), "payments", 3)

		code, body := testkit.Scrape(t, second.Handler())
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, "\norders_total 2\n")
		assert.Contains(t, body, "\npayments_total 3\n")
		assert.Equal(t, 1, strings.Count(body, "\nprocess_uptime_seconds "), "both services have one; one is served")
		assert.True(t, first.Status().Healthy)
		assert.True(t, second.Status().Healthy)
		assert.Contains(t, logs.String(), "a scrape dropped what could not be gathered")
	})
	t.Run("Should be ignored by the stdout backend", func(t *testing.T) {
		t.Parallel()
		registry := prometheus.NewRegistry()
		var out bytes.Buffer
		cfg := enabled(monitoring.BackendStdout)
		cfg.Stdout.Interval = time.Hour
		svc := newService(t, cfg, monitoring.WithRegistry(registry), monitoring.WithWriter(&out))
		testkit.Count(t, svc.Meter(), "demo.requests", 1)

		families, err := registry.Gather()
		require.NoError(t, err)
		assert.Empty(t, families)
		assert.Equal(t, "stdout", svc.Status().Backend)
	})
}

func TestNewMonitoringServiceStdout(t *testing.T) {
	t.Parallel()

	// stdoutService builds a stdout service writing to out; the interval is
	// long enough that only ForceFlush and Shutdown write.
	stdoutService := func(t *testing.T, cfg *monitoring.Config, out *bytes.Buffer, opts ...monitoring.Option) *service.MonitoringService {
		t.Helper()
		if cfg == nil {
			cfg = enabled(monitoring.BackendStdout)
		}
		cfg.Stdout.Interval = time.Hour
		return newService(t, cfg, append([]monitoring.Option{monitoring.WithWriter(out)}, opts...)...)
	}

	t.Run("Should report a healthy enabled stdout backend", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		svc := stdoutService(t, nil, &out)

		assert.Equal(t, port.Status{Backend: "stdout", Enabled: true, Healthy: true,
			Backends: []port.BackendStatus{{Name: "stdout", Healthy: true}}}, svc.Status())
	})
	t.Run("Should write JSON with the instrument name on ForceFlush", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		cfg := enabled(monitoring.BackendStdout)
		cfg.ServiceName = "batch-job"
		svc := stdoutService(t, cfg, &out)
		testkit.Count(t, svc.Meter(), "demo.requests", 3)
		require.Empty(t, out.String(), "nothing is written before a flush")

		require.NoError(t, svc.ForceFlush(t.Context()))

		written := out.String()
		require.NotEmpty(t, written)
		var doc map[string]any
		require.NoError(t, json.NewDecoder(strings.NewReader(written)).Decode(&doc), written)
		assert.Contains(t, doc, "ScopeMetrics")
		assert.Contains(t, written, `"demo.requests"`)
		assert.Contains(t, written, "batch-job")
	})
	t.Run("Should use the meter name from WithMeterName as the scope", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		svc := stdoutService(t, nil, &out, monitoring.WithMeterName("orders"))
		testkit.Count(t, svc.Meter(), "demo.requests", 1)

		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.Contains(t, out.String(), `"Name":"orders"`)
		assert.NotContains(t, out.String(), `"Name":"github.com/compozy/monitoring"`)
	})
	t.Run("Should use the default scope without WithMeterName", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		svc := stdoutService(t, nil, &out)
		testkit.Count(t, svc.Meter(), "demo.requests", 1)

		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.Contains(t, out.String(), `"Name":"github.com/compozy/monitoring"`)
	})
	t.Run("Should answer 404 with a reason since there is nothing to scrape", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		svc := stdoutService(t, nil, &out)

		code, body := testkit.Scrape(t, svc.Handler())
		assert.Equal(t, http.StatusNotFound, code)
		assert.Contains(t, body, "nothing to scrape")
	})
	t.Run("Should write what is left on Shutdown", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		svc := stdoutService(t, nil, &out)
		testkit.Count(t, svc.Meter(), "last.words", 1)

		require.NoError(t, svc.Shutdown(t.Context()))
		assert.Contains(t, out.String(), `"last.words"`)
	})
}

func TestNewMonitoringServiceNoopBackend(t *testing.T) {
	t.Parallel()

	t.Run("Should serve the noop backend when it is named and enabled", func(t *testing.T) {
		t.Parallel()
		logger, logs := testLogger()
		svc := newService(t, enabled(monitoring.BackendNoop), monitoring.WithLogger(logger))

		st := svc.Status()
		assert.Equal(t, "noop", st.Backend)
		assert.True(t, st.Healthy)
		assert.False(t, st.Enabled, "nothing is recorded")
		require.NoError(t, st.Err)
		code, body := testkit.Scrape(t, svc.Handler())
		assert.Equal(t, http.StatusNotFound, code)
		assert.Contains(t, body, "disabled")
		assert.Empty(t, logs.String())
	})
}

func TestNewMonitoringServiceInitFailure(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name    string
		cfg     func() *monitoring.Config
		opt     monitoring.Option
		backend string
		reason  string
		is      error
	}{
		{
			name:    "a registry that refuses the collector",
			cfg:     func() *monitoring.Config { return enabled(monitoring.BackendPrometheus) },
			opt:     monitoring.WithRegistry(refusingRegistry{Registry: prometheus.NewRegistry()}),
			backend: "prometheus",
			reason:  errRefused.Error(),
			is:      errRefused,
		},
		{
			name:    "a nil stdout writer",
			cfg:     func() *monitoring.Config { return enabled(monitoring.BackendStdout) },
			opt:     monitoring.WithWriter(nil),
			backend: "stdout",
			reason:  "writer is nil",
		},
	}
	for _, tc := range cases {
		t.Run("Should fall back to no-op and return no error for "+tc.name, func(t *testing.T) {
			t.Parallel()
			logger, _ := testLogger()
			svc, err := monitoring.NewMonitoringService(t.Context(), tc.cfg(), tc.opt, monitoring.WithLogger(logger))
			require.NoError(t, err)
			require.NotNil(t, svc)
			t.Cleanup(func() { assert.NoError(t, svc.Shutdown(context.Background())) })

			st := svc.Status()
			assert.Equal(t, "noop", st.Backend)
			assert.False(t, st.Healthy)
			assert.False(t, st.Enabled)
			require.Error(t, st.Err)
			assert.Contains(t, st.Err.Error(), tc.reason)
			if tc.is != nil {
				assert.ErrorIs(t, st.Err, tc.is)
			}
		})
		t.Run("Should answer 503 naming the reason for "+tc.name, func(t *testing.T) {
			t.Parallel()
			svc := newService(t, tc.cfg(), tc.opt, monitoring.WithLogger(slog.New(slog.DiscardHandler)))

			code, body := testkit.Scrape(t, svc.Handler())
			assert.Equal(t, http.StatusServiceUnavailable, code)
			assert.Contains(t, body, "monitoring unavailable")
			assert.Contains(t, body, tc.reason)
		})
		t.Run("Should log the failure through the injected logger for "+tc.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := testLogger()
			newService(t, tc.cfg(), tc.opt, monitoring.WithLogger(logger))

			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			require.Len(t, lines, 1, logs.String())
			assert.Contains(t, lines[0], "level=ERROR")
			assert.Contains(t, lines[0], "backend failed to start")
			assert.Contains(t, lines[0], "backend="+tc.backend)
			assert.Contains(t, lines[0], tc.reason)
		})
		t.Run("Should keep the earlier logger when WithLogger is given nil for "+tc.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := testLogger()
			svc, err := monitoring.NewMonitoringService(t.Context(), tc.cfg(), tc.opt,
				monitoring.WithLogger(logger), monitoring.WithLogger(nil))
			require.NoError(t, err)
			t.Cleanup(func() { assert.NoError(t, svc.Shutdown(context.Background())) })

			assert.Contains(t, logs.String(), "backend failed to start")
		})
		t.Run("Should hand out harmless instruments for "+tc.name, func(t *testing.T) {
			t.Parallel()
			svc := newService(t, tc.cfg(), tc.opt, monitoring.WithLogger(slog.New(slog.DiscardHandler)))

			assert.NotPanics(t, func() { testkit.Count(t, svc.Meter(), "demo.requests", 1) })
			assert.NoError(t, svc.ForceFlush(t.Context()))
		})
	}
}

func TestMonitoringServiceShutdown(t *testing.T) {
	t.Parallel()

	backends := []struct {
		name    string
		backend string
		cfg     func() *monitoring.Config
	}{
		{name: "disabled", backend: "noop", cfg: func() *monitoring.Config { return nil }},
		{name: "noop", backend: "noop", cfg: func() *monitoring.Config { return enabled(monitoring.BackendNoop) }},
		{name: "prometheus", backend: "prometheus", cfg: func() *monitoring.Config { return enabled(monitoring.BackendPrometheus) }},
		{name: "stdout", backend: "stdout", cfg: func() *monitoring.Config {
			cfg := enabled(monitoring.BackendStdout)
			cfg.Stdout.Interval = time.Hour
			return cfg
		}},
	}
	for _, b := range backends {
		t.Run("Should be idempotent for the "+b.name+" backend", func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			svc := newService(t, b.cfg(), monitoring.WithWriter(&out))

			first := svc.Shutdown(t.Context())
			require.NoError(t, first)
			var second error
			require.NotPanics(t, func() { second = svc.Shutdown(t.Context()) })
			assert.Equal(t, first, second)
		})
		t.Run("Should report unhealthy with ErrShutdown after Shutdown for the "+b.name+" backend", func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			svc := newService(t, b.cfg(), monitoring.WithWriter(&out))
			require.NoError(t, svc.Shutdown(t.Context()))

			st := svc.Status()
			assert.Equal(t, b.backend, st.Backend)
			assert.False(t, st.Healthy)
			assert.False(t, st.Enabled)
			assert.ErrorIs(t, st.Err, port.ErrShutdown)
		})
		t.Run("Should answer 503 after Shutdown for the "+b.name+" backend", func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			svc := newService(t, b.cfg(), monitoring.WithWriter(&out))
			require.NoError(t, svc.Shutdown(t.Context()))

			code, body := testkit.Scrape(t, svc.Handler())
			assert.Equal(t, http.StatusServiceUnavailable, code)
			assert.Contains(t, body, port.ErrShutdown.Error())
		})
		t.Run("Should keep instruments harmless after Shutdown for the "+b.name+" backend", func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			svc := newService(t, b.cfg(), monitoring.WithWriter(&out))
			before, err := svc.Meter().Int64Counter("made.before")
			require.NoError(t, err)
			require.NoError(t, svc.Shutdown(t.Context()))
			written := out.Len()

			assert.NotPanics(t, func() { before.Add(context.Background(), 1) })
			after, err := svc.Meter().Float64Histogram("made.after", metric.WithUnit("s"))
			require.NoError(t, err)
			require.NotNil(t, after)
			assert.NotPanics(t, func() { after.Record(context.Background(), 1) })
			assert.NoError(t, svc.ForceFlush(t.Context()))
			assert.Equal(t, written, out.Len(), "nothing is written after Shutdown")
		})
	}

	t.Run("Should return the same result to concurrent callers", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		cfg := enabled(monitoring.BackendStdout)
		cfg.Stdout.Interval = time.Hour
		svc := newService(t, cfg, monitoring.WithWriter(&out))
		testkit.Count(t, svc.Meter(), "demo.requests", 1)

		const callers = 8
		errs := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() { errs[i] = svc.Shutdown(context.Background()) })
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, 1, strings.Count(out.String(), `"demo.requests"`), "the backend was flushed once")
	})
	t.Run("Should return the first call's error on later calls", func(t *testing.T) {
		t.Parallel()
		logger, logs := testLogger()
		var out bytes.Buffer
		cfg := enabled(monitoring.BackendStdout)
		cfg.Stdout.Interval = time.Hour
		svc, err := monitoring.NewMonitoringService(t.Context(), cfg,
			monitoring.WithWriter(&out), monitoring.WithLogger(logger))
		require.NoError(t, err)
		// Shutdown is the subject here; this only stops the reader should
		// the test fail before it, and its result is checked below.
		t.Cleanup(func() { _ = svc.Shutdown(context.Background()) })
		testkit.Count(t, svc.Meter(), "demo.requests", 1)

		cancelled, cancel := context.WithCancel(t.Context())
		cancel()
		first := svc.Shutdown(cancelled)
		require.ErrorIs(t, first, context.Canceled)
		assert.Equal(t, first, svc.Shutdown(context.Background()))
		assert.Contains(t, logs.String(), "shutdown failed")
		assert.ErrorIs(t, svc.Status().Err, port.ErrShutdown)
	})
}

func TestSystemMetricsThroughTheRoot(t *testing.T) {
	t.Run("Should expose build_info with the version and commit given", func(t *testing.T) {
		svc := newService(t, enabled(monitoring.BackendPrometheus), monitoring.WithBuildInfo("v9.9.9", "deadbeef"))
		_, body := testkit.Scrape(t, svc.ExporterHandler())
		assert.Contains(t, body, `build_info{commit="deadbeef",go_version="`)
		assert.Contains(t, body, `version="v9.9.9"} 1`)
		assert.Contains(t, body, "process_uptime_seconds ")
		assert.Contains(t, body, "go_goroutines ")
		assert.NotContains(t, body, "go_goroutine_count", "promtool rejects _count on a gauge")
	})

	t.Run("Should report through BuildInfo the version and commit build_info exposes, empty values included", func(t *testing.T) {
		for _, given := range [][2]string{{"", ""}, {"v1.2.3", ""}, {"", "cafe"}, {"v1.2.3", "cafe"}} {
			version, commit := monitoring.BuildInfo(given[0], given[1])
			assert.NotEmpty(t, version, "what a program logs at start-up is never empty")
			assert.NotEmpty(t, commit)
			svc := newService(t, enabled(monitoring.BackendPrometheus), monitoring.WithBuildInfo(given[0], given[1]))
			_, body := testkit.Scrape(t, svc.ExporterHandler())
			assert.Contains(t, body, `build_info{commit="`+commit+`",go_version="`, "given %q", given)
			assert.Contains(t, body, `version="`+version+`"} 1`, "given %q", given)
		}
	})

	t.Run("Should leave them out when system_metrics is false", func(t *testing.T) {
		cfg := enabled(monitoring.BackendPrometheus)
		cfg.SystemMetrics = false
		_, body := testkit.Scrape(t, newService(t, cfg).ExporterHandler())
		assert.NotContains(t, body, "build_info")
		assert.NotContains(t, body, "go_goroutines")
	})
}

// failingWriter refuses every write, as a full disk would.
type failingWriter struct{ calls chan struct{} }

func (w failingWriter) Write([]byte) (int, error) {
	select {
	case w.calls <- struct{}{}:
	default:
	}
	return 0, errors.New("disk full")
}

func TestOTelErrorsReachTheLogger(t *testing.T) {
	t.Run("Should log a failing stdout writer through the injected logger", func(t *testing.T) {
		var logs testkit.Buffer
		cfg := enabled(monitoring.BackendStdout)
		cfg.Stdout.Interval = monitoring.MinStdoutInterval
		w := failingWriter{calls: make(chan struct{}, 1)}
		svc, err := monitoring.NewMonitoringService(t.Context(), cfg, monitoring.WithWriter(w),
			monitoring.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		require.NoError(t, err)
		t.Cleanup(func() {
			// The final flush fails too, and says so.
			assert.ErrorContains(t, svc.Shutdown(context.Background()), "disk full")
		})
		testkit.Count(t, svc.Meter(), "rows", 1)

		require.ErrorContains(t, svc.ForceFlush(t.Context()), "disk full")
		assert.Len(t, logs.LinesContaining("stdout writer failing", "disk full"), 1)
	})

	t.Run("Should route OpenTelemetry's own errors to the injected logger", func(t *testing.T) {
		var logs testkit.Buffer
		newService(t, enabled(monitoring.BackendNoop),
			monitoring.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		otel.Handle(errors.New("exporter exploded"))
		otel.Handle(errors.New("exporter exploded"))
		assert.Len(t, logs.LinesContaining("opentelemetry: exporter exploded"), 1, "logged once, the repeat held back")
	})
}
