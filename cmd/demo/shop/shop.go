// Package shop is the demo service's business layer. It depends on
// [port.Recorder], the recording part of the port, and on nothing else of
// the monitoring module, which is how an application's own code should: it
// is handed the recorder at construction (it records; it cannot shut the
// backend down) and unit-tested with the generated mock.
package shop

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring/port"
)

// ErrUnknownItem is returned for an item the catalogue does not hold.
var ErrUnknownItem = errors.New("unknown item")

// Shop takes orders for a small fixed catalogue.
type Shop struct {
	catalogue map[string]int64 // item -> price in cents
	orders    metric.Int64Counter
	duration  metric.Float64Histogram
	now       func() time.Time

	// Attribute sets are built once: building them per call costs more than
	// recording.
	placed, rejected metric.MeasurementOption
}

// New builds the shop and its instruments on mon's meter. The meter of the
// monitoring service never fails; a bare backend's error leaves a no-op
// instrument, never a nil one.
func New(mon port.Recorder) *Shop {
	m := mon.Meter()
	orders, _ := m.Int64Counter("shop.orders",
		metric.WithDescription("Orders received, by outcome."), metric.WithUnit("{order}"))
	duration, _ := m.Float64Histogram("shop.order.duration",
		metric.WithDescription("Time taken to place an order."), metric.WithUnit("s"))
	return &Shop{
		catalogue: map[string]int64{"book": 1200, "pen": 150, "lamp": 3400},
		orders:    orders,
		duration:  duration,
		now:       time.Now,
		placed:    metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "placed"))),
		rejected:  metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "rejected"))),
	}
}

// Order is a placed order.
type Order struct {
	Item  string `json:"item"`
	Cents int64  `json:"cents"`
}

// PlaceOrder places an order for item, recording the outcome and how long it
// took. The item name never becomes an attribute: it comes from the client.
func (s *Shop) PlaceOrder(ctx context.Context, item string) (Order, error) {
	start := s.now()
	price, ok := s.catalogue[item]
	if !ok {
		s.orders.Add(ctx, 1, s.rejected)
		return Order{}, ErrUnknownItem
	}
	s.orders.Add(ctx, 1, s.placed)
	s.duration.Record(ctx, s.now().Sub(start).Seconds(), s.placed)
	return Order{Item: item, Cents: price}, nil
}
