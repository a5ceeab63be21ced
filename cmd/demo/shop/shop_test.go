package shop_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/goleak"
	"go.uber.org/mock/gomock"

	"github.com/compozy/monitoring/cmd/demo/shop"
	"github.com/compozy/monitoring/mocks"
	"github.com/compozy/monitoring/monitoringtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	placed   = attribute.String("outcome", "placed")
	rejected = attribute.String("outcome", "rejected")
)

// The shop is handed an in-memory backend (monitoringtest) and the test
// reads back exactly what the business code recorded: a counter's value per
// outcome, the duration histogram's count.
func TestPlaceOrder(t *testing.T) {
	t.Run("Should place a known item and count it as placed", func(t *testing.T) {
		b := monitoringtest.New(t)
		s := shop.New(b)
		order, err := s.PlaceOrder(t.Context(), "book")
		require.NoError(t, err)
		assert.Equal(t, shop.Order{Item: "book", Cents: 1200}, order)

		assert.InDelta(t, 1.0, b.Sum(t, "shop.orders", placed), 0)
		assert.Zero(t, b.Sum(t, "shop.orders", rejected))
		duration, ok := b.Histogram(t, "shop.order.duration", placed)
		require.True(t, ok)
		assert.Equal(t, uint64(1), duration.Count)
	})

	t.Run("Should declare the orders counter with its description and unit, one series per outcome", func(t *testing.T) {
		b := monitoringtest.New(t)
		s := shop.New(b)
		_, err := s.PlaceOrder(t.Context(), "book")
		require.NoError(t, err)

		got, ok := b.Metric(t, "shop.orders")
		require.True(t, ok)
		metricdatatest.AssertEqual(t, metricdata.Metrics{
			Name:        "shop.orders",
			Description: "Orders received, by outcome.",
			Unit:        "{order}",
			Data: metricdata.Sum[int64]{
				Temporality: metricdata.CumulativeTemporality,
				IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[int64]{
					{Attributes: attribute.NewSet(placed), Value: 1},
				},
			},
		}, got, metricdatatest.IgnoreTimestamp())
	})

	t.Run("Should reject an unknown item without making its name an attribute", func(t *testing.T) {
		b := monitoringtest.New(t)
		s := shop.New(b)
		_, err := s.PlaceOrder(t.Context(), "attacker-chosen-name")
		require.ErrorIs(t, err, shop.ErrUnknownItem)

		rejectedSet := attribute.NewSet(rejected)
		assert.Equal(t, map[attribute.Distinct]float64{rejectedSet.Equivalent(): 1}, b.Sums(t, "shop.orders"),
			"one series, outcome=rejected, and no attribute holds the item")
		_, recorded := b.Metric(t, "shop.order.duration")
		assert.False(t, recorded, "a rejected order has no duration")
	})

	t.Run("Should ask the port for its meter once, and work on a backend that records nothing", func(t *testing.T) {
		mon := mocks.NewMockRecorder(gomock.NewController(t))
		mon.EXPECT().Meter().Return(noop.Meter{}).Times(1)
		s := shop.New(mon)
		_, err := s.PlaceOrder(t.Context(), "pen")
		assert.NoError(t, err)
	})
}
