package shop_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/goleak"
	"go.uber.org/mock/gomock"

	"github.com/compozy/monitoring/cmd/demo/shop"
	"github.com/compozy/monitoring/mocks"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newShop builds the shop on a mocked port whose meter feeds a ManualReader,
// so the test reads exactly what the business code recorded.
func newShop(t *testing.T) (*shop.Shop, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(t.Context()) })
	mon := mocks.NewMockMonitoring(gomock.NewController(t))
	mon.EXPECT().Meter().Return(mp.Meter("shop")).Times(1)
	return shop.New(mon), reader
}

func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(t.Context(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

func TestPlaceOrder(t *testing.T) {
	t.Run("Should place a known item and count it as placed", func(t *testing.T) {
		s, reader := newShop(t)
		order, err := s.PlaceOrder(t.Context(), "book")
		require.NoError(t, err)
		assert.Equal(t, shop.Order{Item: "book", Cents: 1200}, order)

		got := collect(t, reader)
		metricdatatest.AssertEqual(t, metricdata.Metrics{
			Name:        "shop.orders",
			Description: "Orders received, by outcome.",
			Unit:        "{order}",
			Data: metricdata.Sum[int64]{
				Temporality: metricdata.CumulativeTemporality,
				IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[int64]{
					{Attributes: attribute.NewSet(attribute.String("outcome", "placed")), Value: 1},
				},
			},
		}, got["shop.orders"], metricdatatest.IgnoreTimestamp())
		hist, ok := got["shop.order.duration"].Data.(metricdata.Histogram[float64])
		require.True(t, ok)
		require.Len(t, hist.DataPoints, 1)
		assert.Equal(t, uint64(1), hist.DataPoints[0].Count)
	})

	t.Run("Should reject an unknown item without making its name an attribute", func(t *testing.T) {
		s, reader := newShop(t)
		_, err := s.PlaceOrder(t.Context(), "attacker-chosen-name")
		require.ErrorIs(t, err, shop.ErrUnknownItem)

		got := collect(t, reader)
		metricdatatest.AssertEqual(t, metricdata.Metrics{
			Name:        "shop.orders",
			Description: "Orders received, by outcome.",
			Unit:        "{order}",
			Data: metricdata.Sum[int64]{
				Temporality: metricdata.CumulativeTemporality,
				IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[int64]{
					{Attributes: attribute.NewSet(attribute.String("outcome", "rejected")), Value: 1},
				},
			},
		}, got["shop.orders"], metricdatatest.IgnoreTimestamp())
		_, recorded := got["shop.order.duration"]
		assert.False(t, recorded, "a rejected order has no duration")
	})

	t.Run("Should work on a backend that records nothing", func(t *testing.T) {
		mon := mocks.NewMockMonitoring(gomock.NewController(t))
		mon.EXPECT().Meter().Return(noop.Meter{})
		s := shop.New(mon)
		_, err := s.PlaceOrder(t.Context(), "pen")
		assert.NoError(t, err)
	})
}
