package monitoring_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
)

func TestBackendList(t *testing.T) {
	t.Run("Should read a YAML list of backends", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig([]byte("backend: [prometheus, otlp]\n"))
		require.NoError(t, err)
		assert.Equal(t, []string{"prometheus", "otlp"}, cfg.Backends())
	})
	t.Run("Should read a block YAML list of backends", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig([]byte("backend:\n  - stdout\n  - otlp\n  - prometheus\n"))
		require.NoError(t, err)
		assert.Equal(t, []string{"stdout", "otlp", "prometheus"}, cfg.Backends())
	})
	t.Run("Should read MONITORING_BACKEND separated by commas", func(t *testing.T) {
		t.Setenv("MONITORING_BACKEND", "prometheus, otlp")
		cfg, err := monitoring.ParseConfig(nil)
		require.NoError(t, err)
		assert.Equal(t, []string{"prometheus", "otlp"}, cfg.Backends())
		assert.Equal(t, "prometheus,otlp", cfg.Backend, "named without the spaces, as the status names it")
	})
	t.Run("Should keep a single backend working as before", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig([]byte("backend: stdout\n"))
		require.NoError(t, err)
		assert.Equal(t, "stdout", cfg.Backend)
		assert.Equal(t, []string{"stdout"}, cfg.Backends())
	})
	for _, tc := range []struct{ name, list, want string }{
		{"noop beside another backend", "prometheus,noop", "noop alone"},
		{"a repeated backend", "otlp,prometheus,otlp", "otlp is repeated"},
		{"an unknown backend in a list", "prometheus,graphite", "must be one of"},
		{"an empty entry", "prometheus,,otlp", "must be one of"},
	} {
		t.Run("Should refuse "+tc.name, func(t *testing.T) {
			cfg := monitoring.DefaultConfig()
			cfg.Backend = tc.list
			fes := fieldErrors(t, cfg.Validate())
			require.Len(t, fes, 1)
			assert.Equal(t, "backend", fes[0].Field)
			assert.Contains(t, fes[0].Allowed, tc.want)
		})
	}
}

func TestOTLPConfig(t *testing.T) {
	t.Run("Should read the otlp key and its MONITORING_OTLP_ variables over it", func(t *testing.T) {
		t.Setenv("MONITORING_OTLP_TIMEOUT", "3s")
		cfg, err := monitoring.ParseConfig([]byte(
			"backend: otlp\notlp:\n  endpoint: http://collector:4318\n  temporality: delta\n  timeout: 9s\n"))
		require.NoError(t, err)
		assert.Equal(t, "http://collector:4318", cfg.OTLP.Endpoint)
		assert.Equal(t, monitoring.OTLPTemporalityDelta, cfg.OTLP.Temporality)
		assert.Equal(t, 3*time.Second, cfg.OTLP.Timeout)
		assert.Equal(t, monitoring.OTLPProtocolHTTP, cfg.OTLP.Protocol, "the default")
	})
	t.Run("Should refuse headers in the YAML file without repeating them", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("backend: otlp\notlp:\n  headers: x-api-key=hunter2\n"))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "hunter2")
		assert.Contains(t, err.Error(), "MONITORING_OTLP_HEADERS")
		assert.Contains(t, err.Error(), "otlp.headers_file")
	})
	t.Run("Should refuse bad headers without repeating them", func(t *testing.T) {
		t.Setenv("MONITORING_OTLP_HEADERS", "hunter2-no-equals")
		_, err := monitoring.ParseConfig([]byte("backend: otlp\n"))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "hunter2")
		assert.Contains(t, err.Error(), "otlp.headers")
	})
	t.Run("Should refuse a headers file that cannot be read, naming its key", func(t *testing.T) {
		t.Setenv("MONITORING_OTLP_HEADERS_FILE", "testdata/no-such-headers")
		_, err := monitoring.ParseConfig([]byte("backend: otlp\n"))
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "otlp.headers_file", fe.Field)
	})
	t.Run("Should refuse settings that cannot be used, naming each", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		cfg.Backend = "otlp"
		cfg.OTLP = monitoring.OTLPConfig{
			Protocol: "http/json", Endpoint: "collector:4318", Compression: "zstd", Interval: time.Millisecond,
			Timeout: 0, Temporality: "sometimes", ClientCertFile: "cert.pem",
		}
		fields := map[string]bool{}
		for _, fe := range fieldErrors(t, cfg.Validate()) {
			fields[fe.Field] = true
		}
		for _, f := range []string{
			"otlp.protocol", "otlp.endpoint", "otlp.compression", "otlp.interval", "otlp.timeout",
			"otlp.temporality", "otlp.client_key_file",
		} {
			assert.True(t, fields[f], f)
		}
	})
	t.Run("Should not check the otlp key when otlp is not used", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		cfg.OTLP.Protocol = "http/json"
		assert.NoError(t, cfg.Validate())
	})
	t.Run("Should refuse TLS files with a plain-text endpoint", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		cfg.Backend = "otlp"
		cfg.OTLP.Endpoint, cfg.OTLP.CAFile = "http://collector:4318", "ca.pem"
		fes := fieldErrors(t, cfg.Validate())
		require.Len(t, fes, 1)
		assert.Equal(t, "otlp.endpoint", fes[0].Field)
	})
	t.Run("Should never log the headers when the service starts", func(t *testing.T) {
		t.Setenv("MONITORING_OTLP_HEADERS", "x-api-key=hunter2")
		cfg, err := monitoring.ParseConfig([]byte("enabled: true\nbackend: otlp\notlp:\n  endpoint: http://127.0.0.1:1\n"))
		require.NoError(t, err)
		var logs bytes.Buffer
		svc, err := monitoring.NewMonitoringService(t.Context(), cfg,
			monitoring.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), monitoring.WithoutOTelErrorHandler())
		require.NoError(t, err)
		require.Error(t, svc.ForceFlush(t.Context()), "nothing listens on port 1")
		require.Error(t, svc.Shutdown(t.Context()), "the final export fails too, and says so")
		assert.Contains(t, logs.String(), "export failed")
		assert.NotContains(t, logs.String(), "hunter2")
		assert.NotContains(t, fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), "hunter2")
	})
}

