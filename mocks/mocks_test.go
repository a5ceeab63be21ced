package mocks_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/mock/gomock"

	"github.com/compozy/monitoring/mocks"
	"github.com/compozy/monitoring/port"
)

// checkout is the business code under test, as a user of the library writes
// it: it sees only the recording port, counts the order on a fast instrument
// by route and the payment on the OpenTelemetry meter.
func checkout(ctx context.Context, mon port.Recorder, route string) error {
	orders := mon.Instruments().CounterVec(port.Desc{Name: "shop.orders", Keys: []string{"http.route"}})
	orders.Add(1, port.Values{route})
	payments, err := mon.Meter().Int64Counter("shop.payments")
	if err != nil {
		return fmt.Errorf("creating the payments counter: %w", err)
	}
	payments.Add(ctx, 1)
	return nil
}

// stop shuts the backend down, as a service's main does.
func stop(ctx context.Context, mon port.Monitoring) error {
	if err := mon.Shutdown(ctx); err != nil {
		return fmt.Errorf("stopping monitoring: %w", err)
	}
	return nil
}

// reporter is a gomock.TestReporter that records what the controller
// reports. Fatalf ends the goroutine, as testing.T's does: the controller
// relies on that after an unexpected call.
type reporter struct {
	errors []string
	fatal  string
}

func (r *reporter) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *reporter) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// observe runs f with a controller reporting to a fresh reporter, on a
// goroutine of its own so that Fatalf can end it, and returns the reporter
// and whether f ran to its end.
func observe(f func(ctrl *gomock.Controller)) (r *reporter, completed bool) {
	r = &reporter{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(gomock.NewController(r))
		completed = true
	}()
	<-done
	return r, completed
}

// expectCheckout sets up the calls checkout makes on route, its meter
// being meter.
func expectCheckout(ctrl *gomock.Controller, mon *mocks.MockMonitoring, route string) {
	in := mocks.NewMockInstruments(ctrl)
	orders := mocks.NewMockCounterVec(ctrl)
	mon.EXPECT().Instruments().Return(in)
	in.EXPECT().CounterVec(gomock.Cond(func(d port.Desc) bool { return d.Name == "shop.orders" })).Return(orders)
	orders.EXPECT().Add(1.0, port.Values{route})
}

func TestMockMonitoring(t *testing.T) {
	t.Run("Should satisfy every expectation of the code under test", func(t *testing.T) {
		reader := sdkmetric.NewManualReader()
		provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		t.Cleanup(func() { assert.NoError(t, provider.Shutdown(context.Background())) })

		ctrl := gomock.NewController(t) // checks at cleanup that every call was made
		mon := mocks.NewMockMonitoring(ctrl)
		expectCheckout(ctrl, mon, "/checkout")
		mon.EXPECT().Meter().Return(provider.Meter("shop"))

		require.NoError(t, checkout(t.Context(), mon, "/checkout"))

		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(t.Context(), &rm))
		require.Len(t, rm.ScopeMetrics, 1)
		require.Len(t, rm.ScopeMetrics[0].Metrics, 1)
		m := rm.ScopeMetrics[0].Metrics[0]
		assert.Equal(t, "shop.payments", m.Name)
		sum, ok := m.Data.(metricdata.Sum[int64])
		require.True(t, ok, "%T", m.Data)
		require.Len(t, sum.DataPoints, 1)
		assert.Equal(t, int64(1), sum.DataPoints[0].Value)
	})

	t.Run("Should return what the test told it to", func(t *testing.T) {
		mon := mocks.NewMockMonitoring(gomock.NewController(t))
		mon.EXPECT().Shutdown(gomock.Any()).Return(port.ErrShutdown)
		mon.EXPECT().Status().Return(port.Status{Backend: "mock", Err: port.ErrShutdown})

		err := stop(t.Context(), mon)
		require.ErrorIs(t, err, port.ErrShutdown)
		assert.Equal(t, "mock", mon.Status().Backend)
	})

	t.Run("Should report an expected call the code never made", func(t *testing.T) {
		r, completed := observe(func(ctrl *gomock.Controller) {
			mon := mocks.NewMockMonitoring(ctrl)
			mon.EXPECT().Shutdown(gomock.Any()).Return(nil)
			ctrl.Finish() // what the test's cleanup does
		})
		assert.False(t, completed, "a missing call aborts the test")
		require.Len(t, r.errors, 1)
		assert.Contains(t, r.errors[0], "missing call(s) to *mocks.MockMonitoring.Shutdown(")
		assert.Contains(t, r.fatal, "aborting test due to missing call(s)")
	})

	t.Run("Should report a call made with other attribute values than expected", func(t *testing.T) {
		r, completed := observe(func(ctrl *gomock.Controller) {
			mon := mocks.NewMockMonitoring(ctrl)
			expectCheckout(ctrl, mon, "/checkout")
			_ = checkout(context.Background(), mon, "/checkout/42") // a raw path, not the route
		})
		assert.False(t, completed)
		assert.Empty(t, r.errors)
		assert.Contains(t, r.fatal, "Unexpected call to *mocks.MockCounterVec.Add(")
		assert.Contains(t, r.fatal, "/checkout/42")
	})

	t.Run("Should report a call nobody expected", func(t *testing.T) {
		r, completed := observe(func(ctrl *gomock.Controller) {
			mon := mocks.NewMockMonitoring(ctrl)
			_ = mon.Status()
		})
		assert.False(t, completed)
		assert.Contains(t, r.fatal, "Unexpected call to *mocks.MockMonitoring.Status(")
		assert.Contains(t, r.fatal, "there are no expected calls")
	})
}

func TestMockRecorder(t *testing.T) {
	t.Run("Should stand in for the recording port alone, as business code receives it", func(t *testing.T) {
		reader := sdkmetric.NewManualReader()
		provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		t.Cleanup(func() { assert.NoError(t, provider.Shutdown(context.Background())) })

		ctrl := gomock.NewController(t)
		rec := mocks.NewMockRecorder(ctrl)
		in := mocks.NewMockInstruments(ctrl)
		orders := mocks.NewMockCounterVec(ctrl)
		rec.EXPECT().Instruments().Return(in)
		in.EXPECT().CounterVec(gomock.Cond(func(d port.Desc) bool { return d.Name == "shop.orders" })).Return(orders)
		orders.EXPECT().Add(1.0, port.Values{"/checkout"})
		rec.EXPECT().Meter().Return(provider.Meter("shop"))

		require.NoError(t, checkout(t.Context(), rec, "/checkout"))

		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(t.Context(), &rm))
		require.Len(t, rm.ScopeMetrics, 1)
		assert.Equal(t, "shop.payments", rm.ScopeMetrics[0].Metrics[0].Name)
	})

	t.Run("Should report a recording call nobody expected", func(t *testing.T) {
		r, completed := observe(func(ctrl *gomock.Controller) {
			_ = mocks.NewMockRecorder(ctrl).MeterProvider()
		})
		assert.False(t, completed)
		assert.Contains(t, r.fatal, "Unexpected call to *mocks.MockRecorder.MeterProvider(")
	})
}
