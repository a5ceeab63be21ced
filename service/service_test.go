package service_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/mock/gomock"

	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

// ctxKey marks a context so the test can recognise it in the backend.
type ctxKey struct{}

func TestNew(t *testing.T) {
	t.Parallel()
	t.Run("Should satisfy port.Monitoring", func(t *testing.T) {
		t.Parallel()
		var m port.Monitoring = service.New(newFakeBackend(t))
		assert.NotNil(t, m)
	})
	t.Run("Should work as a no-op over a nil backend", func(t *testing.T) {
		t.Parallel()
		logger, logs := newLogger()
		var svc *service.MonitoringService
		require.NotPanics(t, func() { svc = service.New(nil, service.WithLogger(logger)) })

		assertNoopMeter(t, svc.Meter())
		assertNoopMeter(t, svc.MeterProvider().Meter("lib"))
		// A valid name on the no-op backend is not a failure worth logging.
		assert.Empty(t, logs.Lines())
		assert.NoError(t, svc.ForceFlush(t.Context()))
		assert.NoError(t, svc.Shutdown(t.Context()))
		assert.NoError(t, svc.Shutdown(t.Context()))
	})
	t.Run("Should report an unhealthy status naming no backend over a nil backend", func(t *testing.T) {
		t.Parallel()
		st := service.New(nil).Status()

		assert.Equal(t, "none", st.Backend)
		assert.False(t, st.Healthy)
		assert.False(t, st.Enabled)
		require.Error(t, st.Err)
		assert.Contains(t, st.Err.Error(), "no monitoring backend")
	})
	t.Run("Should answer 503 with the reason over a nil backend", func(t *testing.T) {
		t.Parallel()
		rec := get(service.New(nil).Handler())

		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Contains(t, rec.Body.String(), "no monitoring backend was configured")
	})
	t.Run("Should ask the backend for meter, provider and handler once each", func(t *testing.T) {
		t.Parallel()
		m := newMock(t) // Times(1) on each.
		svc := service.New(m)
		for range 3 {
			_ = svc.Meter()
			_ = svc.MeterProvider()
			_ = svc.Handler()
		}
	})
}

func TestWithLogger(t *testing.T) {
	t.Run("Should log to slog.Default when no logger is given", func(t *testing.T) {
		logger, logs := newLogger()
		prev := slog.Default()
		slog.SetDefault(logger)
		t.Cleanup(func() { slog.SetDefault(prev) })

		svc := service.New(newFakeBackend(t))
		_, err := svc.Meter().Int64Counter("1bad")
		require.NoError(t, err)

		assert.Len(t, logs.LinesContaining("using a no-op Int64Counter instead", "name=1bad"), 1)
	})
	t.Run("Should ignore a nil logger and keep slog.Default", func(t *testing.T) {
		logger, logs := newLogger()
		prev := slog.Default()
		slog.SetDefault(logger)
		t.Cleanup(func() { slog.SetDefault(prev) })

		svc := service.New(newFakeBackend(t), service.WithLogger(nil))
		require.NotPanics(t, func() {
			_, err := svc.Meter().Float64Counter("")
			require.NoError(t, err)
		})

		assert.Len(t, logs.LinesContaining("using a no-op Float64Counter instead"), 1)
	})
	t.Run("Should log to the injected logger and not to slog.Default", func(t *testing.T) {
		def, defLogs := newLogger()
		prev := slog.Default()
		slog.SetDefault(def)
		t.Cleanup(func() { slog.SetDefault(prev) })
		logger, logs := newLogger()

		svc := service.New(newFakeBackend(t), service.WithLogger(logger))
		_, err := svc.Meter().Int64Gauge("1bad")
		require.NoError(t, err)

		assert.Len(t, logs.LinesContaining("Int64Gauge"), 1)
		assert.Empty(t, defLogs.Lines())
	})
}

