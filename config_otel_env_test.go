package monitoring_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/otlptest"
)

// otelOnly returns the field error of the OTEL_* variable name, given the
// value, with otlp the backend.
func otelFieldError(t *testing.T, env map[string]string) *monitoring.FieldError {
	t.Helper()
	t.Setenv("MONITORING_ENABLED", "true")
	t.Setenv("MONITORING_BACKEND", "otlp")
	for k, v := range env {
		t.Setenv(k, v)
	}
	_, err := monitoring.ParseConfig(nil)
	fes := fieldErrors(t, err)
	require.Len(t, fes, 1, err.Error())
	assert.NotContains(t, err.Error(), fes[0].Env+" ("+fes[0].Env+")", "no doubled name")
	return fes[0]
}

func TestOTelHeadersValidated(t *testing.T) {
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"} {
		for _, bad := range []string{"Bearer-s3cr3t-token", "x-api-key=s3cr3t%ZZ", "bad key=s3cr3t", "x@k=s3cr3t"} {
			t.Run("Should refuse "+name+" that the exporter could not parse, naming it and not its value", func(t *testing.T) {
				// Both OTEL_* variables are read by the exporter itself, even
				// when MONITORING_OTLP_HEADERS wins over them.
				t.Setenv("MONITORING_OTLP_HEADERS", "x-api-key=good")
				t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-other=ok")
				fe := otelFieldError(t, map[string]string{name: bad})
				assert.Equal(t, name, fe.Env)
				assert.NotContains(t, fe.Error(), "s3cr3t")
			})
		}
	}
	t.Run("Should refuse the start of a Config built in code, so the exporter never sees the variable", func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "Bearer-s3cr3t-token")
		cfg := monitoring.DefaultConfig()
		cfg.Enabled, cfg.Backend = true, "otlp"
		_, err := monitoring.NewMonitoringService(t.Context(), &cfg)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "OTEL_EXPORTER_OTLP_METRICS_HEADERS")
		assert.NotContains(t, err.Error(), "s3cr3t")
	})
}

