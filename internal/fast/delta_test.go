package fast_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/port"
)

func TestForReader(t *testing.T) {
	t.Run("Should hand a delta reader the differences and a cumulative reader the totals", func(t *testing.T) {
		reg := fast.New()
		counter := reg.CounterVec(port.Desc{Name: "jobs", Keys: []string{"queue"}})
		level := reg.UpDownCounterVec(port.Desc{Name: "inflight"})
		hist := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s"})
		delta := sdkmetric.NewManualReader(sdkmetric.WithProducer(reg.ForReader(sdkmetric.DeltaTemporalitySelector)),
			sdkmetric.WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector))
		cumulative := sdkmetric.NewManualReader(sdkmetric.WithProducer(reg.ForReader(nil)))
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(delta), sdkmetric.WithReader(cumulative))
		t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })

		counter.Add(3, port.Values{"a"})
		level.Add(5, port.Values{})
		hist.Record(0.2, port.Values{})
		first := collect(t, delta)
		counter.Add(4, port.Values{"a"})
		counter.Add(1, port.Values{"b"})
		level.Add(-2, port.Values{})
		hist.Record(3, port.Values{})
		hist.Record(3, port.Values{})
		second := collect(t, delta)
		third := collect(t, delta)
		total := collect(t, cumulative)

		c1 := first["jobs"].(metricdata.Sum[float64])
		assert.Equal(t, metricdata.DeltaTemporality, c1.Temporality)
		assert.True(t, c1.IsMonotonic)
		assert.Equal(t, map[string]float64{"queue=a": 3}, sums(c1.DataPoints))
		c2 := second["jobs"].(metricdata.Sum[float64])
		assert.Equal(t, map[string]float64{"queue=a": 4, "queue=b": 1}, sums(c2.DataPoints))
		assert.NotContains(t, third, "jobs", "nothing changed: a delta reader gets no point")
		assert.NotContains(t, third, "latency")

		// Up-down counters stay cumulative on a delta reader, as the SDK's
		// delta selector asks.
		assert.Equal(t, metricdata.CumulativeTemporality, second["inflight"].(metricdata.Sum[float64]).Temporality)
		assert.Equal(t, map[string]float64{"": 3}, sums(second["inflight"].(metricdata.Sum[float64]).DataPoints))

		h2 := second["latency"].(metricdata.Histogram[float64])
		assert.Equal(t, metricdata.DeltaTemporality, h2.Temporality)
		require.Len(t, h2.DataPoints, 1)
		assert.Equal(t, uint64(2), h2.DataPoints[0].Count)
		assert.InDelta(t, 6.0, h2.DataPoints[0].Sum, 1e-9)
		var bucketTotal uint64
		for _, c := range h2.DataPoints[0].BucketCounts {
			bucketTotal += c
		}
		assert.Equal(t, uint64(2), bucketTotal)
		assert.Equal(t, first["latency"].(metricdata.Histogram[float64]).DataPoints[0].Time, h2.DataPoints[0].StartTime,
			"a delta starts where the previous one ended")

		ct := total["jobs"].(metricdata.Sum[float64])
		assert.Equal(t, metricdata.CumulativeTemporality, ct.Temporality)
		assert.Equal(t, map[string]float64{"queue=a": 7, "queue=b": 1}, sums(ct.DataPoints), "the cumulative reader is untouched")
	})

	t.Run("Should sum its deltas to the total recorded under concurrent recording", func(t *testing.T) {
		reg := fast.New()
		c := reg.CounterVec(port.Desc{Name: "hits"}).Bind(port.Values{})
		reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(reg.ForReader(sdkmetric.DeltaTemporalitySelector)))
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })

		const workers, each = 4, 5000
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range each {
					c.Inc()
				}
			})
		}
		recorded := make(chan struct{})
		go func() { wg.Wait(); close(recorded) }()
		var received float64
		for collecting := true; collecting; {
			select {
			case <-recorded:
				collecting = false
			default:
				received += deltaOf(t, reader)
			}
		}
		received += deltaOf(t, reader)
		assert.InDelta(t, float64(workers*each), received, 0)
	})
}

func TestForReaderConcurrentProduce(t *testing.T) {
	t.Run("Should hand out no negative delta and sum to the total when collections race on one view", func(t *testing.T) {
		reg := fast.New()
		c := reg.CounterVec(port.Desc{Name: "hits"}).Bind(port.Values{})
		view := reg.ForReader(sdkmetric.DeltaTemporalitySelector)

		const producers, each = 16, 100000
		recorded := make(chan struct{})
		go func() {
			defer close(recorded)
			for range each {
				c.Inc()
			}
		}()
		var (
			mu       sync.Mutex
			received float64
			negative int
			wg       sync.WaitGroup
		)
		produce := func() {
			scopes, err := view.Produce(t.Context())
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			for _, sm := range scopes {
				for _, m := range sm.Metrics {
					if s, ok := m.Data.(metricdata.Sum[float64]); ok && m.Name == "hits" {
						for _, p := range s.DataPoints {
							received += p.Value
							if p.Value < 0 {
								negative++
							}
						}
					}
				}
			}
		}
		for range producers {
			wg.Go(func() {
				for {
					select {
					case <-recorded:
						return
					default:
						produce()
					}
				}
			})
		}
		wg.Wait()
		produce()
		assert.Zero(t, negative, "a monotonic counter never goes back")
		assert.InDelta(t, float64(each), received, 0, "the deltas add up to what was recorded")
	})
}

func deltaOf(t *testing.T, reader *sdkmetric.ManualReader) float64 {
	t.Helper()
	got := collect(t, reader)
	s, ok := got["hits"].(metricdata.Sum[float64])
	if !ok {
		return 0
	}
	var v float64
	for _, p := range s.DataPoints {
		v += p.Value
	}
	return v
}

func TestForReaderCumulative(t *testing.T) {
	t.Run("Should hand a cumulative reader the registry itself", func(t *testing.T) {
		reg := fast.New()
		assert.Same(t, reg, reg.ForReader(nil))
		assert.Same(t, reg, reg.ForReader(sdkmetric.CumulativeTemporalitySelector))
		_, isView := reg.ForReader(sdkmetric.DeltaTemporalitySelector).(*fast.TemporalityProducer)
		assert.True(t, isView)
	})
}