func TestStatus(t *testing.T) {
	t.Parallel()
	t.Run("Should pass a healthy backend status through", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		want := port.Status{Backend: "prometheus", Enabled: true, Healthy: true}
		m.EXPECT().Status().Return(want).Times(1)

		assert.Equal(t, want, service.New(m).Status())
	})
	t.Run("Should pass a failed backend status and its error through", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		cause := errors.New("prometheus: registering collector: duplicate")
		m.EXPECT().Status().Return(port.Status{Backend: "noop", Err: cause}).Times(1)

		st := service.New(m).Status()
		assert.Equal(t, "noop", st.Backend)
		assert.False(t, st.Enabled)
		assert.False(t, st.Healthy)
		assert.ErrorIs(t, st.Err, cause)
	})
	t.Run("Should report an error instead of panicking when the backend Status panics", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		m.EXPECT().Status().DoAndReturn(func() port.Status { panic("status exploded") }).Times(1)

		var st port.Status
		require.NotPanics(t, func() { st = service.New(m).Status() })
		assert.False(t, st.Healthy)
		assert.False(t, st.Enabled)
		require.Error(t, st.Err)
		assert.Contains(t, st.Err.Error(), "panicked")
		assert.Contains(t, st.Err.Error(), "status exploded")
	})
	t.Run("Should report shut down, disabled and unhealthy after Shutdown", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		svc := service.New(fb)
		require.True(t, svc.Status().Healthy)
		require.NoError(t, svc.Shutdown(t.Context()))

		st := svc.Status()
		assert.Equal(t, "fake", st.Backend)
		assert.False(t, st.Healthy)
		assert.False(t, st.Enabled)
		assert.ErrorIs(t, st.Err, port.ErrShutdown)
	})
	t.Run("Should report shut down even when the backend Shutdown failed", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		m.EXPECT().Shutdown(gomock.Any()).Return(errors.New("boom")).Times(1)
		m.EXPECT().Status().Return(port.Status{Backend: "stdout", Enabled: true, Healthy: true}).Times(1)
		svc := service.New(m, service.WithLogger(discardLogger()))
		require.Error(t, svc.Shutdown(t.Context()))

		st := svc.Status()
		assert.Equal(t, "stdout", st.Backend)
		assert.False(t, st.Healthy)
		assert.ErrorIs(t, st.Err, port.ErrShutdown)
	})
}