func TestOTelVariables(t *testing.T) {
	t.Run("Should apply the standard variables over the YAML file", func(t *testing.T) {
		t.Setenv("OTEL_SERVICE_NAME", "from-otel")
		t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=pod-7,deployment.environment=prod")
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")
		t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")
		t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
		t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "15000")
		t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "Delta")
		cfg, err := monitoring.ParseConfig([]byte("backend: otlp\nservice_name: from-yaml\notlp:\n  timeout: 9s\n"))
		require.NoError(t, err)
		assert.Equal(t, "from-otel", cfg.ServiceName)
		assert.Equal(t, "pod-7", cfg.ServiceInstanceID)
		assert.Equal(t, monitoring.OTLPProtocolGRPC, cfg.OTLP.Protocol)
		assert.Equal(t, "http://collector:4317", cfg.OTLP.Endpoint)
		assert.Equal(t, 2500*time.Millisecond, cfg.OTLP.Timeout)
		assert.Equal(t, monitoring.OTLPCompressionGzip, cfg.OTLP.Compression)
		assert.Equal(t, 15*time.Second, cfg.OTLP.Interval)
		assert.Equal(t, monitoring.OTLPTemporalityDelta, cfg.OTLP.Temporality)
	})
	t.Run("Should let every MONITORING_ variable win over its OTEL_ one", func(t *testing.T) {
		t.Setenv("OTEL_SERVICE_NAME", "from-otel")
		t.Setenv("MONITORING_SERVICE_NAME", "from-monitoring")
		t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://otel:4318/v1/metrics")
		t.Setenv("MONITORING_OTLP_ENDPOINT", "http://ours:4318")
		t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")
		t.Setenv("MONITORING_OTLP_TIMEOUT", "4s")
		cfg, err := monitoring.ParseConfig([]byte("backend: otlp\n"))
		require.NoError(t, err)
		assert.Equal(t, "from-monitoring", cfg.ServiceName)
		assert.Equal(t, "http://ours:4318", cfg.OTLP.Endpoint)
		assert.Equal(t, 4*time.Second, cfg.OTLP.Timeout)
	})
	t.Run("Should prefer the metrics variable to the generic one", func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
		t.Setenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/protobuf")
		cfg, err := monitoring.ParseConfig([]byte("backend: otlp\n"))
		require.NoError(t, err)
		assert.Equal(t, monitoring.OTLPProtocolHTTP, cfg.OTLP.Protocol)
	})
	t.Run("Should name a standard variable whose value is not a number", func(t *testing.T) {
		t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "1m")
		_, err := monitoring.ParseConfig([]byte("backend: otlp\n"))
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "OTEL_METRIC_EXPORT_INTERVAL", fe.Env)
	})
}
