package fast_test

import (
	"context"
	"encoding/binary"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/port"
)

// spanContext returns a context carrying the span context of trace n, span
// n, sampled or not: what a tracing middleware or a propagator leaves in a
// request's context.
func spanContext(n uint64, sampled bool) context.Context {
	var tid trace.TraceID
	var sid trace.SpanID
	binary.BigEndian.PutUint64(tid[8:], n+1)
	binary.BigEndian.PutUint64(sid[:], n+1)
	cfg := trace.SpanContextConfig{TraceID: tid, SpanID: sid}
	if sampled {
		cfg.TraceFlags = trace.FlagsSampled
	}
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(cfg))
}

func traceOf(n uint64) []byte {
	id := trace.SpanContextFromContext(spanContext(n, true)).TraceID()
	return id[:]
}

func spanOf(n uint64) []byte {
	id := trace.SpanContextFromContext(spanContext(n, true)).SpanID()
	return id[:]
}

// histogramPoint collects the only point of the histogram "latency".
func histogramPoint(t *testing.T, reader *sdkmetric.ManualReader) metricdata.HistogramDataPoint[float64] {
	t.Helper()
	h, ok := collect(t, reader)["latency"].(metricdata.Histogram[float64])
	require.True(t, ok, "the histogram is collected")
	require.Len(t, h.DataPoints, 1)
	return h.DataPoints[0]
}

var buckets = []float64{0.1, 0.5, 1}

