package integration_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
)

// TestPromtoolNaming pins what docs/instruments.md promises of `promtool check
// metrics`: the exposition is valid and lint-free for names that follow
// Prometheus' naming rules, on both recording paths and without
// descriptions; names that break a naming lint are the application's choice
// (OpenTelemetry semantic conventions have some, e.g.
// db.client.connection.count), exported as given, and promtool names them.
func TestPromtoolNaming(t *testing.T) {
	ctx := context.Background()

	t.Run("Should pass promtool with no lint for conventional names, fast and SDK, without descriptions", func(t *testing.T) {
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		m := svc.Meter()
		counter, _ := m.Int64Counter("shop.orders", metric.WithUnit("{order}"))
		counter.Add(ctx, 1)
		level, _ := m.Int64UpDownCounter("shop.queue.depth", metric.WithUnit("{job}"))
		level.Add(ctx, 3)
		gauge, _ := m.Float64Gauge("shop.temperature", metric.WithUnit("Cel"))
		gauge.Record(ctx, 21)
		hist, _ := m.Float64Histogram("shop.order.duration", metric.WithUnit("s"))
		hist.Record(ctx, 0.2)
		size, _ := m.Int64Histogram("shop.payload.size", metric.WithUnit("By"))
		size.Record(ctx, 512)
		in := svc.Instruments()
		in.CounterVec(port.Desc{Name: "jobs.processed", Unit: "{job}", Keys: []string{"queue"}}).Add(1, port.Values{"emails"})
		in.HistogramVec(port.Desc{Name: "job.duration", Unit: "s", Keys: []string{"queue"}}).Record(0.1, port.Values{"emails"})
		in.GaugeVec(port.Desc{Name: "jobs.waiting", Unit: "{job}"}).Set(4, port.Values{})

		_, body := testkit.Scrape(t, svc.ExporterHandler())
		out, ok := promtool.CheckMetrics(t, []byte(body))
		assert.True(t, ok, "promtool: %s\n%s", out, body)
	})

	t.Run("Should export names promtool lints as the application chose them, and promtool should name each", func(t *testing.T) {
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		m := svc.Meter()
		queue, _ := m.Int64Gauge("queue.count") // a gauge with _count
		queue.Record(ctx, 1)
		tasks, _ := m.Int64UpDownCounter("tasks.total") // _total on a non-counter
		tasks.Add(ctx, 1)
		latency, _ := m.Float64Gauge("latency.ms") // an abbreviated unit in the name
		latency.Record(ctx, 1)
		rt, _ := m.Float64Histogram("rt", metric.WithUnit("ms")) // not the base unit
		rt.Record(ctx, 1)
		conns, _ := m.Int64UpDownCounter("db.client.connection.count", metric.WithUnit("{connection}")) // a semantic convention
		conns.Add(ctx, 1)

		_, body := testkit.Scrape(t, svc.ExporterHandler())
		for _, family := range []string{"queue_count", "tasks_total", "latency_ms", "rt_milliseconds", "db_client_connection_count"} {
			assert.Contains(t, body, "\n# TYPE "+family+" ", "exported, not refused")
		}
		out, ok := promtool.CheckMetrics(t, []byte(body))
		assert.False(t, ok)
		lines := strings.Split(out, "\n")
		assert.ElementsMatch(t, []string{
			`db_client_connection_count non-histogram and non-summary metrics should not have "_count" suffix`,
			`latency_ms metric names should not contain abbreviated units`,
			`queue_count non-histogram and non-summary metrics should not have "_count" suffix`,
			`rt_milliseconds use base unit "seconds" instead of "milliseconds"`,
			`tasks_total non-counter metrics should not have "_total" suffix`,
		}, lines, "lints only, and only these:\n%s", out)
	})
}
