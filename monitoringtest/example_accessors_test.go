package monitoringtest_test

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/port"
)

// checkout is the code under test: business code that records through the
// port and knows nothing of the backend.
func checkout(ctx context.Context, mon port.Recorder, items int, seconds float64) {
	orders, _ := mon.Meter().Int64Counter("shop.orders")
	orders.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", "placed")))
	basket, _ := mon.Meter().Int64Gauge("shop.basket.items")
	basket.Record(ctx, int64(items))
	duration, _ := mon.Meter().Float64Histogram("shop.checkout.duration", metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.1, 1))
	duration.Record(ctx, seconds)
}

// A test hands the code under test a Backend, then reads back one number at
// a time: a counter's value for a set of attributes, a gauge's value, a
// histogram's count, sum and buckets.
func Example_accessors() {
	t := &testing.T{} // in a test, the *testing.T it is given
	b := monitoringtest.New(t)
	defer func() { _ = b.Shutdown(context.Background()) }()
	checkout(context.Background(), b, 3, 0.25)
	checkout(context.Background(), b, 5, 2)

	placed := attribute.String("outcome", "placed")
	fmt.Println("placed:", b.Sum(t, "shop.orders", placed))
	fmt.Println("rejected:", b.Sum(t, "shop.orders", attribute.String("outcome", "rejected")))
	items, _ := b.Gauge(t, "shop.basket.items")
	fmt.Println("basket:", items)
	h, _ := b.Histogram(t, "shop.checkout.duration")
	fmt.Println("checkouts:", h.Count, "seconds:", h.Sum, "buckets:", h.Bounds, h.BucketCounts)
	// Output:
	// placed: 2
	// rejected: 0
	// basket: 5
	// checkouts: 2 seconds: 2.25 buckets: [0.1 1] [0 1 1]
}
