package otlp_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/compozy/monitoring/adapters/adaptertest"
	"github.com/compozy/monitoring/adapters/otlp"
	"github.com/compozy/monitoring/internal/otlptest"
	"github.com/compozy/monitoring/port"
)

const (
	cumulative = metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
	delta      = metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA
)

// transports runs f against a receiver of each protocol.
func transports(t *testing.T, f func(t *testing.T, protocol string, rcv *otlptest.Receiver)) {
	t.Helper()
	t.Run("http", func(t *testing.T) { f(t, otlp.ProtocolHTTP, otlptest.NewHTTP(t)) })
	t.Run("grpc", func(t *testing.T) { f(t, otlp.ProtocolGRPC, otlptest.NewGRPC(t)) })
}

// newAdapter builds the backend against rcv; the interval is long, so that
// only ForceFlush exports, and the timeout short.
func newAdapter(t *testing.T, protocol string, rcv *otlptest.Receiver, opts ...otlp.Option) *otlp.Adapter {
	t.Helper()
	base := []otlp.Option{
		otlp.WithProtocol(protocol), otlp.WithEndpoint(rcv.URL), otlp.WithInterval(time.Hour),
		otlp.WithTimeout(time.Second), otlp.WithServiceName("checkout"), otlp.WithInstanceID("checkout-7"),
		otlp.WithLogger(slog.New(slog.DiscardHandler)),
	}
	a, err := otlp.New(t.Context(), append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	return a
}

// last returns the last point of metric with the attribute key=value.
func last(t *testing.T, rcv *otlptest.Receiver, metric, key, value string) otlptest.Point {
	t.Helper()
	var found *otlptest.Point
	for _, p := range rcv.Points(metric) {
		if p.Attrs[key] == value {
			found = &p
		}
	}
	require.NotNil(t, found, "no point of %s with %s=%s", metric, key, value)
	return *found
}

// total sums the values of every point of metric with key=value.
func total(rcv *otlptest.Receiver, metric, key, value string) float64 {
	var sum float64
	for _, p := range rcv.Points(metric) {
		if p.Attrs[key] == value {
			sum += p.Value
		}
	}
	return sum
}

func TestExport(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		a := newAdapter(t, protocol, rcv)
		ctx := t.Context()
		orders, err := a.Meter().Int64Counter("shop.orders", metric.WithUnit("{order}"))
		require.NoError(t, err)
		latency, err := a.Meter().Float64Histogram("shop.checkout.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		orders.Add(ctx, 3, metric.WithAttributes(attribute.String("payment", "card")))
		latency.Record(ctx, 0.2)
		latency.Record(ctx, 0.3)
		requests := a.Instruments().CounterVec(port.Desc{
			Name: "http.server.requests", Unit: "{request}", Keys: []string{"http.route", "http.response.status_code"},
			IntKeys: []string{"http.response.status_code"},
		})
		requests.Add(5, port.Values{"/users/{id}", "200"})
		inflight := a.Instruments().GaugeVec(port.Desc{Name: "queue.depth", Unit: "{job}"})
		inflight.Set(4, port.Values{})

		require.NoError(t, a.ForceFlush(ctx))

		p := last(t, rcv, "shop.orders", "payment", "card")
		assert.Equal(t, "{order}", p.Unit)
		assert.Equal(t, cumulative, p.Temporality)
		assert.True(t, p.Monotonic)
		assert.InDelta(t, 3.0, p.Value, 0)
		assert.Equal(t, "checkout", p.Resource["service.name"])
		assert.Equal(t, "checkout-7", p.Resource["service.instance.id"])

		h := rcv.Points("shop.checkout.duration")
		require.Len(t, h, 1)
		assert.Equal(t, "s", h[0].Unit)
		assert.InDelta(t, 2.0, h[0].Value, 0)
		assert.InDelta(t, 0.5, h[0].Sum, 1e-9)
		assert.InDelta(t, 0.005, h[0].Bounds[0], 0, "seconds histograms keep second-scale buckets over OTLP")

		f := last(t, rcv, "http.server.requests", "http.route", "/users/{id}")
		assert.Equal(t, "{request}", f.Unit)
		assert.Equal(t, "200", f.Attrs["http.response.status_code"])
		assert.Equal(t, cumulative, f.Temporality)
		assert.InDelta(t, 5.0, f.Value, 0)
		assert.Equal(t, "checkout-7", f.Resource["service.instance.id"], "the fast path shares the resource")

		g := rcv.Points("queue.depth")
		require.Len(t, g, 1)
		assert.Equal(t, "gauge", g[0].Kind)
		assert.InDelta(t, 4.0, g[0].Value, 0)

		st := a.Status()
		require.Len(t, st.Backends, 1)
		assert.Equal(t, "otlp", st.Backends[0].Name)
		assert.True(t, st.Backends[0].Healthy)
		assert.NoError(t, st.Backends[0].LastError)
		assert.False(t, st.Backends[0].LastExport.IsZero(), "a successful export is dated")
	})
}

