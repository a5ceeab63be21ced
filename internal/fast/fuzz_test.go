package fast_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/port"
)

// FuzzSums records an arbitrary sequence of operations with arbitrary
// attribute values and checks that what is collected is exactly what was
// recorded, per series.
func FuzzSums(f *testing.F) {
	f.Add("GET", "/x", []byte{0, 1, 2, 3, 4, 5, 250, 7})
	f.Add("", "\x00\xff", []byte{9, 9, 9, 9})
	f.Add("a\"b", "c=d,e", []byte{})
	f.Fuzz(func(t *testing.T, a, b string, ops []byte) {
		reg := fast.New(fast.WithLimit(0))
		c := reg.CounterVec(port.Desc{Name: "c", Keys: []string{"k1", "k2"}})
		h := reg.HistogramVec(port.Desc{Name: "h", Keys: []string{"k1"}, Buckets: []float64{1, 10, 100}})
		pool := []port.Values{{a, b}, {b, a}, {a, a}, {"", b}}
		want := map[string]float64{}
		var wantCount uint64
		var wantSum float64
		for _, op := range ops {
			v := pool[int(op)%len(pool)]
			delta := float64(op >> 2)
			c.Add(delta, v)
			set := setOf(v)
			want[set.Encoded(attribute.DefaultEncoder())] += delta
			h.Record(delta, port.Values{v[0]})
			wantCount++
			wantSum += delta
		}
		sm, err := reg.Produce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		var gotCount uint64
		var gotSum float64
		for _, scope := range sm {
			for _, m := range scope.Metrics {
				switch d := m.Data.(type) {
				case metricdata.Sum[float64]:
					for _, p := range d.DataPoints {
						got[p.Attributes.Encoded(attribute.DefaultEncoder())] += p.Value
					}
				case metricdata.Histogram[float64]:
					for _, p := range d.DataPoints {
						gotCount += p.Count
						gotSum += p.Sum
					}
				}
			}
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("series %q: collected %v, recorded %v", k, got[k], v)
			}
		}
		if len(got) > len(want) {
			t.Fatalf("collected %d series, recorded %d", len(got), len(want))
		}
		if gotCount != wantCount || gotSum != wantSum {
			t.Fatalf("histogram: collected %d/%v, recorded %d/%v", gotCount, gotSum, wantCount, wantSum)
		}
	})
}

// setOf is the attribute set the fast path exports for v on keys k1, k2.
func setOf(v port.Values) attribute.Set {
	var kvs []attribute.KeyValue
	if v[0] != "" {
		kvs = append(kvs, attribute.String("k1", v[0]))
	}
	if v[1] != "" {
		kvs = append(kvs, attribute.String("k2", v[1]))
	}
	return attribute.NewSet(kvs...)
}