func TestForceFlush(t *testing.T) {
	t.Parallel()
	t.Run("Should pass the flush and its context through to the backend", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		ctx := context.WithValue(t.Context(), ctxKey{}, "flush")
		var seen context.Context
		m.EXPECT().ForceFlush(gomock.Any()).DoAndReturn(func(c context.Context) error {
			seen = c
			return nil
		}).Times(1)

		require.NoError(t, service.New(m).ForceFlush(ctx))
		assert.Equal(t, ctx, seen, "the backend must see the caller's context")
	})
	t.Run("Should succeed on a healthy SDK backend", func(t *testing.T) {
		t.Parallel()
		assert.NoError(t, service.New(newFakeBackend(t)).ForceFlush(t.Context()))
	})
	t.Run("Should return the backend error wrapped and log it", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		cause := errors.New("exporter unreachable")
		m.EXPECT().ForceFlush(gomock.Any()).Return(cause).Times(2)
		logger, logs := newLogger()
		svc := service.New(m, service.WithLogger(logger))

		err := svc.ForceFlush(t.Context())
		require.ErrorIs(t, err, cause)
		assert.Contains(t, err.Error(), "flush")
		assert.Len(t, logs.LinesContaining("flush failed", "exporter unreachable"), 1, "logged: %v", logs.Lines())

		// Every failed flush is reported, unlike instrument creation.
		require.ErrorIs(t, svc.ForceFlush(t.Context()), cause)
		assert.Len(t, logs.LinesContaining("flush failed"), 2)
	})
	t.Run("Should return a context error from the backend", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		m.EXPECT().ForceFlush(gomock.Any()).DoAndReturn(func(c context.Context) error { return c.Err() }).Times(1)

		assert.ErrorIs(t, service.New(m, service.WithLogger(discardLogger())).ForceFlush(ctx), context.Canceled)
	})
	t.Run("Should turn a backend panic into an error", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		m.EXPECT().ForceFlush(gomock.Any()).DoAndReturn(func(context.Context) error { panic("flush exploded") }).Times(1)
		logger, logs := newLogger()
		svc := service.New(m, service.WithLogger(logger))

		var err error
		require.NotPanics(t, func() { err = svc.ForceFlush(t.Context()) })
		require.Error(t, err)
		assert.Contains(t, err.Error(), "flush exploded")
		assert.Len(t, logs.LinesContaining("flush failed", "flush exploded"), 1)
	})
	t.Run("Should return nil without calling the backend after Shutdown", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		m.EXPECT().Shutdown(gomock.Any()).Return(nil).Times(1)
		m.EXPECT().ForceFlush(gomock.Any()).Times(0)
		svc := service.New(m)
		require.NoError(t, svc.Shutdown(t.Context()))

		assert.NoError(t, svc.ForceFlush(t.Context()))
		assert.NoError(t, svc.ForceFlush(t.Context()))
	})
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	t.Run("Should call the backend Shutdown exactly once across two calls", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		m.EXPECT().Shutdown(gomock.Any()).Return(nil).Times(1)
		svc := service.New(m)

		assert.NoError(t, svc.Shutdown(t.Context()))
		assert.NoError(t, svc.Shutdown(t.Context()))
	})
	t.Run("Should call the backend Shutdown exactly once from 10 concurrent goroutines", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		cause := errors.New("final export failed")
		m.EXPECT().Shutdown(gomock.Any()).Return(cause).Times(1)
		svc := service.New(m, service.WithLogger(discardLogger()))

		const n = 10
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = svc.Shutdown(context.Background())
			})
		}
		close(start)
		wg.Wait()

		// Every caller waits for the single call and gets its result.
		for i, err := range errs {
			assert.ErrorIs(t, err, cause, "goroutine %d", i)
		}
	})
	t.Run("Should return the backend error wrapped, log it once and repeat it", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		cause := errors.New("final export failed")
		m.EXPECT().Shutdown(gomock.Any()).Return(cause).Times(1)
		logger, logs := newLogger()
		svc := service.New(m, service.WithLogger(logger))

		err := svc.Shutdown(t.Context())
		require.ErrorIs(t, err, cause)
		assert.NotEqual(t, cause, err, "the error is wrapped with context")
		assert.Contains(t, err.Error(), "shutdown")
		assert.ErrorIs(t, svc.Shutdown(t.Context()), cause)
		assert.Len(t, logs.LinesContaining("shutdown failed", "final export failed"), 1, "logged: %v", logs.Lines())
	})
	t.Run("Should pass the caller's cancelled context to the backend", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		ctx, cancel := context.WithCancel(context.WithValue(t.Context(), ctxKey{}, "shutdown"))
		cancel()
		var seen context.Context
		m.EXPECT().Shutdown(gomock.Any()).DoAndReturn(func(c context.Context) error {
			seen = c
			return c.Err()
		}).Times(1)
		svc := service.New(m, service.WithLogger(discardLogger()))

		err := svc.Shutdown(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, ctx, seen, "the backend must see the caller's context")
	})
	t.Run("Should pass a cancelled context to an SDK backend", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		svc := service.New(fb)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()

		// The SDK shuts the ManualReader down regardless of the context.
		require.NoError(t, svc.Shutdown(ctx))
		_, err := collectErr(fb)
		assert.Error(t, err, "the backend reader must be shut down")
	})
	t.Run("Should turn a backend panic into an error and still count as shut down", func(t *testing.T) {
		t.Parallel()
		m := newMock(t)
		m.EXPECT().Shutdown(gomock.Any()).DoAndReturn(func(context.Context) error { panic("shutdown exploded") }).Times(1)
		m.EXPECT().Status().Return(port.Status{Backend: "fake", Enabled: true, Healthy: true}).AnyTimes()
		svc := service.New(m, service.WithLogger(discardLogger()))

		var err error
		require.NotPanics(t, func() { err = svc.Shutdown(t.Context()) })
		require.Error(t, err)
		assert.Contains(t, err.Error(), "shutdown exploded")
		assert.ErrorIs(t, svc.Status().Err, port.ErrShutdown)
		require.NotPanics(t, func() { err = svc.Shutdown(t.Context()) })
		assert.Contains(t, err.Error(), "shutdown exploded")
	})
	t.Run("Should keep instruments created before Shutdown safe to use", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		svc := service.New(fb)
		c, err := svc.Meter().Int64Counter("test.after")
		require.NoError(t, err)
		require.NoError(t, svc.Shutdown(t.Context()))

		assert.NotPanics(t, func() { c.Add(context.Background(), 1) })
		var late metric.Float64Histogram
		require.NotPanics(t, func() { late, err = svc.Meter().Float64Histogram("test.late") })
		require.NoError(t, err)
		assert.NotPanics(t, func() { late.Record(context.Background(), 1) })
	})
}
