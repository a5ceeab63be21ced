package integration_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
)

func TestConcurrentRecordingAndScraping(t *testing.T) {
	t.Run("Should count every record exactly while scrapes run on the Prometheus backend", func(t *testing.T) {
		const (
			recorders    = 8
			perRecorder  = 2000
			scrapers     = 4
			perScraper   = 25
			observedSecs = 0.25
		)
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		counter, err := svc.Meter().Int64Counter("jobs.done")
		require.NoError(t, err)
		hist, err := svc.Meter().Float64Histogram("job.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		outcomes := []metric.MeasurementOption{
			metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "ok"))),
			metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "failed"))),
		}

		ctx := context.Background()
		var wg sync.WaitGroup
		for r := range recorders {
			wg.Go(func() {
				attrs := outcomes[r%len(outcomes)]
				for range perRecorder {
					counter.Add(ctx, 1, attrs)
					hist.Record(ctx, observedSecs, attrs)
				}
			})
		}
		for range scrapers {
			wg.Go(func() {
				for range perScraper {
					code, _ := testkit.Scrape(t, svc.ExporterHandler())
					assert.Equal(t, 200, code)
				}
			})
		}
		wg.Wait()

		code, body := testkit.Scrape(t, svc.ExporterHandler())
		require.Equal(t, 200, code)
		parser := expfmt.NewTextParser(model.LegacyValidation)
		families, err := parser.TextToMetricFamilies(strings.NewReader(body))
		require.NoError(t, err)

		perOutcome := float64(recorders / len(outcomes) * perRecorder)
		counts := map[string]float64{}
		for _, m := range families["jobs_done_total"].GetMetric() {
			counts[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
		assert.Equal(t, map[string]float64{"ok": perOutcome, "failed": perOutcome}, counts)
		for _, m := range families["job_duration_seconds"].GetMetric() {
			h := m.GetHistogram()
			assert.Equal(t, uint64(perOutcome), h.GetSampleCount(), "histogram count")
			assert.InDelta(t, perOutcome*observedSecs, h.GetSampleSum(), 1e-6, "histogram sum")
			for _, b := range h.GetBucket() {
				want := uint64(0)
				if b.GetUpperBound() >= observedSecs {
					want = uint64(perOutcome)
				}
				assert.Equal(t, want, b.GetCumulativeCount(), "bucket le=%g", b.GetUpperBound())
			}
		}
		assert.Len(t, families["job_duration_seconds"].GetMetric(), 2)
	})
}

// repeatUntil calls f until stop is closed, at most n times.
func repeatUntil(stop <-chan struct{}, n int, f func()) {
	for range n {
		select {
		case <-stop:
			return
		default:
		}
		f()
	}
}

func TestShutdownUnderLoad(t *testing.T) {
	for _, backend := range []string{monitoring.BackendPrometheus, monitoring.BackendStdout, monitoring.BackendNoop} {
		t.Run("Should shut down the "+backend+" backend while recording and scraping go on, without panic, race or leak", func(t *testing.T) {
			const (
				recorders  = 4
				scrapers   = 2
				shutdowns  = 4
				finished   = 5000 // records made before Shutdown, by each recorder
				maxOngoing = 1_000_000
			)
			out := &testkit.Buffer{}
			cfg := enabled(backend)
			cfg.Stdout.Interval = monitoring.MinStdoutInterval
			svc, err := monitoring.NewMonitoringService(t.Context(), cfg, monitoring.WithWriter(out))
			require.NoError(t, err)
			done, err := svc.Meter().Int64Counter("jobs.done")
			require.NoError(t, err)
			ongoing, err := svc.Meter().Int64Counter("jobs.ongoing")
			require.NoError(t, err)
			fastDone := svc.Instruments().CounterVec(port.Desc{Name: "fast.jobs.done"}).Bind(port.Values{})

			// Phase 1: a known number of records, all finished before Shutdown.
			var before sync.WaitGroup
			for range recorders {
				before.Go(func() {
					for range finished {
						done.Add(context.Background(), 1)
						fastDone.Inc()
					}
				})
			}
			before.Wait()

			// Phase 2: records and scrapes that run through Shutdown.
			stop := make(chan struct{})
			var load sync.WaitGroup
			var ongoingMade atomic.Int64
			for range recorders {
				load.Go(func() {
					repeatUntil(stop, maxOngoing, func() {
						ongoing.Add(context.Background(), 1)
						ongoingMade.Add(1)
					})
				})
			}
			var scrapes atomic.Int64
			for range scrapers {
				load.Go(func() {
					repeatUntil(stop, maxOngoing, func() {
						rec := httptest.NewRecorder()
						svc.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
						assert.Contains(t, []int{http.StatusOK, http.StatusNotFound, http.StatusServiceUnavailable}, rec.Code)
						scrapes.Add(1)
					})
				})
			}
			// Let the load reach the backend before it stops.
			require.Eventually(t, func() bool { return ongoingMade.Load() > 1000 && scrapes.Load() > 2 },
				10*time.Second, time.Millisecond)

			errs := make([]error, shutdowns)
			var closing sync.WaitGroup
			for i := range shutdowns {
				closing.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					errs[i] = svc.Shutdown(ctx)
				})
			}
			closing.Wait()
			close(stop)
			load.Wait()

			for _, err := range errs {
				require.NoError(t, err)
			}
			assert.ErrorIs(t, svc.Status().Err, port.ErrShutdown)
			code, _ := testkit.Scrape(t, svc.Handler())
			assert.Equal(t, http.StatusServiceUnavailable, code)

			if backend == monitoring.BackendStdout {
				// A push backend flushes the last values on Shutdown.
				want := float64(recorders * finished)
				got, ok := testkit.LastStdoutSum(t, out.String(), "jobs.done")
				require.True(t, ok, "jobs.done is in the last export")
				assert.InDelta(t, want, got, 0, "every record made before Shutdown is in the last export")
				got, ok = testkit.LastStdoutSum(t, out.String(), "fast.jobs.done")
				require.True(t, ok, "fast.jobs.done is in the last export")
				assert.InDelta(t, want, got, 0)
				got, _ = testkit.LastStdoutSum(t, out.String(), "jobs.ongoing")
				assert.LessOrEqual(t, got, float64(ongoingMade.Load()), "never more than was recorded")
			}
		})
	}
}