func TestDelta(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		a := newAdapter(t, protocol, rcv, otlp.WithTemporality(otlp.TemporalityDelta))
		ctx := t.Context()
		sdkCounter, err := a.Meter().Int64Counter("sdk.jobs")
		require.NoError(t, err)
		fastCounter := a.Instruments().CounterVec(port.Desc{Name: "fast.jobs", Keys: []string{"queue"}})
		fastHist := a.Instruments().HistogramVec(port.Desc{Name: "fast.wait", Unit: "s"})

		sdkCounter.Add(ctx, 3)
		fastCounter.Add(3, port.Values{"q"})
		fastHist.Record(1, port.Values{})
		require.NoError(t, a.ForceFlush(ctx))
		sdkCounter.Add(ctx, 4)
		fastCounter.Add(4, port.Values{"q"})
		fastHist.Record(2, port.Values{})
		fastHist.Record(2, port.Values{})
		require.NoError(t, a.ForceFlush(ctx))

		for _, name := range []string{"sdk.jobs", "fast.jobs"} {
			var values []float64
			for _, p := range rcv.Points(name) {
				assert.Equal(t, delta, p.Temporality, name)
				values = append(values, p.Value)
			}
			assert.Equal(t, []float64{3, 4}, values, "%s: each export carries what was recorded since the last", name)
		}
		var counts []float64
		for _, p := range rcv.Points("fast.wait") {
			assert.Equal(t, delta, p.Temporality)
			counts = append(counts, p.Value)
		}
		assert.Equal(t, []float64{1, 2}, counts)
	})
}

func TestNewNeverContactsTheCollector(t *testing.T) {
	t.Run("Should start, record and report the failed exports when nothing listens", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		rcv.Close() // the port is now closed: connections are refused
		a := newAdapter(t, otlp.ProtocolHTTP, rcv)
		a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(1, port.Values{})

		err := a.ForceFlush(t.Context())
		require.Error(t, err)
		st := a.Status()
		assert.True(t, st.Healthy, "a collector that is down does not make the backend unhealthy")
		require.Len(t, st.Backends, 1)
		assert.Error(t, st.Backends[0].LastError)
		assert.True(t, st.Backends[0].LastExport.IsZero())
	})
	t.Run("Should refuse an endpoint that is not a URL, naming it", func(t *testing.T) {
		_, err := otlp.New(t.Context(), otlp.WithEndpoint("collector:4318"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"collector:4318"`)
	})
	t.Run("Should refuse an unknown protocol and temporality", func(t *testing.T) {
		_, err := otlp.New(t.Context(), otlp.WithProtocol("http/json"), otlp.WithTemporality("sometimes"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"http/json"`)
		assert.Contains(t, err.Error(), `"sometimes"`)
	})
}

func TestInstanceID(t *testing.T) {
	t.Run("Should differ between calls and look like a UUID", func(t *testing.T) {
		a, b := otlp.NewInstanceID(), otlp.NewInstanceID()
		assert.NotEqual(t, a, b)
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, a)
	})
}

func TestGzip(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		a := newAdapter(t, protocol, rcv, otlp.WithGzip(), otlp.WithHeaders(map[string]string{"x-api-key": "k"}))
		a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(4, port.Values{})
		require.NoError(t, a.ForceFlush(t.Context()))
		assert.InDelta(t, 4.0, total(rcv, "jobs", "", ""), 0, "a compressed export decodes to the same points")
		assert.Equal(t, "k", rcv.Header("x-api-key"), "the headers go with every export")
	})
}

func TestConformance(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		adaptertest.Run(t, func(t *testing.T) port.Monitoring { return newAdapter(t, protocol, rcv) })
	})
}
