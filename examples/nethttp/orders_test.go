package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/mock/gomock"

	"github.com/compozy/monitoring/mocks"
	"github.com/compozy/monitoring/monitoringtest"
)

// The business code's unit tests: once with the generated mock of the port,
// asserting exactly what was recorded, once with monitoringtest's in-memory
// backend, reading the aggregated result.
func TestOrders(t *testing.T) {
	t.Run("Should count placed and rejected orders on the mocked recorder's meter", func(t *testing.T) {
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		rec := mocks.NewMockRecorder(gomock.NewController(t)) // go.uber.org/mock/gomock
		rec.EXPECT().Meter().Return(mp.Meter("orders"))       // once, as NewOrders asks

		orders := NewOrders(rec)
		require.NoError(t, orders.Place(t.Context(), "book"))
		require.ErrorIs(t, orders.Place(t.Context(), "unicorn"), ErrUnknownItem)

		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(t.Context(), &rm)) // exactly what was recorded: compare it
		require.Len(t, rm.ScopeMetrics, 1)
		require.Len(t, rm.ScopeMetrics[0].Metrics, 1)
		metricdatatest.AssertEqual(t, metricdata.Metrics{
			Name: "shop.orders", Description: "Orders received, by outcome.", Unit: "{order}",
			Data: metricdata.Sum[int64]{
				Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[int64]{
					{Attributes: attribute.NewSet(attribute.String("outcome", "placed")), Value: 1},
					{Attributes: attribute.NewSet(attribute.String("outcome", "rejected")), Value: 1},
				},
			},
		}, rm.ScopeMetrics[0].Metrics[0], metricdatatest.IgnoreTimestamp())
	})

	t.Run("Should read the same counts from monitoringtest's in-memory backend", func(t *testing.T) {
		b := monitoringtest.New(t)
		orders := NewOrders(b)
		require.NoError(t, orders.Place(t.Context(), "pen"))
		require.ErrorIs(t, orders.Place(t.Context(), "unicorn"), ErrUnknownItem)

		assert.InDelta(t, 1, b.Sum(t, "shop.orders", attribute.String("outcome", "placed")), 0)
		assert.InDelta(t, 1, b.Sum(t, "shop.orders", attribute.String("outcome", "rejected")), 0)
		m, ok := b.Metric(t, "shop.orders") // the whole instrument, and whether it was recorded at all
		require.True(t, ok)
		assert.Equal(t, "{order}", m.Unit)

		require.NoError(t, orders.Place(t.Context(), "lamp"))
		assert.InDelta(t, 2, b.Sum(t, "shop.orders", attribute.String("outcome", "placed")), 0)
		assert.Len(t, b.Series(t, "shop.orders"), 2)
	})
}
