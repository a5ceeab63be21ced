package monitoringtest_test

import (
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/port"
)

// countOrder is the code under test: it takes the recording port only.
func countOrder(rec port.Recorder, outcome string) {
	rec.Instruments().CounterVec(port.Desc{Name: "shop.orders", Keys: []string{"outcome"}}).
		Add(1, port.Values{outcome})
}

// A test hands a Backend to the code under test as its port.Recorder, then
// reads what was recorded: the metric, its series, its sums. The function
// below is the body of a test (func TestCountOrder(t *testing.T)); the
// Backend needs the test's t, so this example is compiled, not run.
func ExampleNew() {
	testCountOrder := func(t *testing.T) {
		b := monitoringtest.New(t) // shut down when the test ends

		countOrder(b, "placed")
		countOrder(b, "placed")
		countOrder(b, "rejected")

		m, ok := b.Metric(t, "shop.orders")
		if !ok {
			t.Fatal("shop.orders was not recorded")
		}
		for _, p := range m.Data.(metricdata.Sum[float64]).DataPoints {
			outcome, _ := p.Attributes.Value("outcome")
			t.Logf("%s: %v", outcome.AsString(), p.Value) // placed: 2, rejected: 1
		}
		if got := len(b.Series(t, "shop.orders")); got != 2 {
			t.Errorf("%d series, want one per outcome", got)
		}
	}
	_ = testCountOrder
}
