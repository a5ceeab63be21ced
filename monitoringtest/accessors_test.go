package monitoringtest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/port"
)

// fatalRecorder is a testing.TB whose Fatalf records the message instead of
// ending the test, so that a test can see an accessor refuse.
type fatalRecorder struct {
	testing.TB
	fatal []string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = append(r.fatal, fmt.Sprintf(format, args...))
}

func TestAccessors(t *testing.T) {
	a := attribute.String("k", "a")
	z := attribute.String("k", "z")

	t.Run("Should read a counter's value per exact attribute set, integer and float, and 0 for a series never recorded", func(t *testing.T) {
		b := monitoringtest.New(t)
		ic, _ := b.Meter().Int64Counter("ic")
		ic.Add(t.Context(), 2, metric.WithAttributes(a))
		ic.Add(t.Context(), 3, metric.WithAttributes(a))
		ic.Add(t.Context(), 7, metric.WithAttributes(z, attribute.Int("n", 1)))
		ic.Add(t.Context(), 11)
		fc, _ := b.Meter().Float64UpDownCounter("fc")
		fc.Add(t.Context(), 1.5, metric.WithAttributes(a))
		fc.Add(t.Context(), -0.5, metric.WithAttributes(a))

		assert.InDelta(t, 5.0, b.Sum(t, "ic", a), 0)
		assert.InDelta(t, 7.0, b.Sum(t, "ic", attribute.Int("n", 1), z), 0, "attributes in any order")
		assert.Zero(t, b.Sum(t, "ic", z), "not a subset match: {k=z} alone was never recorded")
		assert.InDelta(t, 11.0, b.Sum(t, "ic"), 0, "no attributes: the series recorded without any")
		assert.InDelta(t, 1.0, b.Sum(t, "fc", a), 0)
		assert.Zero(t, b.Sum(t, "never.recorded"))

		setA, setZN, empty := attribute.NewSet(a), attribute.NewSet(z, attribute.Int("n", 1)), attribute.NewSet()
		assert.Equal(t, map[attribute.Distinct]float64{setA.Equivalent(): 5, setZN.Equivalent(): 7, empty.Equivalent(): 11},
			b.Sums(t, "ic"))
		assert.Empty(t, b.Sums(t, "never.recorded"))
	})

	t.Run("Should read a histogram's count, sum and buckets per exact attribute set, integer and float", func(t *testing.T) {
		b := monitoringtest.New(t)
		fh, _ := b.Meter().Float64Histogram("fh", metric.WithExplicitBucketBoundaries(1, 10))
		for _, v := range []float64{0.5, 2, 20} {
			fh.Record(t.Context(), v, metric.WithAttributes(a))
		}
		fh.Record(t.Context(), 4, metric.WithAttributes(z))
		ih, _ := b.Meter().Int64Histogram("ih", metric.WithExplicitBucketBoundaries(5))
		ih.Record(t.Context(), 3)
		ih.Record(t.Context(), 9)

		got, ok := b.Histogram(t, "fh", a)
		require.True(t, ok)
		assert.Equal(t, monitoringtest.HistogramPoint{Count: 3, Sum: 22.5, Bounds: []float64{1, 10},
			BucketCounts: []uint64{1, 1, 1}}, got)
		got, ok = b.Histogram(t, "ih")
		require.True(t, ok)
		assert.Equal(t, monitoringtest.HistogramPoint{Count: 2, Sum: 12, Bounds: []float64{5}, BucketCounts: []uint64{1, 1}}, got)
		_, ok = b.Histogram(t, "fh", attribute.String("k", "b"))
		assert.False(t, ok)
		_, ok = b.Histogram(t, "never.recorded")
		assert.False(t, ok)
		assert.Len(t, b.Histograms(t, "fh"), 2)
	})

	t.Run("Should read a gauge's last value per exact attribute set, integer and float", func(t *testing.T) {
		b := monitoringtest.New(t)
		fg, _ := b.Meter().Float64Gauge("fg")
		fg.Record(t.Context(), 1, metric.WithAttributes(a))
		fg.Record(t.Context(), 2.5, metric.WithAttributes(a))
		ig, _ := b.Meter().Int64Gauge("ig")
		ig.Record(t.Context(), 4)

		v, ok := b.Gauge(t, "fg", a)
		assert.True(t, ok)
		assert.InDelta(t, 2.5, v, 0)
		v, ok = b.Gauge(t, "ig")
		assert.True(t, ok)
		assert.InDelta(t, 4.0, v, 0)
		_, ok = b.Gauge(t, "fg", z)
		assert.False(t, ok)
		_, ok = b.Gauge(t, "never.recorded")
		assert.False(t, ok)
	})

	t.Run("Should read the fast instruments as well as the meter's", func(t *testing.T) {
		b := monitoringtest.New(t)
		b.Instruments().CounterVec(port.Desc{Name: "jobs", Keys: []string{"queue"}}).Add(4, port.Values{"emails"})
		b.Instruments().HistogramVec(port.Desc{Name: "job.duration", Unit: "s", Keys: []string{"queue"}}).
			Record(0.2, port.Values{"emails"})
		b.Instruments().GaugeVec(port.Desc{Name: "waiting"}).Set(6, port.Values{})

		queue := attribute.String("queue", "emails")
		assert.InDelta(t, 4.0, b.Sum(t, "jobs", queue), 0)
		h, ok := b.Histogram(t, "job.duration", queue)
		assert.True(t, ok)
		assert.Equal(t, uint64(1), h.Count)
		v, ok := b.Gauge(t, "waiting")
		assert.True(t, ok)
		assert.InDelta(t, 6.0, v, 0)
	})

	t.Run("Should fail the test when the instrument is of another kind", func(t *testing.T) {
		b := monitoringtest.New(t)
		c, _ := b.Meter().Int64Counter("c")
		c.Add(t.Context(), 1)
		h, _ := b.Meter().Float64Histogram("h")
		h.Record(t.Context(), 1)

		rec := &fatalRecorder{TB: t}
		_, _ = b.Histogram(rec, "c")
		_, _ = b.Gauge(rec, "c")
		_ = b.Sum(rec, "h")
		require.Len(t, rec.fatal, 3)
		assert.Contains(t, rec.fatal[0], "c is metricdata.Sum[int64], not a histogram")
		assert.Contains(t, rec.fatal[1], "not a gauge")
		assert.Contains(t, rec.fatal[2], "h is metricdata.Histogram[float64], not a counter")
	})
}
