package port_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/port"
)

// checkout is business code: it is handed a port.Recorder, declares its
// fast instruments once, binds the series it records most, and records with
// no error and no allocation.
type checkout struct {
	orders  port.CounterVec
	placed  port.Counter // bound once: the shortest path
	latency port.HistogramVec
}

func newCheckout(rec port.Recorder) *checkout {
	in := rec.Instruments()
	c := &checkout{
		orders: in.CounterVec(port.Desc{Name: "shop.orders", Description: "Orders, by outcome.",
			Unit: "{order}", Keys: []string{"outcome"}}),
		latency: in.HistogramVec(port.Desc{Name: "shop.checkout.duration", Description: "Checkout time.",
			Unit: "s", Keys: []string{"outcome"}}), // seconds: second-scale buckets by default
	}
	c.placed = c.orders.Bind(port.Values{"placed"})
	return c
}

func (c *checkout) place(ok bool, seconds float64) {
	if ok {
		c.placed.Inc()
		c.latency.Record(seconds, port.Values{"placed"})
		return
	}
	c.orders.Add(1, port.Values{"rejected"})
	c.latency.Record(seconds, port.Values{"rejected"})
}

// The fast path: instruments declared once with their attribute keys,
// recorded with values given in the order of the keys.
func ExampleInstruments() {
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(context.Background(), &cfg)
	defer func() { _ = mon.Shutdown(context.Background()) }()

	c := newCheckout(mon) // the service is a port.Monitoring, hence a port.Recorder
	c.place(true, 0.02)
	c.place(true, 0.3)
	c.place(false, 0.004)

	rec := httptest.NewRecorder()
	mon.ExporterHandler().ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "shop_orders_total") ||
			strings.HasPrefix(line, "shop_checkout_duration_seconds_count") {
			fmt.Println(line)
		}
	}
	// Output:
	// shop_checkout_duration_seconds_count{outcome="placed"} 2
	// shop_checkout_duration_seconds_count{outcome="rejected"} 1
	// shop_orders_total{outcome="placed"} 2
	// shop_orders_total{outcome="rejected"} 1
}

// NoopInstruments record nothing and cost an empty call: a default for
// code that may be handed no backend.
func ExampleNoopInstruments() {
	var in port.Instruments = port.NoopInstruments{}
	orders := in.CounterVec(port.Desc{Name: "shop.orders", Keys: []string{"outcome"}})
	orders.Bind(port.Values{"placed"}).Inc()
	orders.Add(1, port.Values{"rejected"})
	fmt.Println("recorded nothing, without an error")
	// Output:
	// recorded nothing, without an error
}
