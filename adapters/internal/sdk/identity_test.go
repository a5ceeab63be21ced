package sdk_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/adapters/internal/sdk"
	"github.com/compozy/monitoring/internal/identity"
)

// identityProvider returns a provider wrapped with a fresh table, and a
// function collecting the metrics of every scope by name.
func identityProvider(t *testing.T, views ...sdkmetric.View) (metric.MeterProvider, func() map[string]metricdata.Metrics) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(views...))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	p := sdk.WithIdentities(sdk.WithSecondsBuckets(mp), identity.NewTable(identity.DefaultNamer()), views)
	return p, func() map[string]metricdata.Metrics {
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(t.Context(), &rm))
		out := map[string]metricdata.Metrics{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				out[m.Name] = m
			}
		}
		return out
	}
}

func TestWithIdentities(t *testing.T) {
	t.Run("Should give an instrument without a description a help text, and keep a given one", func(t *testing.T) {
		p, collect := identityProvider(t)
		c, err := p.Meter("a").Int64Counter("plain")
		require.NoError(t, err)
		c.Add(t.Context(), 1)
		d, err := p.Meter("a").Int64Counter("described", metric.WithDescription("Mine."))
		require.NoError(t, err)
		d.Add(t.Context(), 1)
		got := collect()
		assert.Equal(t, identity.Help(identity.Counter, ""), got["plain"].Description)
		assert.Equal(t, "Mine.", got["described"].Description)
	})

	t.Run("Should refuse another scope's instrument of the same exported name with a working no-op", func(t *testing.T) {
		p, collect := identityProvider(t)
		c, err := p.Meter("a").Float64Counter("orders")
		require.NoError(t, err)
		c.Add(t.Context(), 3)
		other, err := p.Meter("b").Float64Counter("orders")
		require.ErrorContains(t, err, `counter "orders" refused, it records nothing`)
		require.NotNil(t, other)
		other.Add(t.Context(), 5)
		o, err := p.Meter("b").Int64ObservableGauge("orders.total",
			metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error { o.Observe(9); return nil }))
		require.ErrorContains(t, err, `"orders_total" is already taken`)
		require.NotNil(t, o)

		got := collect()
		require.Len(t, got, 1)
		assert.InDelta(t, 3, got["orders"].Data.(metricdata.Sum[float64]).DataPoints[0].Value, 0)
	})

	t.Run("Should hand back the SDK's instrument for an identical redeclaration, default buckets included", func(t *testing.T) {
		p, collect := identityProvider(t)
		h1, err := p.Meter("a").Float64Histogram("wait", metric.WithUnit("s"))
		require.NoError(t, err)
		h2, err := p.Meter("a").Float64Histogram("wait", metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(sdk.SecondsBuckets()...))
		require.NoError(t, err, "the same buckets, given or defaulted")
		h1.Record(t.Context(), 0.1)
		h2.Record(t.Context(), 0.2)
		_, err = p.Meter("a").Int64Histogram("wait", metric.WithUnit("s"))
		require.ErrorContains(t, err, "differs in kind: integer histogram (was float histogram)")
		assert.Equal(t, uint64(2), collect()["wait"].Data.(metricdata.Histogram[float64]).DataPoints[0].Count)
	})

	t.Run("Should judge a stream by the name a view gives it", func(t *testing.T) {
		view := sdkmetric.NewView(sdkmetric.Instrument{Name: "go.goroutine.count"}, sdkmetric.Stream{Name: "go.goroutines"})
		p, _ := identityProvider(t, view)
		_, err := p.Meter("runtime").Int64ObservableUpDownCounter("go.goroutine.count")
		require.NoError(t, err)
		_, err = p.Meter("mine").Int64Gauge("go.goroutines")
		require.ErrorContains(t, err, `"go_goroutines" is already taken`)
		_, err = p.Meter("mine").Int64Gauge("go.goroutine.count")
		require.ErrorContains(t, err, `"go_goroutines" is already taken`, "the view renames it in every scope")
	})
}
