package monitoring_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/testkit"
)

const secretValue = "hunter2-the-very-secret-token"

// secretFile writes content to a file of its own and returns its path.
func secretFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// The tests that set MONITORING_* variables do not run in parallel.
func TestAuthConfig(t *testing.T) {
	t.Run("Should read the bearer token from MONITORING_AUTH_TOKEN", func(t *testing.T) {
		t.Setenv("MONITORING_AUTH_TOKEN", secretValue)
		cfg, err := monitoring.ParseConfig([]byte("auth: bearer\n"))
		require.NoError(t, err)
		assert.Equal(t, secretValue, cfg.AuthToken.Reveal())
	})

	t.Run("Should read the bearer token from auth_token_file, without its surrounding whitespace", func(t *testing.T) {
		path := secretFile(t, "\n  "+secretValue+"\n")
		svc := newService(t, withAuth(monitoring.AuthBearer, func(c *monitoring.Config) { c.AuthTokenFile = path }))
		assert.Equal(t, http.StatusOK, scrapeAuth(t, svc.Handler(), "Bearer "+secretValue))
		assert.Equal(t, http.StatusUnauthorized, scrapeAuth(t, svc.Handler(), "Bearer "+"\n  "+secretValue))
	})

	t.Run("Should trim the whitespace around a token from the environment, as from a file", func(t *testing.T) {
		t.Setenv("MONITORING_AUTH_TOKEN", secretValue+"\n")
		cfg, err := monitoring.ParseConfig([]byte("enabled: true\nauth: bearer\n"))
		require.NoError(t, err)
		svc := newService(t, cfg)
		assert.Equal(t, http.StatusOK, scrapeAuth(t, svc.Handler(), "Bearer "+secretValue))
	})

	t.Run("Should refuse the [REDACTED] placeholder as a secret, so a printed Config read back cannot open the endpoint", func(t *testing.T) {
		cfg := withAuth(monitoring.AuthBearer, func(c *monitoring.Config) { c.AuthToken = monitoring.NewSecret("[REDACTED]") })
		err := cfg.Validate()
		require.Error(t, err)
		fes := fieldErrors(t, err)
		require.Len(t, fes, 1)
		assert.Equal(t, "auth_token", fes[0].Field)
		assert.Contains(t, fes[0].Allowed, "placeholder")
	})

	t.Run("Should not repeat a token file setting that is not a path: it may be the token itself", func(t *testing.T) {
		cfg := withAuth(monitoring.AuthBearer, func(c *monitoring.Config) { c.AuthTokenFile = secretValue })
		_, err := monitoring.NewMonitoringService(t.Context(), cfg)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), secretValue)
		assert.Contains(t, err.Error(), "auth_token_file")
	})

	t.Run("Should refuse a credential written in the YAML file, without repeating it", func(t *testing.T) {
		for _, key := range []string{"auth_token", "auth_password"} {
			_, err := monitoring.ParseConfig([]byte("auth: bearer\n" + key + ": " + secretValue + "\n"))
			require.Error(t, err)
			var fe *monitoring.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, key, fe.Field)
			assert.Equal(t, "[REDACTED]", fe.Value)
			assert.Contains(t, fe.Allowed, "must not be in the YAML file")
			assert.Contains(t, fe.Allowed, key+"_file")
			assert.NotContains(t, err.Error(), secretValue)
		}
	})

	invalid := []struct {
		name, field, allowed string
		mutate               func(c *monitoring.Config)
	}{
		{"a bearer auth without a token", "auth", "needs the token, which is missing: set MONITORING_AUTH_TOKEN (Config.AuthToken), or auth_token_file",
			func(c *monitoring.Config) { c.Auth = monitoring.AuthBearer }},
		{"a token given both ways", "auth_token_file", "set only one of",
			func(c *monitoring.Config) {
				c.Auth, c.AuthToken, c.AuthTokenFile = monitoring.AuthBearer, monitoring.NewSecret(secretValue), "/run/secrets/token"
			}},
		{"a blank token", "auth_token", "must not be blank",
			func(c *monitoring.Config) { c.Auth, c.AuthToken = monitoring.AuthBearer, monitoring.NewSecret(" \t") }},
		{"a token while auth is none, which would leave the endpoint open", "auth", "must be bearer or basic",
			func(c *monitoring.Config) { c.AuthToken = monitoring.NewSecret(secretValue) }},
		{"a password with a bearer auth", "auth", "must be basic",
			func(c *monitoring.Config) {
				c.Auth, c.AuthToken, c.AuthPassword = monitoring.AuthBearer, monitoring.NewSecret(secretValue), monitoring.NewSecret(secretValue)
			}},
		{"a basic auth without a username", "auth_username", "must not be empty",
			func(c *monitoring.Config) {
				c.Auth, c.AuthPassword = monitoring.AuthBasic, monitoring.NewSecret(secretValue)
			}},
		{"a blank username", "auth_username", "must not be empty or blank",
			func(c *monitoring.Config) {
				c.Auth, c.AuthUsername, c.AuthPassword = monitoring.AuthBasic, " \t", monitoring.NewSecret(secretValue)
			}},
		{"a username with a colon", "auth_username", `":"`,
			func(c *monitoring.Config) {
				c.Auth, c.AuthUsername, c.AuthPassword = monitoring.AuthBasic, "a:b", monitoring.NewSecret(secretValue)
			}},
		{"a basic auth without a password", "auth", "needs the password, which is missing: set MONITORING_AUTH_PASSWORD (Config.AuthPassword), or",
			func(c *monitoring.Config) { c.Auth, c.AuthUsername = monitoring.AuthBasic, "scraper" }},
		{"an unknown auth", "auth", "must be one of none, bearer, basic",
			func(c *monitoring.Config) { c.Auth = "oauth" }},
		{"a listen address without a port", "listen_address", "must be empty or host:port",
			func(c *monitoring.Config) { c.ListenAddress = "127.0.0.1" }},
		{"a listen address with a port out of range", "listen_address", "from 0 to 65535",
			func(c *monitoring.Config) { c.ListenAddress = "127.0.0.1:70000" }},
		{"a listen address with a named port", "listen_address", "from 0 to 65535",
			func(c *monitoring.Config) { c.ListenAddress = ":http" }},
	}
	for _, tc := range invalid {
		t.Run("Should refuse "+tc.name+", naming the field", func(t *testing.T) {
			cfg := monitoring.DefaultConfig()
			tc.mutate(&cfg)
			err := cfg.Validate()
			require.Error(t, err)
			fes := fieldErrors(t, err)
			require.Len(t, fes, 1, err.Error())
			assert.Equal(t, tc.field, fes[0].Field)
			assert.Contains(t, fes[0].Allowed, tc.allowed)
			assert.NotContains(t, err.Error(), secretValue, "a secret never appears in an error")
		})
	}

	files := []struct {
		name, allowed string
		path          func(t *testing.T) string
	}{
		{"missing", "must name a readable file: no such file or directory",
			func(t *testing.T) string { return filepath.Join(t.TempDir(), "absent") }},
		{"empty", "must not be empty", func(t *testing.T) string { return secretFile(t, " \n") }},
		{"a directory", "must name a regular file, not a directory", func(t *testing.T) string { return t.TempDir() }},
		{"a named pipe, which would block the start", "must name a regular file, not a named pipe",
			func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "fifo")
				require.NoError(t, syscall.Mkfifo(p, 0o600))
				return p
			}},
		{"too large", "at most 65536 bytes",
			func(t *testing.T) string { return secretFile(t, strings.Repeat("x", 65537)) }},
	}
	for _, tc := range files {
		t.Run("Should refuse a token file that is "+tc.name+", from the loader and from the constructor", func(t *testing.T) {
			path := tc.path(t)
			_, err := monitoring.ParseConfig([]byte("auth: bearer\nauth_token_file: " + path + "\n"))
			require.Error(t, err)
			fes := fieldErrors(t, err)
			require.Len(t, fes, 1)
			shown := path
			if tc.name == "missing" {
				shown = "[not shown: not a path to an existing file]" // perhaps a secret in the wrong variable
			}
			assert.Equal(t, monitoring.FieldError{
				Field: "auth_token_file", Env: "MONITORING_AUTH_TOKEN_FILE", Value: shown, Allowed: fes[0].Allowed,
			}, *fes[0])
			assert.Contains(t, fes[0].Allowed, tc.allowed)

			svc, err := monitoring.NewMonitoringService(t.Context(),
				withAuth(monitoring.AuthBearer, func(c *monitoring.Config) { c.AuthTokenFile = path }))
			require.Error(t, err)
			assert.Nil(t, svc)
		})
	}
}

