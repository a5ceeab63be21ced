package integration_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

// identityService is a Prometheus-backed service without system metrics,
// logging into the returned buffer.
func identityService(t *testing.T, namespace string) (*service.MonitoringService, *testkit.Buffer) {
	t.Helper()
	cfg := enabled(monitoring.BackendPrometheus)
	cfg.SystemMetrics = false
	cfg.Prometheus.Namespace = namespace
	var logs testkit.Buffer
	svc := newService(t, cfg, monitoring.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	return svc, &logs
}

// exposition scrapes svc twice and returns the second body parsed. It
// asserts what must hold whatever was declared: the scrape is clean (no
// gathering error counted by the first) and promtool accepts it.
func exposition(t *testing.T, svc *service.MonitoringService) map[string]*dto.MetricFamily {
	t.Helper()
	testkit.Scrape(t, svc.ExporterHandler())
	code, body := testkit.Scrape(t, svc.ExporterHandler())
	require.Equal(t, http.StatusOK, code)
	families, err := testkit.ParseExposition(body)
	require.NoError(t, err, body)
	for _, m := range families["promhttp_metric_handler_errors_total"].GetMetric() {
		assert.Zero(t, m.GetCounter().GetValue(), "a scrape dropped something: %v\n%s", m.GetLabel(), body)
	}
	out, ok := promtool.CheckMetrics(t, []byte(body))
	assert.True(t, ok, "promtool: %s\n%s", out, body)
	return families
}

// refusals returns the log lines that say the instrument name was refused.
func refusals(logs *testkit.Buffer, name string, subs ...string) []string {
	return logs.LinesContaining(append([]string{"level=ERROR", name, "refused"}, subs...)...)
}

func histogramOf(t *testing.T, families map[string]*dto.MetricFamily, name string) *dto.Histogram {
	t.Helper()
	require.Contains(t, families, name)
	require.Len(t, families[name].GetMetric(), 1)
	return families[name].GetMetric()[0].GetHistogram()
}

func valueOf(t *testing.T, families map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	require.Contains(t, families, name)
	require.Len(t, families[name].GetMetric(), 1, name)
	m := families[name].GetMetric()[0]
	if m.GetCounter() != nil {
		return m.GetCounter().GetValue()
	}
	return m.GetGauge().GetValue()
}

func TestOneIdentityPerInstrument(t *testing.T) {
	t.Run("Should refuse a fast histogram declared again in ms, log why, and record nothing through it", func(t *testing.T) {
		svc, logs := identityService(t, "")
		seconds := svc.Instruments().HistogramVec(port.Desc{Name: "job.duration", Description: "Job time.", Unit: "s"})
		millis := svc.Instruments().HistogramVec(port.Desc{Name: "job.duration", Description: "Job time.", Unit: "ms"})
		seconds.Record(0.05, port.Values{})
		millis.Record(50, port.Values{})

		families := exposition(t, svc)
		h := histogramOf(t, families, "job_duration_seconds")
		assert.Equal(t, uint64(1), h.GetSampleCount(), "the millisecond value is not in the seconds family")
		assert.InDelta(t, 0.05, h.GetSampleSum(), 1e-12)
		assert.NotContains(t, families, "job_duration_milliseconds")
		assert.Len(t, refusals(logs, "job.duration", `differs in unit: \"ms\" (was \"s\")`), 1, logs.String())
	})

	for what, second := range map[string]port.Desc{
		"buckets":      {Name: "q.wait", Description: "Wait.", Unit: "s", Keys: []string{"code"}, Buckets: []float64{1, 2}},
		"integer keys": {Name: "q.wait", Description: "Wait.", Unit: "s", Keys: []string{"code"}, IntKeys: []string{"code"}},
		"keys":         {Name: "q.wait", Description: "Wait.", Unit: "s", Keys: []string{"queue"}},
		"description":  {Name: "q.wait", Description: "Queue wait.", Unit: "s", Keys: []string{"code"}},
	} {
		t.Run("Should refuse a fast redeclaration with other "+what+" and keep the first", func(t *testing.T) {
			svc, logs := identityService(t, "")
			first := svc.Instruments().HistogramVec(port.Desc{Name: "q.wait", Description: "Wait.", Unit: "s", Keys: []string{"code"}})
			again := svc.Instruments().HistogramVec(second)
			first.Record(0.2, port.Values{"200"})
			again.Record(1.5, port.Values{"200"})

			families := exposition(t, svc)
			h := histogramOf(t, families, "q_wait_seconds")
			assert.Equal(t, uint64(1), h.GetSampleCount())
			assert.Len(t, h.GetBucket(), 15, "the first declaration's second-scale buckets and +Inf")
			assert.Equal(t, "Wait.", families["q_wait_seconds"].GetHelp())
			assert.Len(t, refusals(logs, "q.wait", "differs in "+what+": "), 1, logs.String())
		})
	}

	t.Run("Should hand back the same instrument for an identical redeclaration, silently", func(t *testing.T) {
		svc, logs := identityService(t, "")
		d := port.Desc{Name: "orders", Description: "Orders.", Keys: []string{"shop"}, IntKeys: []string{"shop"}}
		svc.Instruments().CounterVec(d).Add(3, port.Values{"1"})
		svc.Instruments().CounterVec(d).Add(5, port.Values{"1"})
		c, err := svc.Meter().Float64Counter("payments", metric.WithDescription("Payments."))
		require.NoError(t, err)
		c.Add(t.Context(), 1)
		c, err = svc.Meter().Float64Counter("payments", metric.WithDescription("Payments."))
		require.NoError(t, err)
		c.Add(t.Context(), 2)

		families := exposition(t, svc)
		assert.InDelta(t, 8, valueOf(t, families, "orders_total"), 0)
		assert.InDelta(t, 3, valueOf(t, families, "payments_total"), 0)
		assert.Empty(t, logs.LinesContaining("level=ERROR"))
	})

	t.Run("Should refuse a Meter() redeclaration in another unit", func(t *testing.T) {
		svc, logs := identityService(t, "")
		s, err := svc.Meter().Float64Histogram("rpc.duration", metric.WithUnit("s"), metric.WithDescription("RPC."))
		require.NoError(t, err)
		ms, err := svc.Meter().Float64Histogram("rpc.duration", metric.WithUnit("ms"), metric.WithDescription("RPC."))
		require.NoError(t, err, "the service never returns an error")
		s.Record(t.Context(), 0.05)
		ms.Record(t.Context(), 50)

		families := exposition(t, svc)
		assert.Equal(t, uint64(1), histogramOf(t, families, "rpc_duration_seconds").GetSampleCount())
		assert.NotContains(t, families, "rpc_duration_milliseconds")
		assert.Len(t, refusals(logs, "rpc.duration", `differs in unit: \"ms\" (was \"s\")`), 1, logs.String())
	})

	t.Run("Should not ignore the buckets of a second HTTP middleware: it is refused and logged", func(t *testing.T) {
		svc, logs := identityService(t, "")
		ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
		first := middleware.HTTP(svc)(ok)
		second := middleware.HTTP(svc, middleware.WithDurationBuckets(0.5, 1))(ok)
		for _, h := range []http.Handler{first, second} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/x", nil))
		}

		families := exposition(t, svc)
		h := histogramOf(t, families, "http_server_request_duration_seconds")
		assert.Len(t, h.GetBucket(), len(middleware.DefaultDurationBuckets())+1, "the first middleware's buckets")
		assert.Equal(t, uint64(1), h.GetSampleCount(), "the refused histogram records nothing")
		assert.Len(t, refusals(logs, "http.server.request.duration", "differs in buckets: [0.5 1] (was [0.005",
			`first as the histogram \"http.server.request.duration\" exported as http_server_request_duration_seconds`,
			"a second middleware.HTTP or ginmetrics.Middleware built with other WithDurationBuckets"), 1, logs.String())
		assert.Len(t, families["http_server_request_body_size_bytes"].GetMetric(), 1, "identical: shared")
	})

	t.Run("Should say which middleware option differs when a second HTTP middleware has other extra keys", func(t *testing.T) {
		svc, logs := identityService(t, "")
		ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
		tenant := func(*http.Request) []string { return []string{"acme"} }
		first := middleware.HTTP(svc, middleware.WithExtraAttributes([]string{"tenant"}, tenant))(ok)
		second := middleware.HTTP(svc, middleware.WithExtraAttributes([]string{"shop"}, tenant))(ok)
		for _, h := range []http.Handler{first, second} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/x", nil))
		}

		exposition(t, svc)
		for _, name := range []string{"http.server.request.duration", "http.server.request.body.size"} {
			lines := refusals(logs, `fast `, `\"`+name+`\" refused`, "differs in keys: [", "shop] (was [", "tenant]",
				"WithExtraAttributes keys declares them again")
			assert.Len(t, lines, 1, logs.String())
		}
	})
}

