package service_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

const (
	token    = "s3cr3t-t0ken-value"
	username = "prometheus"
	password = "p4ssw0rd-value"
)

// scrapeWith serves one GET of h with the Authorization header auth (none
// when empty).
func scrapeWith(h http.Handler, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func basic(user, pass string) string {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(user, pass)
	return req.Header.Get("Authorization")
}

func TestBearerToken(t *testing.T) {
	cases := []struct {
		name   string
		header string
		want   int
	}{
		{"allow the right token", "Bearer " + token, http.StatusOK},
		{"allow the scheme in any case", "bearer " + token, http.StatusOK},
		{"refuse a missing header", "", http.StatusUnauthorized},
		{"refuse a wrong token", "Bearer " + token + "x", http.StatusUnauthorized},
		{"refuse a prefix of the token", "Bearer " + token[:len(token)-1], http.StatusUnauthorized},
		{"refuse an empty token", "Bearer ", http.StatusUnauthorized},
		{"refuse the token under another scheme", "Basic " + token, http.StatusUnauthorized},
		{"refuse the token without a scheme", token, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run("Should "+tc.name, func(t *testing.T) {
			logger, logs := newLogger()
			svc := service.New(newFakeBackend(t), service.WithLogger(logger), service.WithBearerToken(token),
				service.WithSystemMetrics(false))
			rec := scrapeWith(svc.Handler(), tc.header)
			assert.Equal(t, tc.want, rec.Code, rec.Body.String())
			if tc.want == http.StatusUnauthorized {
				assert.Equal(t, `Bearer realm="metrics"`, rec.Header().Get("WWW-Authenticate"))
				assert.Equal(t, "unauthorized\n", rec.Body.String())
				assert.Len(t, logs.LinesContaining("metrics request refused"), 1)
			}
			assert.NotContains(t, logs.String(), token, "the token is never logged")
			if tc.header != "" {
				assert.NotContains(t, logs.String(), tc.header)
			}
		})
	}

	for name, tok := range map[string]string{"empty": "", "blank": "  \n", "the [REDACTED] placeholder": "[REDACTED]"} {
		t.Run("Should refuse everything when the token is "+name+", as the config loader does, rather than open the endpoint", func(t *testing.T) {
			logger, logs := newLogger()
			svc := service.New(newFakeBackend(t), service.WithLogger(logger), service.WithBearerToken(tok),
				service.WithSystemMetrics(false))
			assert.Equal(t, http.StatusUnauthorized, scrapeWith(svc.Handler(), "").Code)
			assert.Equal(t, http.StatusUnauthorized, scrapeWith(svc.Handler(), "Bearer ").Code)
			assert.Equal(t, http.StatusUnauthorized, scrapeWith(svc.Handler(), "Bearer x").Code)
			assert.Equal(t, http.StatusUnauthorized, scrapeWith(svc.Handler(), "Bearer "+tok).Code)
			assert.Len(t, logs.LinesContaining("the bearer token is", "every scrape is refused"), 1)
			assert.ErrorContains(t, svc.Status().Err, "the bearer token is")
		})
	}

	t.Run("Should not reveal why the backend is down to a client without the token", func(t *testing.T) {
		backend := newFakeBackend(t)
		backend.status = port.Status{Backend: "fake", Err: errors.New("internal detail: registry at 10.0.0.7")}
		svc := service.New(backend, service.WithBearerToken(token), service.WithSystemMetrics(false))
		rec := scrapeWith(svc.Handler(), "")
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
		assert.NotContains(t, rec.Body.String(), "internal detail")
		rec = scrapeWith(svc.Handler(), "Bearer "+token)
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Contains(t, rec.Body.String(), "internal detail")
	})

	t.Run("Should log refusals at most once per interval, with the count held back", func(t *testing.T) {
		logger, logs := newLogger()
		svc := service.New(newFakeBackend(t), service.WithLogger(logger), service.WithBearerToken(token),
			service.WithSystemMetrics(false))
		for range 100 {
			scrapeWith(svc.Handler(), "Bearer guess")
		}
		lines := logs.LinesContaining("metrics request refused")
		require.Len(t, lines, 1)
		assert.Contains(t, lines[0], "reason=\"wrong bearer token\"")
		assert.NotContains(t, lines[0], "guess")
	})
}

func TestBasicAuth(t *testing.T) {
	cases := []struct {
		name   string
		header string
		want   int
	}{
		{"allow the right username and password", basic(username, password), http.StatusOK},
		{"refuse a missing header", "", http.StatusUnauthorized},
		{"refuse a wrong password", basic(username, password+"x"), http.StatusUnauthorized},
		{"refuse a wrong username", basic("admin", password), http.StatusUnauthorized},
		{"refuse swapped fields", basic(password, username), http.StatusUnauthorized},
		{"refuse a malformed header", "Basic !!!not-base64", http.StatusUnauthorized},
		{"refuse a bearer token", "Bearer " + password, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run("Should "+tc.name, func(t *testing.T) {
			logger, logs := newLogger()
			svc := service.New(newFakeBackend(t), service.WithLogger(logger),
				service.WithBasicAuth(username, password), service.WithSystemMetrics(false))
			rec := scrapeWith(svc.Handler(), tc.header)
			assert.Equal(t, tc.want, rec.Code)
			if tc.want == http.StatusUnauthorized {
				assert.Equal(t, `Basic realm="metrics", charset="UTF-8"`, rec.Header().Get("WWW-Authenticate"))
			}
			assert.NotContains(t, logs.String(), password, "the password is never logged")
		})
	}

	// The config loader refuses these; the options cannot fail, so they
	// refuse every scrape instead, log why once, and report it in Status.
	misconfigured := []struct {
		name, user, pass, reason string
		tries                    []string
	}{
		{"an empty password", username, "", "the basic-auth password is empty or blank",
			[]string{basic(username, ""), basic(username, "x"), ""}},
		{"a blank password", username, "   ", "the basic-auth password is empty or blank",
			[]string{basic(username, "   "), basic(username, ""), ""}},
		{"the [REDACTED] placeholder as the password", username, "[REDACTED]", "placeholder",
			[]string{basic(username, "[REDACTED]")}},
		{"an empty username", "", password, "the basic-auth username is empty or blank",
			[]string{basic("", password), basic("x", password), ""}},
		{"a blank username", "  ", password, "the basic-auth username is empty or blank",
			[]string{basic("  ", password), basic("", password)}},
		{`a username with ":"`, "a:b", password, "the basic-auth username contains a colon or a line break",
			[]string{basic("a:b", password), basic("a", "b:"+password)}},
		{"a username with a line break", "a\nb", password, "the basic-auth username contains a colon or a line break",
			[]string{basic("a\nb", password)}},
	}
	for _, tc := range misconfigured {
		t.Run("Should refuse every scrape, log once and report unhealthy for "+tc.name, func(t *testing.T) {
			logger, logs := newLogger()
			svc := service.New(newFakeBackend(t), service.WithLogger(logger), service.WithBasicAuth(tc.user, tc.pass),
				service.WithSystemMetrics(false))
			for _, h := range tc.tries {
				assert.Equal(t, http.StatusUnauthorized, scrapeWith(svc.Handler(), h).Code, h)
			}
			lines := logs.LinesContaining("every scrape is refused")
			require.Len(t, lines, 1, logs.String())
			assert.Contains(t, lines[0], tc.reason)
			st := svc.Status()
			assert.False(t, st.Healthy)
			require.Error(t, st.Err)
			assert.Contains(t, st.Err.Error(), tc.reason)
			assert.NotContains(t, logs.String()+st.Err.Error(), password)
		})
	}
}

func TestMetricsServer(t *testing.T) {
	get := func(t *testing.T, url, auth string) (int, string) {
		t.Helper()
		header := http.Header{}
		if auth != "" {
			header.Set("Authorization", auth)
		}
		return testkit.Get(t, nil, url, header)
	}

	t.Run("Should serve the endpoint on its own address, at its path only, and stop on Shutdown", func(t *testing.T) {
		backend := newFakeBackend(t)
		svc := service.New(backend, service.WithMetricsServer("127.0.0.1:0", "/internal/metrics"),
			service.WithSystemMetrics(false))
		c, err := svc.Meter().Int64Counter("orders")
		require.NoError(t, err)
		c.Add(t.Context(), 1)
		addr := svc.MetricsAddr()
		require.NotNil(t, addr)
		base := "http://" + addr.String()

		code, body := get(t, base+"/internal/metrics", "")
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "orders 1")
		code, _ = get(t, base+"/metrics", "")
		assert.Equal(t, http.StatusNotFound, code, "nothing else is served there")
		assert.True(t, svc.Status().Healthy)

		require.NoError(t, svc.Shutdown(t.Context()))
		_, err = (&net.Dialer{}).DialContext(t.Context(), "tcp", addr.String())
		require.Error(t, err, "the listener is closed")
		// The TestMain's goleak checks the server's goroutines are gone.
	})

	t.Run("Should protect the separate server with the credentials", func(t *testing.T) {
		svc := service.New(newFakeBackend(t), service.WithMetricsServer("127.0.0.1:0", "/metrics"),
			service.WithBearerToken(token), service.WithSystemMetrics(false))
		t.Cleanup(func() { require.NoError(t, svc.Shutdown(context.Background())) })
		url := "http://" + svc.MetricsAddr().String() + "/metrics"
		code, _ := get(t, url, "")
		assert.Equal(t, http.StatusUnauthorized, code)
		code, _ = get(t, url, "Bearer nope")
		assert.Equal(t, http.StatusUnauthorized, code)
		code, _ = get(t, url, "Bearer "+token)
		assert.Equal(t, http.StatusOK, code)
	})

	t.Run("Should go on recording, log and report unhealthy when the address is taken", func(t *testing.T) {
		taken, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = taken.Close() })
		logger, logs := newLogger()
		backend := newFakeBackend(t)
		svc := service.New(backend, service.WithLogger(logger),
			service.WithMetricsServer(taken.Addr().String(), "/metrics"), service.WithSystemMetrics(false))
		t.Cleanup(func() { require.NoError(t, svc.Shutdown(context.Background())) })

		assert.Nil(t, svc.MetricsAddr())
		st := svc.Status()
		assert.False(t, st.Healthy)
		require.Error(t, st.Err)
		assert.Contains(t, st.Err.Error(), "metrics server")
		assert.Contains(t, st.Err.Error(), "address already in use")
		assert.Len(t, logs.LinesContaining("metrics server unavailable"), 1)

		c, err := svc.Meter().Int64Counter("orders")
		require.NoError(t, err)
		c.Add(t.Context(), 2)
		_, ok := findMetric(backend.collect(t), "orders")
		assert.True(t, ok, "recording goes on")
		assert.Equal(t, http.StatusOK, scrapeWith(svc.Handler(), "").Code, "the handler itself still serves")
	})
}
