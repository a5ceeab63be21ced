package monitoring_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring"
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
					code, _ := scrape(t, svc.ExporterHandler())
					assert.Equal(t, 200, code)
				}
			})
		}
		wg.Wait()

		code, body := scrape(t, svc.ExporterHandler())
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