func TestOneOwnerPerExportedName(t *testing.T) {
	t.Run("Should refuse a Meter() counter whose name a fast counter owns, and serve the fast one whole", func(t *testing.T) {
		svc, logs := identityService(t, "")
		svc.Instruments().CounterVec(port.Desc{Name: "orders", Description: "Orders."}).Add(3, port.Values{})
		c, err := svc.Meter().Int64Counter("orders", metric.WithDescription("Orders."))
		require.NoError(t, err)
		c.Add(t.Context(), 5)

		families := exposition(t, svc)
		assert.InDelta(t, 3, valueOf(t, families, "orders_total"), 0)
		assert.Len(t, refusals(logs, "orders", `exported name \"orders_total\" is already taken`, "fast instruments"), 1,
			logs.String())
	})

	t.Run("Should refuse a fast counter whose name a Meter() counter owns, with a namespace", func(t *testing.T) {
		svc, logs := identityService(t, "shop")
		testkit.Count(t, svc.Meter(), "orders", 5)
		svc.Instruments().CounterVec(port.Desc{Name: "orders", Description: "Orders."}).Add(3, port.Values{})

		families := exposition(t, svc)
		assert.InDelta(t, 5, valueOf(t, families, "shop_orders_total"), 0)
		assert.Len(t, refusals(logs, "orders", `exported name \"shop_orders_total\" is already taken`), 1, logs.String())
	})

	t.Run("Should refuse req-count after req.count: one Prometheus name", func(t *testing.T) {
		svc, logs := identityService(t, "")
		testkit.Count(t, svc.Meter(), "req.count", 2)
		svc.Instruments().CounterVec(port.Desc{Name: "req-count"}).Add(7, port.Values{})

		families := exposition(t, svc)
		assert.InDelta(t, 2, valueOf(t, families, "req_count_total"), 0)
		assert.Len(t, refusals(logs, "req-count", `\"req_count_total\"`), 1, logs.String())
	})

	t.Run("Should refuse the gauge tasks.total after the counter tasks", func(t *testing.T) {
		svc, logs := identityService(t, "")
		testkit.Count(t, svc.Meter(), "tasks", 4)
		g, err := svc.Meter().Float64Gauge("tasks.total")
		require.NoError(t, err)
		g.Record(t.Context(), 9)

		families := exposition(t, svc)
		assert.Equal(t, dto.MetricType_COUNTER, families["tasks_total"].GetType())
		assert.InDelta(t, 4, valueOf(t, families, "tasks_total"), 0)
		assert.Len(t, refusals(logs, "tasks.total", `\"tasks_total\"`), 1, logs.String())
	})

	t.Run("Should refuse a gauge named as a histogram's _count series", func(t *testing.T) {
		svc, logs := identityService(t, "")
		svc.Instruments().HistogramVec(port.Desc{Name: "batch", Description: "Batch sizes."}).Record(3, port.Values{})
		g, err := svc.Meter().Int64Gauge("batch.count")
		require.NoError(t, err)
		g.Record(t.Context(), 1)

		families := exposition(t, svc)
		assert.Equal(t, uint64(1), histogramOf(t, families, "batch").GetSampleCount())
		assert.NotContains(t, families, "batch_count")
		assert.Len(t, refusals(logs, "batch.count", `\"batch_count\"`), 1, logs.String())
	})

	t.Run("Should refuse the same on the stdout backend: names are judged as Prometheus writes them", func(t *testing.T) {
		var logs, out testkit.Buffer
		cfg := enabled(monitoring.BackendStdout)
		cfg.SystemMetrics = false
		svc := newService(t, cfg, monitoring.WithWriter(&out),
			monitoring.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		svc.Instruments().CounterVec(port.Desc{Name: "req.count"}).Add(3, port.Values{})
		testkit.Count(t, svc.Meter(), "req-count", 5)
		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.Contains(t, out.String(), `"Name":"req.count"`)
		assert.NotContains(t, out.String(), `"Name":"req-count"`)
		assert.Len(t, refusals(&logs, "req-count", `\"req_count_total\"`), 1, logs.String())
	})

	t.Run("Should refuse target_info, which the exporter serves", func(t *testing.T) {
		svc, logs := identityService(t, "")
		svc.Instruments().GaugeVec(port.Desc{Name: "target.info"}).Set(1, port.Values{})
		families := exposition(t, svc)
		assert.Len(t, families["target_info"].GetMetric(), 1)
		assert.Len(t, refusals(logs, "target.info", `\"target_info\"`), 1, logs.String())
	})
}

func TestAttributeKeysTheExpositionCanCarry(t *testing.T) {
	for key, why := range map[string]string{
		"le": "bucket bounds", "quantile": "quantiles", "__name__": `\"__\" prefix`, "_": "drop it",
		"é": "ASCII", "otel.metric.overflow": "cardinality limit", "otel.scope.name": "otel_scope_*",
	} {
		t.Run("Should refuse the key "+key+" on a fast histogram, log why, and keep the scrape whole", func(t *testing.T) {
			svc, logs := identityService(t, "")
			svc.Instruments().HistogramVec(port.Desc{Name: "x", Description: "X.", Keys: []string{key}}).
				Record(1, port.Values{"v"})
			svc.Instruments().CounterVec(port.Desc{Name: "ok", Description: "Fine."}).Add(1, port.Values{})

			families := exposition(t, svc)
			assert.NotContains(t, families, "x")
			assert.InDelta(t, 1, valueOf(t, families, "ok_total"), 0, "the rest of the scrape is served")
			assert.Len(t, refusals(logs, `\"x\"`, why), 1, logs.String())
		})
	}

	t.Run("Should refuse two keys that become one label", func(t *testing.T) {
		svc, logs := identityService(t, "")
		svc.Instruments().CounterVec(port.Desc{Name: "y", Description: "Y.", Keys: []string{"a.b", "a_b"}}).
			Add(1, port.Values{"1", "2"})
		families := exposition(t, svc)
		assert.NotContains(t, families, "y_total")
		assert.Len(t, refusals(logs, `\"y\"`, `both become the label \"a_b\"`), 1, logs.String())
	})

	t.Run("Should refuse le on a counter too: promtool refuses it outside histograms", func(t *testing.T) {
		svc, logs := identityService(t, "")
		svc.Instruments().CounterVec(port.Desc{Name: "z", Description: "Z.", Keys: []string{"le"}}).
			Add(2, port.Values{"v"})
		families := exposition(t, svc)
		assert.NotContains(t, families, "z_total")
		assert.Len(t, refusals(logs, `\"z\"`, "bucket bounds"), 1, logs.String())
	})

	t.Run("Should accept keys the exporter only escapes", func(t *testing.T) {
		svc, logs := identityService(t, "")
		svc.Instruments().CounterVec(port.Desc{Name: "w", Description: "W.", Keys: []string{"http.route", "tenant-id"}}).
			Add(2, port.Values{"/a", "t1"})
		families := exposition(t, svc)
		require.Contains(t, families, "w_total")
		labels := map[string]string{}
		for _, l := range families["w_total"].GetMetric()[0].GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		assert.Equal(t, map[string]string{"http_route": "/a", "tenant_id": "t1"}, labels)
		assert.Empty(t, logs.LinesContaining("level=ERROR"))
	})

	t.Run("Should refuse an extra middleware attribute the exposition cannot carry", func(t *testing.T) {
		svc, logs := identityService(t, "")
		h := middleware.HTTP(svc, middleware.WithExtraAttributes([]string{"le"},
			func(*http.Request) []string { return []string{"gold"} }))(http.NotFoundHandler())
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/x", nil))

		families := exposition(t, svc)
		assert.NotContains(t, families, "http_server_request_duration_seconds")
		assert.Contains(t, families, "http_server_active_requests")
		assert.Len(t, refusals(logs, "http.server.request.duration", `key \"le\"`), 1, logs.String())
	})
}

func TestEveryFamilyHasHelp(t *testing.T) {
	t.Run("Should give a help text to fast and Meter() instruments declared without one", func(t *testing.T) {
		svc, _ := identityService(t, "")
		svc.Instruments().CounterVec(port.Desc{Name: "jobs.done", Keys: []string{"queue"}}).Add(1, port.Values{"q"})
		h, err := svc.Meter().Float64Histogram("job.size", metric.WithUnit("By"))
		require.NoError(t, err)
		h.Record(t.Context(), 10, metric.WithAttributes(attribute.String("queue", "q")))

		families := exposition(t, svc)
		assert.Equal(t, "A counter, declared without a description.", families["jobs_done_total"].GetHelp())
		assert.Equal(t, "A histogram in By, declared without a description.", families["job_size_bytes"].GetHelp())
	})
}

func TestNothingOfOursIsRefused(t *testing.T) {
	t.Run("Should start system metrics and both middlewares without a single refusal", func(t *testing.T) {
		var logs testkit.Buffer
		svc := newService(t, enabled(monitoring.BackendPrometheus),
			monitoring.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
		for _, h := range []http.Handler{middleware.HTTP(svc)(ok), middleware.HTTP(svc)(ok)} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/x", nil))
		}
		families := exposition(t, svc)
		assert.Equal(t, uint64(2), histogramOf(t, families, "http_server_request_duration_seconds").GetSampleCount())
		assert.Contains(t, families, "go_goroutines")
		assert.Empty(t, logs.LinesContaining("level=ERROR"), logs.String())
	})
}
