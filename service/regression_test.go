package service_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.uber.org/mock/gomock"

	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

// nilInstrumentMeter returns (nil, nil) from its counter constructor.
type nilInstrumentMeter struct{ noop.Meter }

func (nilInstrumentMeter) Int64Counter(string, ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return nil, nil
}

// refusingCallbackMeter panics when a callback is registered.
type refusingCallbackMeter struct{ metric.Meter }

func (refusingCallbackMeter) RegisterCallback(metric.Callback, ...metric.Observable) (metric.Registration, error) {
	panic(errors.New("callbacks exploded"))
}

func TestMeter_Hardening(t *testing.T) {
	t.Run("Should never export an observable with an invalid name, callback included", func(t *testing.T) {
		fb := newFakeBackend(t)
		svc := service.New(fb, service.WithLogger(discardLogger()))
		called := false
		g, err := svc.Meter().Int64ObservableGauge("1bad", metric.WithInt64Callback(
			func(_ context.Context, o metric.Int64Observer) error {
				called = true
				o.Observe(1)
				return nil
			}))
		require.NoError(t, err)
		require.NotNil(t, g)
		assert.Empty(t, metricNames(fb.collect(t)))
		assert.False(t, called, "the callback of an invalid instrument must never run")
	})

	t.Run("Should keep a callback's valid instruments when one is a no-op stand-in", func(t *testing.T) {
		fb := newFakeBackend(t)
		svc := service.New(fb, service.WithLogger(discardLogger()))
		good, err := svc.Meter().Int64ObservableGauge("queue.depth")
		require.NoError(t, err)
		bad, err := svc.Meter().Int64ObservableGauge("")
		require.NoError(t, err)

		reg, err := svc.Meter().RegisterCallback(func(_ context.Context, o metric.Observer) error {
			o.ObserveInt64(good, 7)
			return nil
		}, good, bad)
		require.NoError(t, err)
		require.NotNil(t, reg)
		m, ok := findMetric(fb.collect(t), "queue.depth")
		require.True(t, ok, "the valid gauge must still be collected")
		assert.Equal(t, 1, dataPoints(m))
		require.NoError(t, reg.Unregister())
	})

	t.Run("Should answer a panicking RegisterCallback with a no-op registration and one log line", func(t *testing.T) {
		fb := newFakeBackend(t)
		base := fb.provider.Meter("x")
		fb.meterFn = func() metric.Meter { return refusingCallbackMeter{base} }
		logger, logs := newLogger()
		svc := service.New(fb, service.WithLogger(logger))
		g, err := svc.Meter().Int64ObservableGauge("queue.depth")
		require.NoError(t, err)

		var reg metric.Registration
		require.NotPanics(t, func() {
			reg, err = svc.Meter().RegisterCallback(func(context.Context, metric.Observer) error { return nil }, g)
		})
		require.NoError(t, err)
		require.NoError(t, reg.Unregister())
		assert.Len(t, logs.LinesContaining("callback", "callbacks exploded"), 1, "logged: %v", logs.Lines())
	})

	t.Run("Should replace a nil instrument from the backend with a working no-op", func(t *testing.T) {
		fb := newFakeBackend(t)
		fb.meterFn = func() metric.Meter { return nilInstrumentMeter{} }
		logger, logs := newLogger()
		svc := service.New(fb, service.WithLogger(logger))
		c, err := svc.Meter().Int64Counter("orders")
		require.NoError(t, err)
		require.NotNil(t, c)
		assert.NotPanics(t, func() { c.Add(t.Context(), 1) })
		assert.Len(t, logs.LinesContaining("nil instrument"), 1, "logged: %v", logs.Lines())
	})
}

func TestHardening(t *testing.T) {
	t.Run("Should report the shutdown even when the backend's Status panics", func(t *testing.T) {
		fb := newFakeBackend(t)
		fb.statusFn = func() port.Status { panic("status exploded") }
		svc := service.New(fb, service.WithLogger(discardLogger()))
		require.NoError(t, svc.Shutdown(t.Context()))
		st := svc.Status()
		require.ErrorIs(t, st.Err, port.ErrShutdown)
		assert.False(t, st.Healthy)
	})

	t.Run("Should keep a panicked error matchable with errors.Is", func(t *testing.T) {
		cause := errors.New("disk gone")
		m := newMock(t)
		m.EXPECT().ForceFlush(gomock.Any()).DoAndReturn(func(context.Context) error { panic(cause) })
		svc := service.New(m, service.WithLogger(discardLogger()))
		err := svc.ForceFlush(t.Context())
		require.ErrorIs(t, err, cause)
	})

	t.Run("Should let a later Shutdown give up on its own deadline while the first is still running", func(t *testing.T) {
		release := make(chan struct{})
		entered := make(chan struct{})
		m := newMock(t)
		m.EXPECT().Shutdown(gomock.Any()).DoAndReturn(func(context.Context) error {
			close(entered)
			<-release
			return nil
		}).Times(1)
		svc := service.New(m, service.WithLogger(discardLogger()))

		firstDone := make(chan error, 1)
		go func() { firstDone <- svc.Shutdown(context.Background()) }()
		<-entered

		expired, cancel := context.WithCancel(t.Context())
		cancel()
		err := svc.Shutdown(expired)
		require.ErrorIs(t, err, context.Canceled)

		close(release)
		require.NoError(t, <-firstDone)
		assert.NoError(t, svc.Shutdown(t.Context()), "once the first returned, later calls get its result")
	})
}
