package service_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

func TestConcurrency(t *testing.T) {
	t.Parallel()
	t.Run("Should count every record exactly while the handler is scraped concurrently", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		logger, logs := newLogger()
		svc := service.New(fb, service.WithLogger(logger))

		const (
			recorders = 16
			perWorker = 500
			scrapers  = 8
			scrapes   = 25
		)
		attrs := []metric.AddOption{
			metric.WithAttributeSet(attribute.NewSet(attribute.String("http.route", "/a"))),
			metric.WithAttributeSet(attribute.NewSet(attribute.String("http.route", "/b"))),
		}
		recordOpts := []metric.RecordOption{
			metric.WithAttributeSet(attribute.NewSet(attribute.String("http.route", "/a"))),
			metric.WithAttributeSet(attribute.NewSet(attribute.String("http.route", "/b"))),
		}

		start := make(chan struct{})
		var wg sync.WaitGroup
		for w := range recorders {
			wg.Go(func() {
				<-start
				// Every worker creates its own handles: creation races too.
				m := svc.Meter()
				ic, err := m.Int64Counter("test.requests")
				assert.NoError(t, err)
				fc, err := m.Float64Counter("test.bytes")
				assert.NoError(t, err)
				ud, err := m.Int64UpDownCounter("test.active")
				assert.NoError(t, err)
				h, err := m.Float64Histogram("test.duration", metric.WithUnit("s"),
					metric.WithExplicitBucketBoundaries(0.5, 1))
				assert.NoError(t, err)
				bad, err := m.Int64Counter("1bad")
				assert.NoError(t, err)
				ctx := context.Background()
				for i := range perWorker {
					a := (w + i) % 2
					ic.Add(ctx, 1, attrs[a])
					fc.Add(ctx, 0.5, attrs[a])
					ud.Add(ctx, 1)
					h.Record(ctx, 0.25, recordOpts[a])
					ud.Add(ctx, -1)
					bad.Add(ctx, 1)
				}
			})
		}
		codes := make(chan int, scrapers*scrapes)
		for range scrapers {
			wg.Go(func() {
				<-start
				for range scrapes {
					rec := get(svc.Handler())
					codes <- rec.Code
					_ = svc.Status()
					assert.NoError(t, svc.ForceFlush(context.Background()))
				}
			})
		}
		close(start)
		wg.Wait()
		close(codes)

		for code := range codes {
			assert.Equal(t, http.StatusOK, code)
		}

		rm := fb.collect(t)
		const total = recorders * perWorker

		requests, ok := findMetric(rm, "test.requests")
		require.True(t, ok)
		isum, ok := requests.Data.(metricdata.Sum[int64])
		require.True(t, ok)
		require.Len(t, isum.DataPoints, 2)
		var gotRequests int64
		for _, dp := range isum.DataPoints {
			assert.Equal(t, int64(total/2), dp.Value, "route %v", dp.Attributes)
			gotRequests += dp.Value
		}
		assert.Equal(t, int64(total), gotRequests)

		bytesM, ok := findMetric(rm, "test.bytes")
		require.True(t, ok)
		fsum, ok := bytesM.Data.(metricdata.Sum[float64])
		require.True(t, ok)
		var gotBytes float64
		for _, dp := range fsum.DataPoints {
			gotBytes += dp.Value
		}
		assert.InDelta(t, float64(total)*0.5, gotBytes, 1e-9)

		active, ok := findMetric(rm, "test.active")
		require.True(t, ok)
		usum, ok := active.Data.(metricdata.Sum[int64])
		require.True(t, ok)
		require.Len(t, usum.DataPoints, 1)
		assert.Zero(t, usum.DataPoints[0].Value)

		dur, ok := findMetric(rm, "test.duration")
		require.True(t, ok)
		hist, ok := dur.Data.(metricdata.Histogram[float64])
		require.True(t, ok)
		var count uint64
		for _, dp := range hist.DataPoints {
			count += dp.Count
			assert.Equal(t, []uint64{dp.Count, 0, 0}, dp.BucketCounts)
		}
		assert.Equal(t, uint64(total), count)

		_, found := findMetric(rm, "1bad")
		assert.False(t, found)
		assert.Len(t, logs.LinesContaining("name=1bad"), 1, "logged once across goroutines: %v", logs.Lines())
		assert.Len(t, logs.Lines(), 1)

		// The handler serves the same collection the reader sees.
		body := get(svc.Handler()).Body.String()
		for _, name := range []string{"test.requests 2", "test.bytes 2", "test.active 1", "test.duration 2"} {
			assert.Contains(t, body, name+"\n")
		}
	})
	t.Run("Should let provider meters and Shutdown race safely", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		svc := service.New(fb, service.WithLogger(discardLogger()))

		const workers = 8
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				<-start
				c, err := svc.MeterProvider().Meter("lib").Int64Counter("lib.calls")
				assert.NoError(t, err)
				for range 100 {
					c.Add(context.Background(), 1)
				}
				_ = get(svc.Handler())
				_ = svc.ForceFlush(context.Background())
			})
		}
		wg.Go(func() {
			<-start
			assert.NoError(t, svc.Shutdown(context.Background()))
		})
		close(start)
		wg.Wait()

		assert.ErrorIs(t, svc.Status().Err, port.ErrShutdown)
		assert.NoError(t, svc.Shutdown(context.Background()))
	})
}