func TestSecretRedaction(t *testing.T) {
	t.Run("Should never show a secret when the config is printed, logged or marshalled", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		cfg.Auth, cfg.AuthToken = monitoring.AuthBearer, monitoring.NewSecret(secretValue)
		var shown bytes.Buffer
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			fmt.Fprintf(&shown, verb+"\n", cfg)
			fmt.Fprintf(&shown, verb+"\n", cfg.AuthToken)
		}
		slog.New(slog.NewTextHandler(&shown, nil)).Info("config", "cfg", cfg, "token", cfg.AuthToken)
		slog.New(slog.NewJSONHandler(&shown, nil)).Info("config", "cfg", cfg, "token", cfg.AuthToken)
		j, err := json.Marshal(cfg)
		require.NoError(t, err)
		shown.Write(j)
		y, err := yaml.Marshal(cfg)
		require.NoError(t, err)
		shown.Write(y)

		assert.NotContains(t, shown.String(), secretValue)
		assert.NotContains(t, shown.String(), fmt.Sprintf("%x", secretValue), "not even hex-encoded")
		assert.Contains(t, shown.String(), "[REDACTED]")
		assert.Equal(t, secretValue, cfg.AuthToken.Reveal())
	})

	t.Run("Should show nothing for an empty secret", func(t *testing.T) {
		assert.Empty(t, monitoring.Secret{}.String())
	})

	t.Run("Should never log the token while serving", func(t *testing.T) {
		var logs bytes.Buffer
		t.Setenv("MONITORING_AUTH_TOKEN", secretValue)
		cfg, err := monitoring.ParseConfig([]byte("enabled: true\nauth: bearer\n"))
		require.NoError(t, err)
		svc := newService(t, cfg, monitoring.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		assert.Equal(t, http.StatusUnauthorized, scrapeAuth(t, svc.Handler(), "Bearer "+secretValue+"0"))
		assert.Equal(t, http.StatusUnauthorized, scrapeAuth(t, svc.Handler(), ""))
		assert.Equal(t, http.StatusOK, scrapeAuth(t, svc.Handler(), "Bearer "+secretValue))
		require.NoError(t, svc.Shutdown(context.Background()))
		assert.Contains(t, logs.String(), "metrics request refused")
		assert.NotContains(t, logs.String(), secretValue)
	})
}