func TestExemplars(t *testing.T) {
	t.Run("Should keep the sampled span's trace and span IDs, value and time on the bucket the value falls in", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		h := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: buckets}).Bind(port.Values{})
		h.RecordContext(spanContext(1, true), 0.3)
		p := histogramPoint(t, reader)
		require.Len(t, p.Exemplars, 1)
		e := p.Exemplars[0]
		assert.Equal(t, traceOf(1), e.TraceID)
		assert.Equal(t, spanOf(1), e.SpanID)
		assert.InDelta(t, 0.3, e.Value, 0)
		assert.False(t, e.Time.IsZero())
		assert.Equal(t, []uint64{0, 1, 0, 0}, p.BucketCounts, "the record is counted as Record counts it")
	})

	t.Run("Should record the seconds since start with RecordSince, its exemplar stamped start plus them", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		vec := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: buckets})
		// A start without its monotonic reading (as parsed or sent), 300 ms
		// back on the wall clock: recorded as about 0.3 s.
		before := time.Now()
		start := time.Unix(0, before.Add(-300*time.Millisecond).UnixNano())
		vec.RecordSince(spanContext(1, true), start, port.Values{})
		after := time.Now()
		p := histogramPoint(t, reader)
		require.Len(t, p.Exemplars, 1)
		e := p.Exemplars[0]
		assert.Equal(t, traceOf(1), e.TraceID)
		assert.Equal(t, []uint64{0, 1, 0, 0}, p.BucketCounts, "0.3 s and a little: the second bucket")
		assert.InDelta(t, e.Value, p.Sum, 0, "the exemplar's value is the value recorded")
		assert.GreaterOrEqual(t, e.Value, 0.3)
		assert.LessOrEqual(t, e.Value, after.Sub(start).Seconds())
		assert.Equal(t, start.Add(time.Duration(e.Value*float64(time.Second))).Round(time.Microsecond), e.Time.Round(time.Microsecond),
			"stamped start plus the value: no second reading of the clock")
		assert.False(t, e.Time.Before(before) || e.Time.After(after), "within the record: %v not in [%v, %v]", e.Time, before, after)
	})

	t.Run("Should record nothing for a zero start and 0 for a start in the future, stamped now", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		h := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: buckets}).Bind(port.Values{})
		h.RecordSince(spanContext(1, true), time.Time{})
		h.RecordSince(context.Background(), time.Time{})
		p := histogramPoint(t, reader)
		assert.Zero(t, p.Count, "nothing recorded: a zero start is a start never set")
		assert.Empty(t, p.Exemplars)
		before := time.Now()
		h.RecordSince(spanContext(2, true), time.Now().Add(time.Hour))
		after := time.Now()
		p = histogramPoint(t, reader)
		assert.Equal(t, []uint64{1, 0, 0, 0}, p.BucketCounts)
		assert.Zero(t, p.Sum)
		require.Len(t, p.Exemplars, 1)
		assert.Zero(t, p.Exemplars[0].Value)
		at := p.Exemplars[0].Time
		assert.False(t, at.Before(before) || at.After(after), "stamped when recorded, not at the future start: %v not in [%v, %v]", at, before, after)
	})

	t.Run("Should make no series for a start it records nothing for", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		vec := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Keys: []string{"q"}, Buckets: buckets})
		vec.RecordSince(spanContext(1, true), time.Time{}, port.Values{"never"})
		_, ok := collect(t, reader)["latency"]
		assert.False(t, ok, "no series, no point: a zero start takes no slot of the cardinality limit")
		vec.RecordSince(spanContext(1, true), time.Now(), port.Values{"set"})
		h, ok := collect(t, reader)["latency"].(metricdata.Histogram[float64])
		require.True(t, ok)
		require.Len(t, h.DataPoints, 1)
		assert.Equal(t, "set", h.DataPoints[0].Attributes.ToSlice()[0].Value.AsString())
	})

	t.Run("Should record nothing for a start too far off for a Duration", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		h := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: buckets}).Bind(port.Values{})
		for _, start := range []time.Time{time.Time{}.Add(time.Second), time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC)} {
			h.RecordSince(spanContext(1, true), start)
		}
		p := histogramPoint(t, reader)
		assert.Zero(t, p.Count, "a start 292 years or more away is not a latency")
		assert.Empty(t, p.Exemplars)
	})

	t.Run("Should keep each exemplar's time minus its value at its record's start, under concurrent records and collections", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		h := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: []float64{100}}).Bind(port.Values{})
		base := time.Now()
		starts := []time.Time{base.Add(-10 * time.Second), base.Add(-20 * time.Second), base.Add(-30 * time.Second), base.Add(-40 * time.Second)}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					h.RecordSince(spanContext(uint64(g), true), starts[g]) //nolint:gosec // g < 4.
				}
			})
		}
		for range 300 {
			p := histogramPoint(t, reader)
			for _, e := range p.Exemplars {
				g := binary.BigEndian.Uint64(e.TraceID[8:]) - 1
				at := e.Time.Add(-time.Duration(e.Value * float64(time.Second)))
				require.InDelta(t, 0, at.Sub(starts[g]).Seconds(), 1e-6, "g=%d", g)
			}
		}
		close(stop)
		wg.Wait()
	})

	t.Run("Should keep one exemplar per bucket, the latest, and one for each bucket that had one", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		vec := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Keys: []string{"route"}, Buckets: buckets})
		vec.RecordContext(spanContext(1, true), 0.3, port.Values{"/a"})
		vec.RecordContext(spanContext(2, true), 0.4, port.Values{"/a"}) // same bucket (0.1, 0.5]: replaces 1
		vec.RecordContext(spanContext(3, true), 7, port.Values{"/a"})   // the +Inf bucket
		vec.RecordContext(spanContext(4, true), 0.05, port.Values{"/a"})
		p := histogramPoint(t, reader)
		require.Len(t, p.Exemplars, 3)
		assert.Equal(t, traceOf(4), p.Exemplars[0].TraceID, "bucket (-inf, 0.1]")
		assert.InDelta(t, 0.05, p.Exemplars[0].Value, 0)
		assert.Equal(t, traceOf(2), p.Exemplars[1].TraceID, "bucket (0.1, 0.5]: the latest wins")
		assert.InDelta(t, 0.4, p.Exemplars[1].Value, 0)
		assert.Equal(t, traceOf(3), p.Exemplars[2].TraceID, "bucket (1, +inf)")
		assert.Equal(t, uint64(4), p.Count)
	})

	t.Run("Should keep none for an unsampled span, no span, a nil context or a plain Record", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		h := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: buckets}).Bind(port.Values{})
		var nilCtx context.Context
		h.RecordContext(spanContext(1, false), 0.3)
		h.RecordContext(context.Background(), 0.3)
		h.RecordContext(nilCtx, 0.3)
		h.Record(0.3)
		p := histogramPoint(t, reader)
		assert.Empty(t, p.Exemplars)
		assert.Equal(t, uint64(4), p.Count, "every record is counted")
	})

	t.Run("Should keep none for a value it ignores (NaN, infinities)", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		h := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: buckets}).Bind(port.Values{})
		h.Record(0.3)
		for _, v := range []float64{nan(), inf(1), inf(-1)} {
			h.RecordContext(spanContext(1, true), v)
		}
		p := histogramPoint(t, reader)
		assert.Empty(t, p.Exemplars)
		assert.Equal(t, uint64(1), p.Count)
	})

	t.Run("Should keep none when turned off", func(t *testing.T) {
		reg := fast.New(fast.WithExemplars(false))
		reader, _ := newReader(t, reg)
		vec := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: buckets})
		vec.Bind(port.Values{}).RecordContext(spanContext(1, true), 0.3)
		vec.RecordContext(spanContext(2, true), 0.7, port.Values{})
		p := histogramPoint(t, reader)
		assert.Empty(t, p.Exemplars)
		assert.Equal(t, uint64(2), p.Count)
	})

	t.Run("Should keep a consistent trace, span and value per bucket under concurrent records and collections", func(t *testing.T) {
		reg := fast.New()
		reader, _ := newReader(t, reg)
		h := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: buckets}).Bind(port.Values{})
		const writers, records = 4, 2000
		values := []float64{0.05, 0.3, 0.7, 3} // one per bucket
		var wg sync.WaitGroup
		stop := make(chan struct{})
		checked := make(chan int)
		go func() { // collects while the writers record
			n := 0
			defer func() { checked <- n }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var rm metricdata.ResourceMetrics
				if reader.Collect(context.Background(), &rm) != nil {
					continue
				}
				for _, sm := range rm.ScopeMetrics {
					for _, m := range sm.Metrics {
						for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
							for _, e := range dp.Exemplars {
								n++
								// span n+1 and trace n+1 were recorded with value values[n%4]
								k := binary.BigEndian.Uint64(e.SpanID) - 1
								assert.Equal(t, traceOf(k), e.TraceID)
								assert.InDelta(t, values[k%4], e.Value, 0)
							}
						}
					}
				}
			}
		}()
		for w := range uint64(writers) {
			wg.Go(func() {
				for i := range uint64(records) {
					k := (w*records + i) * 4
					k += i % 4
					h.RecordContext(spanContext(k, true), values[k%4])
				}
			})
		}
		wg.Wait()
		close(stop)
		assert.Positive(t, <-checked, "the collector saw exemplars")
		p := histogramPoint(t, reader)
		require.Len(t, p.Exemplars, 4, "one per bucket")
		for i, e := range p.Exemplars {
			k := binary.BigEndian.Uint64(e.SpanID) - 1
			assert.Equal(t, traceOf(k), e.TraceID)
			assert.InDelta(t, values[i], e.Value, 0, "the exemplar of bucket %d has a value of that bucket", i)
		}
		assert.Equal(t, uint64(writers*records), p.Count)
	})

	t.Run("Should not allocate without a sampled span, nor with one once the series has its slots", func(t *testing.T) {
		reg := fast.New()
		h := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: buckets}).Bind(port.Values{})
		unsampled, none, sampled := spanContext(1, false), context.Background(), spanContext(2, true)
		assert.Zero(t, testing.AllocsPerRun(100, func() { h.RecordContext(none, 0.3) }))
		assert.Zero(t, testing.AllocsPerRun(100, func() { h.RecordContext(unsampled, 0.3) }))
		assert.Zero(t, testing.AllocsPerRun(100, func() { h.RecordContext(sampled, 0.3) }))
		start := time.Now()
		assert.Zero(t, testing.AllocsPerRun(100, func() { h.RecordSince(none, start) }))
		assert.Zero(t, testing.AllocsPerRun(100, func() { h.RecordSince(sampled, start) }))
		off := fast.New(fast.WithExemplars(false)).HistogramVec(port.Desc{Name: "latency", Unit: "s"}).Bind(port.Values{})
		assert.Zero(t, testing.AllocsPerRun(100, func() { off.RecordContext(sampled, 0.3) }))
	})

	t.Run("Should hand a delta reader the exemplars of its interval only", func(t *testing.T) {
		reg := fast.New()
		delta := sdkmetric.NewManualReader(sdkmetric.WithProducer(reg.ForReader(sdkmetric.DeltaTemporalitySelector)),
			sdkmetric.WithTemporalitySelector(sdkmetric.DeltaTemporalitySelector))
		cumulative := sdkmetric.NewManualReader(sdkmetric.WithProducer(reg.ForReader(nil)))
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(delta), sdkmetric.WithReader(cumulative))
		t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		h := reg.HistogramVec(port.Desc{Name: "latency", Unit: "s", Buckets: buckets}).Bind(port.Values{})
		h.RecordContext(spanContext(1, true), 0.3)
		first := histogramPoint(t, delta)
		require.Len(t, first.Exemplars, 1)
		assert.Equal(t, traceOf(1), first.Exemplars[0].TraceID)
		h.Record(0.7)
		second := histogramPoint(t, delta)
		assert.Equal(t, uint64(1), second.Count)
		assert.Empty(t, second.Exemplars, "the exemplar of the first interval is not repeated")
		assert.Len(t, histogramPoint(t, cumulative).Exemplars, 1, "a cumulative reader keeps it")
	})
}

func nan() float64         { return math.NaN() }
func inf(sign int) float64 { return math.Inf(sign) }
