package prometheus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring/adapters/adaptertest"
	promadapter "github.com/compozy/monitoring/adapters/prometheus"
	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
)

func newAdapter(t *testing.T, opts ...promadapter.Option) *promadapter.Adapter {
	t.Helper()
	a, err := promadapter.New(t.Context(), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	return a
}

// scrape GETs the handler and returns the status, the content type and the body.
func scrape(t *testing.T, h http.Handler, accept string) (status int, contentType, body string) {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) port.Monitoring { return newAdapter(t) })
}

func TestExposition(t *testing.T) {
	t.Run("Should translate names to Prometheus conventions with units and _total", func(t *testing.T) {
		a := newAdapter(t)
		c, err := a.Meter().Int64Counter("orders.placed")
		require.NoError(t, err)
		c.Add(t.Context(), 3, metric.WithAttributes(attribute.String("outcome", "ok")))
		h, err := a.Meter().Float64Histogram("job.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		h.Record(t.Context(), 0.3)

		status, _, body := scrape(t, a.Handler(), "")
		assert.Equal(t, http.StatusOK, status)
		assert.Contains(t, body, `orders_placed_total{outcome="ok"} 3`)
		assert.Contains(t, body, `job_duration_seconds_count 1`)
	})

	t.Run("Should give second-scale buckets to histograms in seconds without boundaries", func(t *testing.T) {
		a := newAdapter(t)
		h, err := a.Meter().Float64Histogram("job.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		h.Record(t.Context(), 0.3)

		_, _, body := scrape(t, a.Handler(), "")
		for _, le := range []string{"0.005", "0.1", "0.5", "1", "10", "+Inf"} {
			assert.Contains(t, body, `job_duration_seconds_bucket{le="`+le+`"}`)
		}
		assert.Contains(t, body, `job_duration_seconds_bucket{le="0.005"} 0`)
		assert.Contains(t, body, `job_duration_seconds_bucket{le="0.25"} 0`)
		assert.Contains(t, body, `job_duration_seconds_bucket{le="0.5"} 1`)
		assert.Contains(t, body, "job_duration_seconds_count 1")
		assert.NotContains(t, body, `le="1000"`, "the SDK's millisecond-shaped defaults must not apply to seconds")
		assert.NotContains(t, body, `le="5000"`)
	})

	t.Run("Should keep the boundaries the caller gives", func(t *testing.T) {
		a := newAdapter(t)
		h, err := a.Meter().Float64Histogram("job.duration", metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(1, 2))
		require.NoError(t, err)
		h.Record(t.Context(), 1.5)

		_, _, body := scrape(t, a.Handler(), "")
		assert.Contains(t, body, `job_duration_seconds_bucket{le="1"} 0`)
		assert.Contains(t, body, `job_duration_seconds_bucket{le="2"} 1`)
		assert.NotContains(t, body, `le="0.005"`)
	})

	t.Run("Should leave histograms in other units on the SDK defaults", func(t *testing.T) {
		a := newAdapter(t)
		h, err := a.Meter().Float64Histogram("payload.size", metric.WithUnit("By"))
		require.NoError(t, err)
		h.Record(t.Context(), 300)

		_, _, body := scrape(t, a.Handler(), "")
		assert.Contains(t, body, `payload_size_bytes_bucket{le="1000"} 1`)
	})

	t.Run("Should prefix names with the namespace but not target_info", func(t *testing.T) {
		a := newAdapter(t, promadapter.WithNamespace("shop"), promadapter.WithServiceName("checkout"))
		c, err := a.Meter().Int64Counter("orders")
		require.NoError(t, err)
		c.Add(t.Context(), 1)

		_, _, body := scrape(t, a.Handler(), "")
		assert.Contains(t, body, "\nshop_orders_total 1\n")
		assert.NotContains(t, body, "\norders_total", "no unprefixed copy")
		assert.Contains(t, body, "\ntarget_info{", "target_info is not prefixed")
		assert.Contains(t, body, `target_info{service_name="checkout"`)
	})

	t.Run("Should leave out otel_scope labels unless asked", func(t *testing.T) {
		for _, tc := range []struct {
			opts []promadapter.Option
			want bool
		}{{nil, false}, {[]promadapter.Option{promadapter.WithScopeLabels()}, true}} {
			a := newAdapter(t, tc.opts...)
			c, err := a.Meter().Int64Counter("orders")
			require.NoError(t, err)
			c.Add(t.Context(), 1)
			_, _, body := scrape(t, a.Handler(), "")
			assert.Equal(t, tc.want, strings.Contains(body, "otel_scope_name="), body)
		}
	})

	t.Run("Should negotiate OpenMetrics", func(t *testing.T) {
		a := newAdapter(t)
		c, err := a.Meter().Int64Counter("orders")
		require.NoError(t, err)
		c.Add(t.Context(), 1)

		_, contentType, body := scrape(t, a.Handler(), "application/openmetrics-text; version=1.0.0")
		assert.Contains(t, contentType, "application/openmetrics-text")
		assert.True(t, strings.HasSuffix(body, "# EOF\n"), body)
		_, contentType, _ = scrape(t, a.Handler(), "")
		assert.Contains(t, contentType, "text/plain")
	})

	t.Run("Should fold series beyond the cardinality limit into the overflow series", func(t *testing.T) {
		a := newAdapter(t, promadapter.WithCardinalityLimit(3))
		c, err := a.Meter().Int64Counter("requests")
		require.NoError(t, err)
		for _, v := range []string{"a", "b", "c", "d", "e", "f"} {
			c.Add(t.Context(), 1, metric.WithAttributes(attribute.String("k", v)))
		}
		_, _, body := scrape(t, a.Handler(), "")
		assert.Equal(t, 3, strings.Count(body, "\nrequests_total{"), body)
		assert.Contains(t, body, `requests_total{otel_metric_overflow="true"}`)
	})

	t.Run("Should keep every series when the cardinality limit is zero", func(t *testing.T) {
		a := newAdapter(t, promadapter.WithCardinalityLimit(0))
		c, err := a.Meter().Int64Counter("requests")
		require.NoError(t, err)
		for i := range 5 {
			c.Add(t.Context(), 1, metric.WithAttributes(attribute.Int("shard", i)))
		}
		_, _, body := scrape(t, a.Handler(), "")
		assert.NotContains(t, body, "otel_metric_overflow")
		assert.Equal(t, 5, strings.Count(body, "\nrequests_total{"), body)
	})

	t.Run("Should count failed scrapes for the MonitoringDegraded alert", func(t *testing.T) {
		_, _, body := scrape(t, newAdapter(t).Handler(), "")
		assert.Contains(t, body, `promhttp_metric_handler_errors_total{cause="gathering"} 0`)
		assert.Contains(t, body, `promhttp_metric_handler_errors_total{cause="encoding"} 0`)
	})

	t.Run("Should pass promtool check metrics", func(t *testing.T) {
		a := newAdapter(t, promadapter.WithServiceName("promtool"))
		ctx := t.Context()
		m := a.Meter()
		c, _ := m.Int64Counter("orders.placed", metric.WithDescription("Orders placed."), metric.WithUnit("{order}"))
		c.Add(ctx, 2, metric.WithAttributes(attribute.String("outcome", "ok")))
		h, _ := m.Float64Histogram("order.duration", metric.WithDescription("Order time."), metric.WithUnit("s"))
		h.Record(ctx, 0.02)
		u, _ := m.Int64UpDownCounter("queue.depth", metric.WithDescription("Queued orders."), metric.WithUnit("{order}"))
		u.Add(ctx, 4)
		g, _ := m.Float64Gauge("pool.utilization", metric.WithDescription("Pool use."), metric.WithUnit("1"))
		g.Record(ctx, 0.5)

		_, _, body := scrape(t, a.Handler(), "")
		out, ok := promtool.CheckMetrics(t, []byte(body))
		assert.True(t, ok, "promtool: %s\n%s", out, body)
	})
}

// refusingRegistry is a registry that will not take any collector.
type refusingRegistry struct{ *prometheus.Registry }

func (refusingRegistry) Register(prometheus.Collector) error {
	return errors.New("registration refused")
}

func TestRegistry(t *testing.T) {
	t.Run("Should fail to start when the registry refuses the exporter", func(t *testing.T) {
		a, err := promadapter.New(t.Context(), promadapter.WithRegistry(refusingRegistry{prometheus.NewRegistry()}))
		require.Error(t, err)
		assert.Nil(t, a)
		assert.Contains(t, err.Error(), "registration refused")
		assert.Contains(t, err.Error(), "prometheus backend")
	})

	t.Run("Should fail to start on a namespace the exporter cannot use", func(t *testing.T) {
		_, err := promadapter.New(t.Context(), promadapter.WithNamespace("___"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"___"`)
	})

	t.Run("Should serve client_golang metrics of a shared registry beside ours", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		legacy := prometheus.NewCounter(prometheus.CounterOpts{Name: "legacy_jobs_total", Help: "Legacy."})
		reg.MustRegister(legacy)
		legacy.Add(5)
		a := newAdapter(t, promadapter.WithRegistry(reg))
		c, err := a.Meter().Int64Counter("orders")
		require.NoError(t, err)
		c.Add(t.Context(), 1)

		_, _, body := scrape(t, a.Handler(), "")
		assert.Contains(t, body, "legacy_jobs_total 5")
		assert.Contains(t, body, "orders_total 1")
	})

	t.Run("Should never register into the global registry by default", func(t *testing.T) {
		a := newAdapter(t)
		c, err := a.Meter().Int64Counter("private.orders")
		require.NoError(t, err)
		c.Add(t.Context(), 1)

		families, err := prometheus.DefaultGatherer.Gather()
		require.NoError(t, err)
		for _, f := range families {
			assert.NotEqual(t, "private_orders_total", f.GetName())
		}
		_, _, body := scrape(t, a.Handler(), "")
		assert.Contains(t, body, "private_orders_total 1")
	})
}

func TestStatus(t *testing.T) {
	t.Run("Should report prometheus healthy until shut down", func(t *testing.T) {
		a := newAdapter(t)
		assert.Equal(t, port.Status{Backend: "prometheus", Enabled: true, Healthy: true,
			Backends: []port.BackendStatus{{Name: "prometheus", Healthy: true}}}, a.Status())
		require.NoError(t, a.Shutdown(t.Context()))
		st := a.Status()
		assert.False(t, st.Healthy)
		assert.ErrorIs(t, st.Err, port.ErrShutdown)
	})
}

// blockingCollector blocks every Collect until released.
type blockingCollector struct {
	entered chan struct{}
	release chan struct{}
}

func (blockingCollector) Describe(chan<- *prometheus.Desc) {}

func (c blockingCollector) Collect(chan<- prometheus.Metric) {
	c.entered <- struct{}{}
	<-c.release
}

func TestScrapeProtections(t *testing.T) {
	t.Run("Should answer 503 when a scrape outlives its timeout, and free it when gathering ends", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		slow := blockingCollector{entered: make(chan struct{}, 1), release: make(chan struct{})}
		reg.MustRegister(slow)
		a := newAdapter(t, promadapter.WithRegistry(reg), promadapter.WithScrapeTimeout(20*time.Millisecond))

		status, _, body := scrape(t, a.Handler(), "")
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Contains(t, body, "timeout")
		<-slow.entered
		close(slow.release) // goleak, in TestMain, checks that nothing stays behind
	})

	t.Run("Should answer 503 at once to scrapes beyond the concurrent limit", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		slow := blockingCollector{entered: make(chan struct{}, 1), release: make(chan struct{})}
		reg.MustRegister(slow)
		a := newAdapter(t, promadapter.WithRegistry(reg), promadapter.WithMaxConcurrentScrapes(1),
			promadapter.WithScrapeTimeout(0))

		first := make(chan int, 1)
		go func() {
			status, _, _ := scrape(t, a.Handler(), "")
			first <- status
		}()
		<-slow.entered // the first scrape holds the only slot
		status, _, body := scrape(t, a.Handler(), "")
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Contains(t, body, "Limit of concurrent requests")
		close(slow.release)
		assert.Equal(t, http.StatusOK, <-first)
	})
}

// gathered parses an exposition in the text format.
func gathered(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	families, err := testkit.ParseExposition(body)
	require.NoError(t, err, body)
	return families
}

func TestCollisions(t *testing.T) {
	t.Run("Should serve every family when two adapters share one registry, and log and count the collision", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		var logs testkit.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		first := newAdapter(t, promadapter.WithRegistry(reg), promadapter.WithLogger(logger))
		second := newAdapter(t, promadapter.WithRegistry(reg), promadapter.WithLogger(logger))
		require.True(t, second.Status().Healthy, "a shared registry does not stop the second adapter")
		add := func(a *promadapter.Adapter, name string, n int64) {
			c, err := a.Meter().Int64Counter(name, metric.WithDescription("Things done."))
			require.NoError(t, err)
			c.Add(t.Context(), n)
		}
		add(first, "orders", 3)
		add(second, "payments", 2)
		add(first, "shared", 1)
		add(second, "shared", 1)

		var body string
		for range 3 {
			var code int
			code, _, body = scrape(t, first.Handler(), "")
			require.Equal(t, http.StatusOK, code, "a collision is not a bare 500")
		}
		families := gathered(t, body)
		assert.InDelta(t, 3, families["orders_total"].GetMetric()[0].GetCounter().GetValue(), 0)
		assert.InDelta(t, 2, families["payments_total"].GetMetric()[0].GetCounter().GetValue(), 0)
		require.Contains(t, families, "shared_total")
		assert.Len(t, families["shared_total"].GetMetric(), 1, "the duplicate series is dropped, the first kept")
		assert.Len(t, families["target_info"].GetMetric(), 1)
		assert.InDelta(t, 2, errorsCounted(t, families, "gathering"), 0, "the two scrapes before the last are counted")

		logged := logs.LinesContaining("a scrape dropped what could not be gathered")
		require.Len(t, logged, 1, "logged once, not once per scrape")
		assert.Contains(t, logged[0], "shared_total")
		out, ok := promtool.CheckMetrics(t, []byte(body))
		assert.True(t, ok, "what is served stays valid: %s", out)
	})

	t.Run("Should serve every family when a client_golang collector takes one of our names", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		theirs := prometheus.NewCounter(prometheus.CounterOpts{Name: "orders_total", Help: "Theirs."})
		reg.MustRegister(theirs)
		other := prometheus.NewGauge(prometheus.GaugeOpts{Name: "legacy_pool_size", Help: "Theirs too."})
		reg.MustRegister(other)
		var logs testkit.Buffer
		a := newAdapter(t, promadapter.WithRegistry(reg),
			promadapter.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), promadapter.WithErrorInterval(time.Nanosecond))
		c, err := a.Meter().Int64Counter("orders", metric.WithDescription("Ours."))
		require.NoError(t, err)
		c.Add(t.Context(), 1)
		p, err := a.Meter().Int64Counter("payments")
		require.NoError(t, err)
		p.Add(t.Context(), 4)

		scrape(t, a.Handler(), "")
		code, _, body := scrape(t, a.Handler(), "")
		require.Equal(t, http.StatusOK, code)
		families := gathered(t, body)
		assert.Len(t, families["orders_total"].GetMetric(), 1, "one of the two, not both")
		assert.Contains(t, families, "legacy_pool_size")
		assert.InDelta(t, 4, families["payments_total"].GetMetric()[0].GetCounter().GetValue(), 0)
		assert.InDelta(t, 1, errorsCounted(t, families, "gathering"), 0)
		assert.Len(t, logs.LinesContaining("a scrape dropped", "orders_total"), 2,
			"with an interval shorter than the scrapes, each one is logged")
	})

	t.Run("Should count the errors it held back in the next line logged", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		var logs testkit.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		a := newAdapter(t, promadapter.WithRegistry(reg), promadapter.WithLogger(logger),
			promadapter.WithErrorInterval(200*time.Millisecond))
		newAdapter(t, promadapter.WithRegistry(reg), promadapter.WithLogger(logger))

		// Scrape until a second line is logged, counting the scrapes that
		// logged nothing: each had its errors held back.
		held := 0
		deadline := time.Now().Add(10 * time.Second)
		for len(logs.LinesContaining("a scrape dropped")) < 2 && time.Now().Before(deadline) {
			before := len(logs.LinesContaining("a scrape dropped"))
			scrape(t, a.Handler(), "")
			if before > 0 && len(logs.LinesContaining("a scrape dropped")) == before {
				held++
			}
		}
		lines := logs.LinesContaining("a scrape dropped")
		require.Len(t, lines, 2, "a second line after the interval")
		require.Positive(t, held, "scrapes within the 200 ms after the first line are held back")
		assert.Contains(t, lines[1], fmt.Sprintf("errors_held_back=%d", held))
		assert.Contains(t, lines[0], "errors_held_back=0")
	})
}

// errorsCounted reads promhttp_metric_handler_errors_total{cause}.
func errorsCounted(t *testing.T, families map[string]*dto.MetricFamily, cause string) float64 {
	t.Helper()
	for _, m := range families["promhttp_metric_handler_errors_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "cause" && l.GetValue() == cause {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("promhttp_metric_handler_errors_total{cause=%q} is not served", cause)
	return 0
}
