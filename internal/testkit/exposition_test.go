package testkit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/internal/testkit"
)

// fatalRecorder is a testing.TB whose Fatalf and Errorf keep the message;
// Fatalf then ends the calling goroutine as the real one does.
type fatalRecorder struct {
	testing.TB
	mu       sync.Mutex
	messages []string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.messages = append(r.messages, fmt.Sprintf(format, args...))
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// run calls f with rec on a goroutine of its own, so that a Fatalf ends it
// and not the test, and returns once it has ended.
func (r *fatalRecorder) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

type service struct {
	shutdowns int
	err       error
}

func (s *service) Shutdown(context.Context) error {
	s.shutdowns++
	return s.err
}

func TestStarted(t *testing.T) {
	t.Run("Should hand back the service and shut it down once when the test ends", func(t *testing.T) {
		svc := &service{}
		t.Run("inner", func(t *testing.T) {
			assert.Same(t, svc, testkit.Started(t, svc, nil))
			assert.Zero(t, svc.shutdowns, "not before the test ends")
		})
		assert.Equal(t, 1, svc.shutdowns)
	})

	t.Run("Should fail the test at once on a constructor's error, or on nothing started", func(t *testing.T) {
		rec := &fatalRecorder{TB: t}
		rec.run(func(tb testing.TB) { testkit.Started(tb, &service{}, errors.New("bad config")) })
		rec.run(func(tb testing.TB) { testkit.Started[*service](tb, nil, nil) })
		assert.Equal(t, []string{"starting: bad config", "starting: no error, and nothing started"}, rec.messages)
	})

	t.Run("Should report a failed shutdown", func(t *testing.T) {
		rec := &fatalRecorder{TB: t}
		t.Run("inner", func(t *testing.T) {
			rec.TB = t
			testkit.Started(rec, &service{err: errors.New("flush timed out")}, nil)
		})
		assert.Equal(t, []string{"shutting down: flush timed out"}, rec.messages)
	})
}

const exposition = `# HELP orders_total Orders.
# TYPE orders_total counter
orders_total{outcome="ok"} 3
orders_total{outcome="failed"} 2
# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{route="/a",le="+Inf"} 4
latency_seconds_sum{route="/a"} 1.5
latency_seconds_count{route="/a"} 4
latency_seconds_bucket{route="/b",le="+Inf"} 1
latency_seconds_sum{route="/b"} 0.5
latency_seconds_count{route="/b"} 1
`

func TestExposition(t *testing.T) {
	serve := func(status int, body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, http.MethodGet, r.Method)
			assert.Equal(t, "/metrics", r.URL.Path)
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		})
	}

	t.Run("Should scrape GET /metrics and return the status and the body", func(t *testing.T) {
		status, body := testkit.Scrape(t, serve(http.StatusServiceUnavailable, "down"))
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Equal(t, "down", body)
	})

	t.Run("Should parse the families, and total a counter's and a histogram's series", func(t *testing.T) {
		families := testkit.Families(t, serve(http.StatusOK, exposition))
		require.Len(t, families, 2)
		assert.InDelta(t, 5.0, testkit.CounterTotal(families["orders_total"]), 0)
		assert.Equal(t, uint64(5), testkit.HistogramSamples(families["latency_seconds"]))
		assert.Zero(t, testkit.CounterTotal(families["absent"]))
		assert.Zero(t, testkit.HistogramSamples(families["orders_total"]), "not a histogram")
		orders := families["orders_total"].GetMetric()
		assert.ElementsMatch(t, []map[string]string{{"outcome": "ok"}, {"outcome": "failed"}},
			[]map[string]string{testkit.Labels(orders[0]), testkit.Labels(orders[1])})
	})

	t.Run("Should refuse an exposition that does not parse, or holds no family", func(t *testing.T) {
		_, err := testkit.ParseExposition("orders_total{ 3\n")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "parsing the exposition")
		_, err = testkit.ParseExposition("")
		assert.EqualError(t, err, "an empty exposition")
	})

	t.Run("Should fail the test on a status other than 200, or a body that does not parse", func(t *testing.T) {
		rec := &fatalRecorder{TB: t}
		rec.run(func(tb testing.TB) { testkit.Families(tb, serve(http.StatusServiceUnavailable, "down")) })
		rec.run(func(tb testing.TB) { testkit.Families(tb, serve(http.StatusOK, "not an exposition {")) })
		require.Len(t, rec.messages, 2)
		assert.Equal(t, "scrape: status 503, want 200: down", rec.messages[0])
		assert.Contains(t, rec.messages[1], "parsing the exposition")
	})
}

func TestCount(t *testing.T) {
	t.Run("Should create the counter and add to it", func(t *testing.T) {
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		c := testkit.Count(t, mp.Meter("t"), "jobs", 3)
		c.Add(t.Context(), 2)
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(t.Context(), &rm))
		require.Len(t, rm.ScopeMetrics, 1)
		require.Len(t, rm.ScopeMetrics[0].Metrics, 1)
		sum, ok := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64])
		require.True(t, ok)
		require.Len(t, sum.DataPoints, 1)
		assert.Equal(t, int64(5), sum.DataPoints[0].Value)
	})

	t.Run("Should fail the test when the meter refuses the counter", func(t *testing.T) {
		rec := &fatalRecorder{TB: t}
		rec.run(func(tb testing.TB) { testkit.Count(tb, refusing{}, "jobs", 1) })
		require.Len(t, rec.messages, 1)
		assert.Contains(t, rec.messages[0], `counter "jobs": refused`)
	})
}

// refusing is a meter whose counters are refused.
type refusing struct{ noop.Meter }

func (refusing) Int64Counter(string, ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return nil, errors.New("refused")
}

func TestLastStdoutSum(t *testing.T) {
	first := `{"ScopeMetrics":[{"Metrics":[{"Name":"jobs","Data":{"DataPoints":[{"Value":1}]}}]}]}`
	last := `{"ScopeMetrics":[{"Metrics":[{"Name":"jobs","Data":{"DataPoints":[{"Value":2},{"Value":3.5}]}}]}]}`

	t.Run("Should sum the metric's points in the last document only", func(t *testing.T) {
		got, ok := testkit.LastStdoutSum(t, first+"\n"+last+"\n", "jobs")
		assert.True(t, ok)
		assert.InDelta(t, 5.5, got, 0)
		_, ok = testkit.LastStdoutSum(t, first, "other")
		assert.False(t, ok)
	})

	t.Run("Should fail the test on no document, or one that does not decode", func(t *testing.T) {
		rec := &fatalRecorder{TB: t}
		rec.run(func(tb testing.TB) { testkit.LastStdoutSum(tb, "", "jobs") })
		rec.run(func(tb testing.TB) { testkit.LastStdoutSum(tb, "{not json", "jobs") })
		require.Len(t, rec.messages, 2)
		assert.Equal(t, "the stdout backend wrote nothing", rec.messages[0])
		assert.Contains(t, rec.messages[1], "decoding the stdout backend's output")
	})
}