func TestProtectedEndpoint(t *testing.T) {
	t.Run("Should ask for basic credentials on the separate listen address only, with the path of the config", func(t *testing.T) {
		cfg := withAuth(monitoring.AuthBasic, func(c *monitoring.Config) {
			c.AuthUsername, c.AuthPasswordFile = "scraper", "testdata/metrics-password"
			c.ListenAddress, c.Path = "127.0.0.1:0", "/internal/metrics"
		})
		svc := newService(t, cfg)
		testkit.Count(t, svc.Meter(), "orders", 3)
		addr := svc.MetricsAddr()
		require.NotNil(t, addr)
		url := "http://" + addr.String() + "/internal/metrics"

		get := func(user, pass string) (int, string) {
			header := http.Header{}
			if user != "" {
				header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
			}
			return testkit.Get(t, nil, url, header)
		}
		code, body := get("scraper", "correct horse battery staple")
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "orders_total 3")
		code, body = get("scraper", "wrong")
		assert.Equal(t, http.StatusUnauthorized, code)
		assert.NotContains(t, body, "orders_total")
		code, _ = get("", "")
		assert.Equal(t, http.StatusUnauthorized, code)
	})
}

// withAuth returns an enabled Prometheus config with auth set and mutate
// applied.
func withAuth(auth string, mutate func(*monitoring.Config)) *monitoring.Config {
	cfg := enabled(monitoring.BackendPrometheus)
	cfg.Auth = auth
	mutate(cfg)
	return cfg
}

// scrapeAuth GETs h with the Authorization header auth and returns the
// status code.
func scrapeAuth(t *testing.T, h http.Handler, auth string) int {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func TestMetricsServerShutdown(t *testing.T) {
	t.Run("Should flush the push backend before waiting on a scraper that holds the metrics server open", func(t *testing.T) {
		// The server may not have accepted the half-open connection when
		// Shutdown closes its listener (a loaded machine): then nothing is
		// held and Shutdown returns at once. Try again, a bounded number of
		// times, until an attempt really holds the server.
		for attempt := 1; ; attempt++ {
			var out testkit.Buffer
			cfg := enabled(monitoring.BackendStdout)
			cfg.ListenAddress = "127.0.0.1:0"
			svc, err := monitoring.NewMonitoringService(t.Context(), cfg, monitoring.WithWriter(&out))
			require.NoError(t, err)
			testkit.Count(t, svc.Meter(), "orders", 42)

			// Half a request: the server cannot finish it before its header timeout.
			conn, err := (&net.Dialer{}).DialContext(t.Context(), "tcp", svc.MetricsAddr().String())
			require.NoError(t, err)
			_, err = io.WriteString(conn, "GET /metrics HTTP/1.1\r\nHost: x\r\n")
			require.NoError(t, err)

			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			err = svc.Shutdown(ctx)
			cancel()
			_ = conn.Close()
			if err == nil && attempt < 20 {
				continue // the connection was never accepted: nothing was held
			}
			require.ErrorIs(t, err, context.DeadlineExceeded, "the held connection is reported")
			assert.Contains(t, err.Error(), "connections still open at the deadline were closed")
			got, ok := testkit.LastStdoutSum(t, out.String(), "orders")
			require.True(t, ok, "the final export was written before the server was waited on")
			assert.InDelta(t, 42, got, 0)
			return
		}
	})
}
