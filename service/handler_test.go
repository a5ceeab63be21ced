package service_test

import (
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

func TestExporterHandler(t *testing.T) {
	t.Parallel()
	handlers := map[string]func(*service.MonitoringService) http.Handler{
		"ExporterHandler": (*service.MonitoringService).ExporterHandler,
		"Handler":         (*service.MonitoringService).Handler,
	}
	for method, handlerOf := range handlers {
		t.Run("Should delegate to a healthy backend through "+method, func(t *testing.T) {
			t.Parallel()
			fb := newFakeBackend(t)
			var served atomic.Int32
			fb.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				served.Add(1)
				w.Header().Set("Content-Type", "text/plain; version=0.0.4")
				w.Header().Set("X-Backend", "fake")
				_, _ = io.WriteString(w, "backend body for "+html.EscapeString(r.URL.Path)+"\n")
			})
			svc := service.New(fb)

			rec := get(handlerOf(svc))

			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, "backend body for /metrics\n", rec.Body.String())
			assert.Equal(t, "text/plain; version=0.0.4", rec.Header().Get("Content-Type"))
			assert.Equal(t, "fake", rec.Header().Get("X-Backend"))
			assert.Equal(t, int32(1), served.Load())
		})
		t.Run("Should answer 503 with the first line of the reason through "+method, func(t *testing.T) {
			t.Parallel()
			fb := newFakeBackend(t)
			var served atomic.Int32
			fb.handler = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served.Add(1) })
			fb.status = port.Status{
				Backend: "prometheus",
				Err:     errors.New("listen tcp :9090: address already in use\ngoroutine 1 [running]:\nmain.main()"),
			}
			svc := service.New(fb)

			rec := get(handlerOf(svc))

			assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
			assert.True(t, strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain"),
				"content type %q", rec.Header().Get("Content-Type"))
			body := rec.Body.String()
			assert.Contains(t, body, "listen tcp :9090: address already in use")
			assert.NotContains(t, body, "goroutine 1")
			assert.NotContains(t, body, "main.main")
			assert.Equal(t, 1, strings.Count(body, "\n"), "one line: %q", body)
			assert.Zero(t, served.Load(), "the backend handler must not be called")
		})
	}
	t.Run("Should answer 404 with a reason when the backend has no handler", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.handlerFn = func() http.Handler { return nil }
		svc := service.New(fb)

		rec := get(svc.Handler())

		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.True(t, strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain"))
		assert.Contains(t, rec.Body.String(), "no exposition endpoint")
	})
	t.Run("Should answer 404 and log when the backend's Handler panics", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.handlerFn = func() http.Handler { panic("handler constructor exploded") }
		logger, logs := newLogger()
		var svc *service.MonitoringService
		require.NotPanics(t, func() { svc = service.New(fb, service.WithLogger(logger)) })

		rec := get(svc.Handler())

		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.Len(t, logs.LinesContaining("backend handler unavailable", "handler constructor exploded"), 1,
			"logged: %v", logs.Lines())
	})
	t.Run("Should ask the backend for its handler once, not per request", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		var asked atomic.Int32
		fb.handlerFn = func() http.Handler {
			asked.Add(1)
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
		}
		svc := service.New(fb)
		for range 3 {
			assert.Equal(t, "ok", get(svc.Handler()).Body.String())
		}
		assert.Equal(t, int32(1), asked.Load())
	})
	t.Run("Should answer 500 and log when the backend handler panics", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.handler = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("scrape exploded") })
		logger, logs := newLogger()
		svc := service.New(fb, service.WithLogger(logger))

		var rec *httptest.ResponseRecorder
		require.NotPanics(t, func() { rec = get(svc.Handler()) })

		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Contains(t, rec.Body.String(), "monitoring exposition failed")
		assert.NotContains(t, rec.Body.String(), "scrape exploded", "the panic value must not leak to the client")
		assert.Len(t, logs.LinesContaining("exposition handler panicked", "scrape exploded"), 1,
			"logged: %v", logs.Lines())
	})
	t.Run("Should re-panic http.ErrAbortHandler from the backend handler", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.handler = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
		logger, logs := newLogger()
		svc := service.New(fb, service.WithLogger(logger))

		assert.PanicsWithValue(t, http.ErrAbortHandler, func() { get(svc.Handler()) })
		assert.Empty(t, logs.Lines(), "an abort is not an error to log")
	})
	t.Run("Should keep serving after a panicking scrape", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		var calls atomic.Int32
		fb.handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if calls.Add(1) == 1 {
				panic("first scrape exploded")
			}
			_, _ = w.Write([]byte("second"))
		})
		svc := service.New(fb, service.WithLogger(discardLogger()))

		assert.Equal(t, http.StatusInternalServerError, get(svc.Handler()).Code)
		rec := get(svc.Handler())
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "second", rec.Body.String())
	})
	t.Run("Should answer 503 after Shutdown", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		var served atomic.Int32
		fb.handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			served.Add(1)
			_, _ = w.Write([]byte("metrics"))
		})
		svc := service.New(fb)
		require.Equal(t, http.StatusOK, get(svc.Handler()).Code)

		require.NoError(t, svc.Shutdown(t.Context()))
		rec := get(svc.Handler())

		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Contains(t, rec.Body.String(), port.ErrShutdown.Error())
		assert.Equal(t, int32(1), served.Load(), "the backend handler must not be called after Shutdown")
	})
	t.Run("Should answer 503 when the backend's Status panics", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.statusFn = func() port.Status { panic("status exploded") }
		svc := service.New(fb)

		var rec *httptest.ResponseRecorder
		require.NotPanics(t, func() { rec = get(svc.Handler()) })
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Contains(t, rec.Body.String(), "status exploded")
	})
	t.Run("Should serve what the backend collected over a real HTTP server", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		svc := service.New(fb, service.WithSystemMetrics(false))
		c, err := svc.Meter().Int64Counter("test.requests")
		require.NoError(t, err)
		c.Add(t.Context(), 1)

		srv := httptest.NewServer(svc.Handler())
		defer srv.Close()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/metrics", nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()

		assert.Equal(t, http.StatusOK, resp.StatusCode)
		buf := new(strings.Builder)
		_, err = io.Copy(buf, resp.Body)
		require.NoError(t, err)
		assert.Equal(t, "test.requests 1\n", buf.String())
	})
}
