package monitoring_test

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/testkit"
)

// warnLine is a WARN record of the JSON log.
type warnLine struct {
	Msg      string `json:"msg"`
	Settings string `json:"settings"`
}

// disabledStart builds a service from cfg with a logger of its own and
// returns the WARN records it logged.
func disabledStart(t *testing.T, cfg *monitoring.Config) (warns []warnLine, svcStatus func() (reason string, jsonBody string, page string)) {
	t.Helper()
	logs := &testkit.Buffer{}
	svc := newService(t, cfg, monitoring.WithLogger(slog.New(slog.NewJSONHandler(logs, nil))))
	for _, line := range logs.Lines() {
		var rec struct {
			Level string `json:"level"`
			warnLine
		}
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec.Level == "WARN" {
			warns = append(warns, rec.warnLine)
		}
	}
	return warns, func() (string, string, string) {
		st := svc.Status()
		out, err := json.Marshal(st)
		require.NoError(t, err)
		_, body := testkit.Scrape(t, svc.Handler())
		return st.Reason, string(out), body
	}
}

// TestDisabledConfigSaysSo checks that a configuration that gives
// monitoring settings but leaves enabled false is never silent: a WARN at
// start naming the settings, and the status, its JSON and the endpoint
// saying that monitoring is disabled by configuration.
func TestDisabledConfigSaysSo(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "metrics-token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600))

	for _, tc := range []struct {
		name, yaml string
		env        map[string]string
		want       []string
	}{
		{name: "Should name the backend of ParseConfig(\"backend: stdout\")", yaml: "backend: stdout\n", want: []string{"backend"}},
		{
			name: "Should name the protection of the README's Protecting /metrics file",
			yaml: "listen_address: 127.0.0.1:0\nauth: bearer\nauth_token_file: " + tokenFile + "\n",
			want: []string{"listen_address"},
		},
		{
			name: "Should name a setting given at its default value, and one under a backend's key",
			yaml: "backend: prometheus\nprometheus:\n  namespace: shop\n", want: []string{"backend", "prometheus.namespace"},
		},
		{
			name: "Should name the variables of the environment, a credential by its variable",
			env:  map[string]string{"MONITORING_BACKEND": "prometheus", "MONITORING_AUTH": "bearer", "MONITORING_AUTH_TOKEN": "s3cret-token"},
			want: []string{"backend"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cfg, err := monitoring.ParseConfig([]byte(tc.yaml))
			require.NoError(t, err)
			require.False(t, cfg.Enabled, "the seed's default stays: disabled")
			assert.Equal(t, tc.want, cfg.IgnoredSettings())

			warns, status := disabledStart(t, cfg)
			require.Len(t, warns, 1, "one WARN line at start")
			assert.Contains(t, warns[0].Msg, "disabled by configuration (enabled: false)")
			assert.Contains(t, warns[0].Msg, "MONITORING_ENABLED=true", "it says how to turn it on")
			assert.Equal(t, strings.Join(tc.want, ", "), warns[0].Settings)

			reason, body, page := status()
			wantReason := "monitoring disabled by configuration (enabled: false); settings with no effect: " +
				strings.Join(tc.want, ", ")
			assert.Equal(t, wantReason, reason)
			var parsed struct {
				Enabled bool   `json:"enabled"`
				Reason  string `json:"reason"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &parsed))
			assert.False(t, parsed.Enabled)
			assert.Equal(t, wantReason, parsed.Reason, "a JSON /healthz shows it")
			if !strings.Contains(tc.yaml, "auth:") && tc.env["MONITORING_AUTH"] == "" {
				assert.Contains(t, page, wantReason, "the endpoint answers why it records nothing")
			}
		})
	}

	t.Run("Should name what a config built in Go changed from the defaults", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		cfg.Backend = monitoring.BackendStdout
		cfg.ServiceName = "billing"
		assert.Equal(t, []string{"backend", "service_name"}, cfg.IgnoredSettings())
		warns, _ := disabledStart(t, &cfg)
		assert.Len(t, warns, 1)
	})

	for _, tc := range []struct{ name, yaml string }{
		{"Should stay quiet when nothing is given", ""},
		{"Should stay quiet when only enabled: false is given", "enabled: false\n"},
		{"Should stay quiet when the backend is noop, which says nothing is recorded", "backend: noop\nservice_name: x\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := monitoring.ParseConfig([]byte(tc.yaml))
			require.NoError(t, err)
			assert.Empty(t, cfg.IgnoredSettings())
			warns, status := disabledStart(t, cfg)
			assert.Empty(t, warns)
			reason, _, _ := status()
			assert.NotContains(t, reason, "settings with no effect")
		})
	}

	t.Run("Should say nothing of a config that enables monitoring", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig([]byte("enabled: true\nbackend: stdout\nstdout:\n  interval: 1h\n"))
		require.NoError(t, err)
		assert.Empty(t, cfg.IgnoredSettings())
		logs := &testkit.Buffer{}
		svc := newService(t, cfg, monitoring.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
			monitoring.WithWriter(&testkit.Buffer{}))
		assert.NotContains(t, logs.String(), "level=WARN")
		assert.Empty(t, svc.Status().Reason)
	})

	t.Run("Should bind nothing on listen_address while disabled, and keep the endpoint behind its auth", func(t *testing.T) {
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		busyAddr := busy.Addr().String()
		t.Setenv("MONITORING_AUTH_TOKEN", "s3cret-token")
		cfg, err := monitoring.ParseConfig([]byte("listen_address: " + busyAddr + "\nauth: bearer\n"))
		require.NoError(t, err)
		svc := newService(t, cfg)
		st := svc.Status()
		assert.True(t, st.Healthy, "a busy listen_address is no error while disabled: %+v", st)
		assert.Contains(t, st.Reason, "listen_address")
		assert.NotContains(t, st.Reason, "auth", "auth takes effect: the endpoint stays behind it")
		assert.Nil(t, svc.MetricsAddr(), "no metrics server")

		require.NoError(t, busy.Close())
		free, err := net.Listen("tcp", busyAddr)
		require.NoError(t, err, "the service bound nothing on listen_address")
		require.NoError(t, free.Close())

		mux := http.NewServeMux()
		assert.False(t, svc.MountMetrics(mux), "metrics never move to the application's port")
		get := func(header string) *httptest.ResponseRecorder {
			req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			rec := httptest.NewRecorder()
			svc.Handler().ServeHTTP(rec, req)
			return rec
		}
		assert.Equal(t, http.StatusUnauthorized, get("").Code, "the token is still enforced")
		assert.Equal(t, http.StatusUnauthorized, get("Bearer wrong").Code)
		rec := get("Bearer s3cret-token")
		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.Contains(t, rec.Body.String(), "listen_address")
	})

	t.Run("Should say that monitoring is disabled in the status even when nothing else is given", func(t *testing.T) {
		svc := newService(t, nil)
		assert.Equal(t, "monitoring disabled by configuration (enabled: false)", svc.Status().Reason)
	})
}
