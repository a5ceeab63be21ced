package monitoring_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
)

// TestOTLPEndpointCredentialsNeverEchoed attacks the promise of
// docs/configuration.md that a secret is never echoed: an endpoint with
// credentials in it is refused, and neither the error, its FieldErrors nor
// a log line shows them, whichever setting gave it.
func TestOTLPEndpointCredentialsNeverEchoed(t *testing.T) {
	const secret = "S3CRET"
	endpoints := []string{
		"https://u:S3CRET@h:4318",
		"https://S3CRET@h:4318",
		"http://user:S3CRET@collector.example.com:4318/v1/metrics",
		"h:S3CRET",
		"u:S3CRET@h:4318",
		"https://u:%zzS3CRET@h:4318", // does not parse
		"S3CRET",
		"https://u:S3CRET@h:4318/" + strings.Repeat("p", 5000), // too long
	}
	sources := []struct {
		name string
		set  func(t *testing.T, v string) []byte // returns the YAML document
	}{
		{"the YAML file", func(_ *testing.T, v string) []byte {
			return []byte("enabled: true\nbackend: otlp\notlp:\n  endpoint: '" + v + "'\n")
		}},
		{"MONITORING_OTLP_ENDPOINT", func(t *testing.T, v string) []byte {
			t.Setenv("MONITORING_OTLP_ENDPOINT", v)
			return []byte("enabled: true\nbackend: otlp\n")
		}},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", func(t *testing.T, v string) []byte {
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", v)
			return []byte("enabled: true\nbackend: otlp\n")
		}},
		{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", func(t *testing.T, v string) []byte {
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", v)
			return []byte("enabled: true\nbackend: otlp\n")
		}},
	}
	for _, src := range sources {
		for _, ep := range endpoints {
			t.Run("Should refuse "+src.name+" with credentials and never show them: "+ep[:min(len(ep), 40)], func(t *testing.T) {
				_, err := monitoring.ParseConfig(src.set(t, ep))
				require.Error(t, err)
				assert.NotContains(t, err.Error(), secret)
				fes := monitoring.FieldErrors(err)
				require.NotEmpty(t, fes)
				found := false
				for _, fe := range fes {
					assert.NotContains(t, fe.Value, secret)
					assert.NotContains(t, fe.Allowed, secret)
					assert.LessOrEqual(t, len(fe.Value), 100, "an echoed value is bounded")
					found = found || fe.Field == "otlp.endpoint"
				}
				assert.True(t, found, "the error names otlp.endpoint: %v", err)
			})
		}
	}

	t.Run("Should show the rest of a URL that parses, without its user info", func(t *testing.T) {
		t.Setenv("MONITORING_OTLP_ENDPOINT", "https://u:S3CRET@collector:4318")
		_, err := monitoring.ParseConfig([]byte("enabled: true\nbackend: otlp\n"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "collector:4318")
		assert.NotContains(t, err.Error(), "u:")
	})

	t.Run("Should log no credential when a hand-built config reaches NewMonitoringService", func(t *testing.T) {
		for _, ep := range endpoints {
			var logs bytes.Buffer
			cfg := monitoring.DefaultConfig()
			cfg.Enabled = true
			cfg.Backend = monitoring.BackendOTLP
			cfg.OTLP.Endpoint = ep
			mon, err := monitoring.NewMonitoringService(context.Background(), &cfg,
				monitoring.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), monitoring.WithoutOTelErrorHandler())
			if mon != nil {
				require.NoError(t, mon.Shutdown(context.Background()))
			}
			require.Error(t, err, ep)
			assert.NotContains(t, err.Error(), secret, ep)
			assert.NotContains(t, logs.String(), secret, ep)
		}
	})
}
