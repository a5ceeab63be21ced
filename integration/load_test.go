package integration_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/port"
)

// LoadDurationEnv lengthens the load test (a Go duration); `make loadtest`
// sets it. The default keeps `make test` quick.
const loadDurationEnv = "LOADTEST_DURATION"

// loadFigures are what one load run did.
type loadFigures struct {
	duration              time.Duration
	recorders, clients    int
	scrapers              int
	operations, requests  int64
	served, scrapes       int64
	lostOps, lostRequests int64
}

func (f loadFigures) String() string {
	return fmt.Sprintf("duration=%s recorders=%d clients=%d scrapers=%d operations=%d requests=%d served=%d "+
		"scrapes=%d ops/s=%.0f req/s=%.0f lost_operations=%d lost_requests=%d",
		f.duration.Round(time.Millisecond), f.recorders, f.clients, f.scrapers, f.operations, f.requests, f.served,
		f.scrapes, float64(f.operations)/f.duration.Seconds(), float64(f.requests)/f.duration.Seconds(),
		f.lostOps, f.lostRequests)
}

// TestLoadNothingLost drives the library the way a busy service does, on
// 127.0.0.1: goroutines recording through both instrument paths, clients
// hammering an instrumented HTTP server, and scrapers reading the metrics
// server, all at once for a fixed duration. Afterwards the scraped totals
// must equal exactly the operations performed and the requests served.
func TestLoadNothingLost(t *testing.T) {
	t.Run("Should count every operation and every request served while scrapes run concurrently", func(t *testing.T) {
		duration := 2 * time.Second
		if v := os.Getenv(loadDurationEnv); v != "" {
			d, err := time.ParseDuration(v)
			require.NoError(t, err, "%s", loadDurationEnv)
			duration = d
		}
		f := loadFigures{duration: duration, recorders: 8, clients: 4, scrapers: 2}

		cfg := enabled(monitoring.BackendPrometheus)
		cfg.ListenAddress = "127.0.0.1:0"
		svc := newService(t, cfg)
		require.NotNil(t, svc.MetricsAddr())
		metricsURL := "http://" + svc.MetricsAddr().String() + cfg.Path

		// The business instruments, one per path.
		sdkOps, err := svc.Meter().Int64Counter("load.operations")
		require.NoError(t, err)
		sdkLatency, err := svc.Meter().Float64Histogram("load.latency", metric.WithUnit("s"))
		require.NoError(t, err)
		fastOps := svc.Instruments().CounterVec(port.Desc{Name: "load.fast.operations", Keys: []string{"worker"}})
		fastLatency := svc.Instruments().HistogramVec(port.Desc{Name: "load.fast.latency", Unit: "s"})

		// The instrumented application, on its own port.
		var served atomic.Int64
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) {
			served.Add(1)
			_, _ = io.WriteString(w, "order")
		})
		mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
			served.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusCreated)
		})
		ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
		require.NoError(t, err)
		app := &http.Server{Handler: middleware.HTTP(svc)(mux), ReadHeaderTimeout: 5 * time.Second}
		appDone := make(chan error, 1)
		go func() { appDone <- app.Serve(ln) }()
		appURL := "http://" + ln.Addr().String()
		transport := &http.Transport{MaxIdleConnsPerHost: f.clients + f.scrapers}
		client := &http.Client{Transport: transport, Timeout: 10 * time.Second}

		ctx, stop := context.WithTimeout(t.Context(), duration)
		defer stop()
		var wg sync.WaitGroup
		var ops, requests, scrapes atomic.Int64
		for r := range f.recorders {
			wg.Go(func() {
				worker := port.Values{fmt.Sprint(r)}
				bound := fastOps.Bind(worker)
				attrs := metric.WithAttributeSet(attribute.NewSet(attribute.Int("worker", r)))
				// Batches paced by a ticker: spinning goroutines on two cores
				// would starve the network poller, and the clients with it.
				tick := time.NewTicker(time.Millisecond)
				defer tick.Stop()
				n := int64(0)
				for {
					select {
					case <-ctx.Done():
						ops.Add(n)
						return
					case <-tick.C:
					}
					for range 50 {
						sdkOps.Add(context.Background(), 1, attrs)
						sdkLatency.Record(context.Background(), 0.003, attrs)
						bound.Inc()
						fastLatency.Record(0.003, port.Values{})
					}
					n += 50
				}
			})
		}
		for c := range f.clients {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					var (
						req *http.Request
						err error
					)
					if i%4 == 0 { // first a POST: both routes are used by every client
						req, err = http.NewRequestWithContext(context.Background(), http.MethodPost, appURL+"/orders",
							strings.NewReader(`{"item":"book"}`))
					} else {
						req, err = http.NewRequestWithContext(context.Background(), http.MethodGet,
							fmt.Sprintf("%s/orders/%d-%d", appURL, c, i), nil)
					}
					if !assert.NoError(t, err) {
						return
					}
					resp, err := client.Do(req)
					if !assert.NoError(t, err) {
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					requests.Add(1)
				}
			})
		}
		for range f.scrapers {
			wg.Go(func() {
				for ctx.Err() == nil {
					code, body := testkit.Get(t, client, metricsURL, nil)
					if !assert.Equal(t, http.StatusOK, code) {
						return
					}
					_, err := testkit.ParseExposition(body)
					if !assert.NoError(t, err, "every scrape parses") {
						return
					}
					scrapes.Add(1)
				}
			})
		}
		wg.Wait()
		f.operations, f.requests, f.served, f.scrapes = ops.Load(), requests.Load(), served.Load(), scrapes.Load()

		// Everything has returned: the counts are final.
		code, body := testkit.Get(t, client, metricsURL, nil)
		require.Equal(t, http.StatusOK, code)
		families, err := testkit.ParseExposition(body)
		require.NoError(t, err)
		sdkTotal := testkit.CounterTotal(families["load_operations_total"])
		fastTotal := testkit.CounterTotal(families["load_fast_operations_total"])
		httpTotal := float64(testkit.HistogramSamples(families["http_server_request_duration_seconds"]))
		f.lostOps = f.operations - int64(sdkTotal)
		f.lostRequests = f.served - int64(httpTotal)
		t.Log("load figures: " + f.String())

		require.Positive(t, f.operations)
		require.Positive(t, f.served)
		require.Positive(t, f.scrapes)
		assert.Equal(t, f.requests, f.served, "every request the clients completed was served once")
		assert.InDelta(t, float64(f.operations), sdkTotal, 0, "SDK counter: lost operations")
		assert.InDelta(t, float64(f.operations), fastTotal, 0, "fast counter: lost operations")
		assert.InDelta(t, float64(f.operations), float64(testkit.HistogramSamples(families["load_latency_seconds"])), 0)
		assert.InDelta(t, float64(f.operations), float64(testkit.HistogramSamples(families["load_fast_latency_seconds"])), 0)
		assert.InDelta(t, float64(f.served), httpTotal, 0, "HTTP middleware: lost requests")
		assert.Len(t, families["http_server_request_duration_seconds"].GetMetric(), 2,
			"two routes, one series each, however many ids were requested")

		require.NoError(t, app.Shutdown(context.Background()))
		assert.ErrorIs(t, <-appDone, http.ErrServerClosed)
		transport.CloseIdleConnections()
	})
}