func TestOTelErrorsNameTheVariable(t *testing.T) {
	for _, tc := range []struct{ env, value, field string }{
		{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "collector:4318", "otlp.endpoint"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector", "otlp.endpoint"},
		{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "otlp.protocol"},
		{"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "thrift", "otlp.protocol"},
		{"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", "otlp.compression"},
		{"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "br", "otlp.compression"},
		{"OTEL_METRIC_EXPORT_INTERVAL", "60s", "otlp.interval"},
		{"OTEL_METRIC_EXPORT_INTERVAL", "500", "otlp.interval"},
		{"OTEL_EXPORTER_OTLP_TIMEOUT", "600000", "otlp.timeout"},
		{"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "soon", "otlp.timeout"},
		{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "sometimes", "otlp.temporality"},
	} {
		t.Run("Should name "+tc.env+" for its value "+tc.value, func(t *testing.T) {
			fe := otelFieldError(t, map[string]string{tc.env: tc.value})
			assert.Equal(t, tc.env, fe.Env)
			assert.Equal(t, tc.field, fe.Field)
		})
	}
	t.Run("Should name the OTEL_* certificate variable to remove from a plain-text endpoint", func(t *testing.T) {
		fe := otelFieldError(t, map[string]string{
			"OTEL_EXPORTER_OTLP_CERTIFICATE": "/etc/otel/ca.pem", "MONITORING_OTLP_ENDPOINT": "http://collector:4318",
		})
		assert.Contains(t, fe.Error(), "OTEL_EXPORTER_OTLP_CERTIFICATE")
	})
	t.Run("Should name the OTEL_* certificate variable to remove from an insecure setting", func(t *testing.T) {
		fe := otelFieldError(t, map[string]string{
			"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE": "/etc/otel/ca.pem", "MONITORING_OTLP_INSECURE": "true",
			"MONITORING_OTLP_ENDPOINT": "https://collector:4318",
		})
		assert.Contains(t, fe.Error(), "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE")
	})
	t.Run("Should name the OTEL_* variable of a certificate file that cannot be read", func(t *testing.T) {
		fe := otelFieldError(t, map[string]string{
			"OTEL_EXPORTER_OTLP_CERTIFICATE": "/nonexistent/ca.pem", "MONITORING_OTLP_ENDPOINT": "https://collector:4318",
		})
		assert.Equal(t, "OTEL_EXPORTER_OTLP_CERTIFICATE", fe.Env)
		assert.Equal(t, "otlp.ca_file", fe.Field)
	})
}

// withEnv loads the configuration from the environment, enabled, for
// backend.
func withEnv(t *testing.T, backend string) *monitoring.Config {
	t.Helper()
	t.Setenv("MONITORING_ENABLED", "true")
	t.Setenv("MONITORING_BACKEND", backend)
	cfg, err := monitoring.ParseConfig(nil)
	require.NoError(t, err)
	return cfg
}

func TestOTelIgnoredWithoutOTLP(t *testing.T) {
	t.Run("Should neither read nor check OTEL_EXPORTER_OTLP_* when otlp is not a backend", func(t *testing.T) {
		for k, v := range map[string]string{
			"OTEL_METRIC_EXPORT_INTERVAL": "60s", "OTEL_EXPORTER_OTLP_HEADERS": "Bearer-token",
			"OTEL_EXPORTER_OTLP_PROTOCOL": "junk", "OTEL_EXPORTER_OTLP_ENDPOINT": "not a url",
			"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "sometimes",
		} {
			t.Setenv(k, v)
		}
		cfg := withEnv(t, "prometheus")
		assert.Equal(t, monitoring.DefaultConfig().OTLP.Interval, cfg.OTLP.Interval)
		assert.Equal(t, monitoring.OTLPProtocolHTTP, cfg.OTLP.Protocol)
		newService(t, cfg)
	})
	t.Run("Should read them when YAML names otlp and MONITORING_BACKEND does not override it", func(t *testing.T) {
		t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "15000")
		cfg, err := monitoring.ParseConfig([]byte("backend: [prometheus, otlp]\n"))
		require.NoError(t, err)
		assert.Equal(t, "15s", cfg.OTLP.Interval.String())
	})
	t.Run("Should ignore them when MONITORING_BACKEND drops the otlp the YAML names", func(t *testing.T) {
		t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "60s")
		t.Setenv("MONITORING_BACKEND", "prometheus")
		_, err := monitoring.ParseConfig([]byte("backend: [prometheus, otlp]\n"))
		require.NoError(t, err)
	})
}

// pathSeen exports once to a receiver and returns the URL paths it saw.
func pathSeen(t *testing.T, env map[string]string) []string {
	t.Helper()
	rcv := otlptest.NewHTTP(t)
	base := "http://" + rcv.Addr()
	for k, v := range env {
		t.Setenv(k, strings.ReplaceAll(v, "BASE", base))
	}
	svc, err := monitoring.NewMonitoringService(t.Context(), withEnv(t, "otlp"))
	require.NoError(t, err)
	// A path the receiver does not serve answers 404: the flush and the
	// final export fail, and the path is what counts here.
	_ = svc.ForceFlush(t.Context())
	_ = svc.Shutdown(context.Background())
	return rcv.Paths()
}

func TestOTLPEndpointForms(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT without a path as is", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "BASE"}, "/"},
		{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT with a path as is", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "BASE/custom"}, "/custom"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT as a base", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "BASE/gw"}, "/gw/v1/metrics"},
		{"MONITORING_OTLP_ENDPOINT without a path with /v1/metrics", map[string]string{"MONITORING_OTLP_ENDPOINT": "BASE"}, "/v1/metrics"},
		{"MONITORING_OTLP_ENDPOINT with a path as is", map[string]string{"MONITORING_OTLP_ENDPOINT": "BASE/custom"}, "/custom"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT under a blank OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", map[string]string{
			"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "  ", "OTEL_EXPORTER_OTLP_ENDPOINT": "BASE",
		}, "/v1/metrics"},
	} {
		t.Run("Should post to "+tc.want+" for "+tc.name, func(t *testing.T) {
			paths := pathSeen(t, tc.env)
			require.NotEmpty(t, paths)
			assert.Equal(t, tc.want, paths[0])
		})
	}
}
