package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/compozy/monitoring/service"
)

var routeAttr = attribute.String("http.route", "/users/{id}")

// syncCase creates one synchronous instrument kind, records on it, and
// checks what the backend collected.
type syncCase struct {
	kind   string
	record func(t *testing.T, m metric.Meter, name string)
	want   func(name string) metricdata.Metrics
}

func syncCases() []syncCase {
	attrs := attribute.NewSet(routeAttr)
	opt := metric.WithAttributeSet(attrs)
	sum := func(name string, v any, monotonic bool) metricdata.Metrics {
		m := metricdata.Metrics{Name: name, Description: "d", Unit: "{u}"}
		switch v := v.(type) {
		case int64:
			m.Data = metricdata.Sum[int64]{
				DataPoints:  []metricdata.DataPoint[int64]{{Attributes: attrs, Value: v}},
				Temporality: metricdata.CumulativeTemporality, IsMonotonic: monotonic,
			}
		case float64:
			m.Data = metricdata.Sum[float64]{
				DataPoints:  []metricdata.DataPoint[float64]{{Attributes: attrs, Value: v}},
				Temporality: metricdata.CumulativeTemporality, IsMonotonic: monotonic,
			}
		}
		return m
	}
	gauge := func(name string, v any) metricdata.Metrics {
		m := metricdata.Metrics{Name: name, Description: "d", Unit: "{u}"}
		switch v := v.(type) {
		case int64:
			m.Data = metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Attributes: attrs, Value: v}}}
		case float64:
			m.Data = metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{{Attributes: attrs, Value: v}}}
		}
		return m
	}
	bounds := []float64{1, 5, 10}
	return []syncCase{
		{
			kind: "Int64Counter",
			record: func(t *testing.T, m metric.Meter, name string) {
				c, err := m.Int64Counter(name, metric.WithDescription("d"), metric.WithUnit("{u}"))
				require.NoError(t, err)
				c.Add(t.Context(), 2, opt)
				c.Add(t.Context(), 3, opt)
			},
			want: func(name string) metricdata.Metrics { return sum(name, int64(5), true) },
		},
		{
			kind: "Float64Counter",
			record: func(t *testing.T, m metric.Meter, name string) {
				c, err := m.Float64Counter(name, metric.WithDescription("d"), metric.WithUnit("{u}"))
				require.NoError(t, err)
				c.Add(t.Context(), 1.5, opt)
				c.Add(t.Context(), 2.25, opt)
			},
			want: func(name string) metricdata.Metrics { return sum(name, 3.75, true) },
		},
		{
			kind: "Int64UpDownCounter",
			record: func(t *testing.T, m metric.Meter, name string) {
				c, err := m.Int64UpDownCounter(name, metric.WithDescription("d"), metric.WithUnit("{u}"))
				require.NoError(t, err)
				c.Add(t.Context(), 5, opt)
				c.Add(t.Context(), -2, opt)
			},
			want: func(name string) metricdata.Metrics { return sum(name, int64(3), false) },
		},
		{
			kind: "Float64UpDownCounter",
			record: func(t *testing.T, m metric.Meter, name string) {
				c, err := m.Float64UpDownCounter(name, metric.WithDescription("d"), metric.WithUnit("{u}"))
				require.NoError(t, err)
				c.Add(t.Context(), 2.5, opt)
				c.Add(t.Context(), -1, opt)
			},
			want: func(name string) metricdata.Metrics { return sum(name, 1.5, false) },
		},
		{
			kind: "Int64Histogram",
			record: func(t *testing.T, m metric.Meter, name string) {
				h, err := m.Int64Histogram(name, metric.WithDescription("d"), metric.WithUnit("{u}"),
					metric.WithExplicitBucketBoundaries(bounds...))
				require.NoError(t, err)
				h.Record(t.Context(), 3, opt)
				h.Record(t.Context(), 7, opt)
			},
			want: func(name string) metricdata.Metrics {
				return metricdata.Metrics{Name: name, Description: "d", Unit: "{u}", Data: metricdata.Histogram[int64]{
					DataPoints: []metricdata.HistogramDataPoint[int64]{{
						Attributes: attrs, Count: 2, Sum: 10, Bounds: bounds, BucketCounts: []uint64{0, 1, 1, 0},
						Min: metricdata.NewExtrema[int64](3), Max: metricdata.NewExtrema[int64](7),
					}},
					Temporality: metricdata.CumulativeTemporality,
				}}
			},
		},
		{
			kind: "Float64Histogram",
			record: func(t *testing.T, m metric.Meter, name string) {
				h, err := m.Float64Histogram(name, metric.WithDescription("d"), metric.WithUnit("{u}"),
					metric.WithExplicitBucketBoundaries(bounds...))
				require.NoError(t, err)
				h.Record(t.Context(), 0.5, opt)
				h.Record(t.Context(), 12, opt)
			},
			want: func(name string) metricdata.Metrics {
				return metricdata.Metrics{Name: name, Description: "d", Unit: "{u}", Data: metricdata.Histogram[float64]{
					DataPoints: []metricdata.HistogramDataPoint[float64]{{
						Attributes: attrs, Count: 2, Sum: 12.5, Bounds: bounds, BucketCounts: []uint64{1, 0, 0, 1},
						Min: metricdata.NewExtrema(0.5), Max: metricdata.NewExtrema[float64](12),
					}},
					Temporality: metricdata.CumulativeTemporality,
				}}
			},
		},
		{
			kind: "Int64Gauge",
			record: func(t *testing.T, m metric.Meter, name string) {
				g, err := m.Int64Gauge(name, metric.WithDescription("d"), metric.WithUnit("{u}"))
				require.NoError(t, err)
				g.Record(t.Context(), 4, opt)
				g.Record(t.Context(), 9, opt)
			},
			want: func(name string) metricdata.Metrics { return gauge(name, int64(9)) },
		},
		{
			kind: "Float64Gauge",
			record: func(t *testing.T, m metric.Meter, name string) {
				g, err := m.Float64Gauge(name, metric.WithDescription("d"), metric.WithUnit("{u}"))
				require.NoError(t, err)
				g.Record(t.Context(), 4.5, opt)
				g.Record(t.Context(), -0.25, opt)
			},
			want: func(name string) metricdata.Metrics { return gauge(name, -0.25) },
		},
	}
}

// observableCase creates one asynchronous instrument kind with a callback
// option observing a fixed value.
type observableCase struct {
	kind   string
	create func(m metric.Meter, name string) (metric.Observable, error)
	want   func(name string) metricdata.Metrics
}

func observableCases() []observableCase {
	attrs := attribute.NewSet(routeAttr)
	opt := metric.WithAttributeSet(attrs)
	i64 := metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(42, opt)
		return nil
	})
	f64 := metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
		o.Observe(2.5, opt)
		return nil
	})
	isum := func(name string, monotonic bool) metricdata.Metrics {
		return metricdata.Metrics{Name: name, Data: metricdata.Sum[int64]{
			DataPoints:  []metricdata.DataPoint[int64]{{Attributes: attrs, Value: 42}},
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: monotonic,
		}}
	}
	fsum := func(name string, monotonic bool) metricdata.Metrics {
		return metricdata.Metrics{Name: name, Data: metricdata.Sum[float64]{
			DataPoints:  []metricdata.DataPoint[float64]{{Attributes: attrs, Value: 2.5}},
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: monotonic,
		}}
	}
	return []observableCase{
		{
			kind: "Int64ObservableCounter",
			create: func(m metric.Meter, name string) (metric.Observable, error) {
				return m.Int64ObservableCounter(name, i64)
			},
			want: func(name string) metricdata.Metrics { return isum(name, true) },
		},
		{
			kind: "Float64ObservableCounter",
			create: func(m metric.Meter, name string) (metric.Observable, error) {
				return m.Float64ObservableCounter(name, f64)
			},
			want: func(name string) metricdata.Metrics { return fsum(name, true) },
		},
		{
			kind: "Int64ObservableUpDownCounter",
			create: func(m metric.Meter, name string) (metric.Observable, error) {
				return m.Int64ObservableUpDownCounter(name, i64)
			},
			want: func(name string) metricdata.Metrics { return isum(name, false) },
		},
		{
			kind: "Float64ObservableUpDownCounter",
			create: func(m metric.Meter, name string) (metric.Observable, error) {
				return m.Float64ObservableUpDownCounter(name, f64)
			},
			want: func(name string) metricdata.Metrics { return fsum(name, false) },
		},
		{
			kind: "Int64ObservableGauge",
			create: func(m metric.Meter, name string) (metric.Observable, error) {
				return m.Int64ObservableGauge(name, i64)
			},
			want: func(name string) metricdata.Metrics {
				return metricdata.Metrics{Name: name, Data: metricdata.Gauge[int64]{
					DataPoints: []metricdata.DataPoint[int64]{{Attributes: attrs, Value: 42}},
				}}
			},
		},
		{
			kind: "Float64ObservableGauge",
			create: func(m metric.Meter, name string) (metric.Observable, error) {
				return m.Float64ObservableGauge(name, f64)
			},
			want: func(name string) metricdata.Metrics {
				return metricdata.Metrics{Name: name, Data: metricdata.Gauge[float64]{
					DataPoints: []metricdata.DataPoint[float64]{{Attributes: attrs, Value: 2.5}},
				}}
			},
		},
	}
}

// kindCase creates any of the 14 instrument kinds without options, and
// records on it when it is synchronous.
type kindCase struct {
	kind     string
	create   func(m metric.Meter, name string) (any, error)
	use      func(ctx context.Context, inst any)
	noopType any
}

func kindCases() []kindCase {
	return []kindCase{
		{"Int64Counter",
			func(m metric.Meter, n string) (any, error) { return m.Int64Counter(n) },
			func(ctx context.Context, i any) { i.(metric.Int64Counter).Add(ctx, 1) },
			noop.Int64Counter{}},
		{"Float64Counter",
			func(m metric.Meter, n string) (any, error) { return m.Float64Counter(n) },
			func(ctx context.Context, i any) { i.(metric.Float64Counter).Add(ctx, 1) },
			noop.Float64Counter{}},
		{"Int64UpDownCounter",
			func(m metric.Meter, n string) (any, error) { return m.Int64UpDownCounter(n) },
			func(ctx context.Context, i any) { i.(metric.Int64UpDownCounter).Add(ctx, -1) },
			noop.Int64UpDownCounter{}},
		{"Float64UpDownCounter",
			func(m metric.Meter, n string) (any, error) { return m.Float64UpDownCounter(n) },
			func(ctx context.Context, i any) { i.(metric.Float64UpDownCounter).Add(ctx, -1) },
			noop.Float64UpDownCounter{}},
		{"Int64Histogram",
			func(m metric.Meter, n string) (any, error) { return m.Int64Histogram(n) },
			func(ctx context.Context, i any) { i.(metric.Int64Histogram).Record(ctx, 1) },
			noop.Int64Histogram{}},
		{"Float64Histogram",
			func(m metric.Meter, n string) (any, error) { return m.Float64Histogram(n) },
			func(ctx context.Context, i any) { i.(metric.Float64Histogram).Record(ctx, 1) },
			noop.Float64Histogram{}},
		{"Int64Gauge",
			func(m metric.Meter, n string) (any, error) { return m.Int64Gauge(n) },
			func(ctx context.Context, i any) { i.(metric.Int64Gauge).Record(ctx, 1) },
			noop.Int64Gauge{}},
		{"Float64Gauge",
			func(m metric.Meter, n string) (any, error) { return m.Float64Gauge(n) },
			func(ctx context.Context, i any) { i.(metric.Float64Gauge).Record(ctx, 1) },
			noop.Float64Gauge{}},
		{"Int64ObservableCounter",
			func(m metric.Meter, n string) (any, error) { return m.Int64ObservableCounter(n) },
			func(context.Context, any) {},
			noop.Int64ObservableCounter{}},
		{"Float64ObservableCounter",
			func(m metric.Meter, n string) (any, error) { return m.Float64ObservableCounter(n) },
			func(context.Context, any) {},
			noop.Float64ObservableCounter{}},
		{"Int64ObservableUpDownCounter",
			func(m metric.Meter, n string) (any, error) { return m.Int64ObservableUpDownCounter(n) },
			func(context.Context, any) {},
			noop.Int64ObservableUpDownCounter{}},
		{"Float64ObservableUpDownCounter",
			func(m metric.Meter, n string) (any, error) { return m.Float64ObservableUpDownCounter(n) },
			func(context.Context, any) {},
			noop.Float64ObservableUpDownCounter{}},
		{"Int64ObservableGauge",
			func(m metric.Meter, n string) (any, error) { return m.Int64ObservableGauge(n) },
			func(context.Context, any) {},
			noop.Int64ObservableGauge{}},
		{"Float64ObservableGauge",
			func(m metric.Meter, n string) (any, error) { return m.Float64ObservableGauge(n) },
			func(context.Context, any) {},
			noop.Float64ObservableGauge{}},
	}
}

func TestMeter_RecordsThroughToBackend(t *testing.T) {
	t.Parallel()
	for _, tc := range syncCases() {
		t.Run("Should record a "+tc.kind+" through to the backend", func(t *testing.T) {
			t.Parallel()
			fb := newFakeBackend(t)
			logger, logs := newLogger()
			svc := service.New(fb, service.WithLogger(logger))

			name := "test." + strings.ToLower(tc.kind)
			tc.record(t, svc.Meter(), name)

			rm := fb.collect(t)
			got, ok := findScopedMetric(rm, fakeScope, name)
			require.True(t, ok, "metric %q not collected; got %v", name, metricNames(rm))
			metricdatatest.AssertEqual(t, tc.want(name), got, metricdatatest.IgnoreTimestamp())
			assert.Empty(t, logs.Lines(), "a valid instrument must not log")
		})
	}
	for _, tc := range observableCases() {
		t.Run("Should observe a "+tc.kind+" callback through to the backend", func(t *testing.T) {
			t.Parallel()
			fb := newFakeBackend(t)
			logger, logs := newLogger()
			svc := service.New(fb, service.WithLogger(logger))

			name := "test." + strings.ToLower(tc.kind)
			inst, err := tc.create(svc.Meter(), name)
			require.NoError(t, err)
			require.NotNil(t, inst)

			rm := fb.collect(t)
			got, ok := findScopedMetric(rm, fakeScope, name)
			require.True(t, ok, "metric %q not collected; got %v", name, metricNames(rm))
			metricdatatest.AssertEqual(t, tc.want(name), got, metricdatatest.IgnoreTimestamp())
			assert.Empty(t, logs.Lines())
		})
	}
	t.Run("Should pass RegisterCallback through to the backend meter", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		svc := service.New(fb)
		m := svc.Meter()
		g, err := m.Int64ObservableGauge("test.queue.depth")
		require.NoError(t, err)
		reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			o.ObserveInt64(g, 17)
			return nil
		}, g)
		require.NoError(t, err)

		got, ok := findMetric(fb.collect(t), "test.queue.depth")
		require.True(t, ok)
		metricdatatest.AssertEqual(t, metricdata.Metrics{Name: "test.queue.depth", Data: metricdata.Gauge[int64]{
			DataPoints: []metricdata.DataPoint[int64]{{Value: 17}},
		}}, got, metricdatatest.IgnoreTimestamp())

		require.NoError(t, reg.Unregister())
		_, ok = findMetric(fb.collect(t), "test.queue.depth")
		assert.False(t, ok, "an unregistered callback must observe nothing")
	})
	t.Run("Should return the same meter on every call", func(t *testing.T) {
		t.Parallel()
		svc := service.New(newFakeBackend(t))
		first, second := svc.Meter(), svc.Meter()
		assert.Equal(t, first, second)
	})
}

func TestMeter_InvalidNames(t *testing.T) {
	t.Parallel()
	for _, tc := range kindCases() {
		for _, bad := range []string{"1bad", ""} {
			t.Run("Should give a no-op "+tc.kind+" without error for name "+quote(bad), func(t *testing.T) {
				t.Parallel()
				fb := newFakeBackend(t)
				logger, logs := newLogger()
				svc := service.New(fb, service.WithLogger(logger))
				m := svc.Meter()

				first, err := tc.create(m, bad)
				require.NoError(t, err)
				require.NotNil(t, first)
				assert.IsType(t, tc.noopType, first)
				second, err := tc.create(m, bad)
				require.NoError(t, err)
				assert.IsType(t, tc.noopType, second)
				assert.NotPanics(t, func() {
					tc.use(t.Context(), first)
					tc.use(t.Context(), second)
				})

				// A valid sentinel proves the collection itself works.
				ok, err := m.Int64Counter("test.sentinel")
				require.NoError(t, err)
				ok.Add(t.Context(), 1)
				rm := fb.collect(t)
				_, found := findMetric(rm, "test.sentinel")
				require.True(t, found)
				_, found = findMetric(rm, bad)
				assert.False(t, found, "nothing named %q may be collected, got %v", bad, metricNames(rm))

				lines := logs.LinesContaining("using a no-op "+tc.kind+" instead", "name="+quoteIfEmpty(bad))
				assert.Len(t, lines, 1, "logged: %v", logs.Lines())
				assert.Len(t, logs.Lines(), 1, "exactly one line in all: %v", logs.Lines())
				assert.Contains(t, lines[0], "level=ERROR")
				assert.Contains(t, lines[0], "invalid instrument name")
			})
		}
	}
	t.Run("Should log each distinct bad instrument once", func(t *testing.T) {
		t.Parallel()
		logger, logs := newLogger()
		svc := service.New(newFakeBackend(t), service.WithLogger(logger))
		m := svc.Meter()
		for range 3 {
			_, err := m.Int64Counter("1bad")
			require.NoError(t, err)
			_, err = m.Int64Counter("2bad")
			require.NoError(t, err)
			_, err = m.Float64Counter("1bad")
			require.NoError(t, err)
		}
		assert.Len(t, logs.LinesContaining("Int64Counter", "name=1bad"), 1)
		assert.Len(t, logs.LinesContaining("Int64Counter", "name=2bad"), 1)
		assert.Len(t, logs.LinesContaining("Float64Counter", "name=1bad"), 1)
		assert.Len(t, logs.Lines(), 3)
	})
	t.Run("Should keep recording valid instruments next to a bad one", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		svc := service.New(fb, service.WithLogger(discardLogger()))
		m := svc.Meter()
		bad, err := m.Int64Counter("bad name with spaces")
		require.NoError(t, err)
		good, err := m.Int64Counter("test.good")
		require.NoError(t, err)
		bad.Add(t.Context(), 100)
		good.Add(t.Context(), 4)

		got, ok := findMetric(fb.collect(t), "test.good")
		require.True(t, ok)
		sum, isSum := got.Data.(metricdata.Sum[int64])
		require.True(t, isSum)
		require.Len(t, sum.DataPoints, 1)
		assert.Equal(t, int64(4), sum.DataPoints[0].Value)
	})
}

func TestMeter_BrokenBackend(t *testing.T) {
	t.Parallel()
	t.Run("Should give a working no-op meter when the backend's Meter panics", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.meterFn = func() metric.Meter { panic("meter exploded") }
		logger, logs := newLogger()
		var svc *service.MonitoringService
		require.NotPanics(t, func() { svc = service.New(fb, service.WithLogger(logger)) })

		assertNoopMeter(t, svc.Meter())
		assert.Empty(t, metricNames(fb.collect(t)))
		lines := logs.LinesContaining("using a no-op backend meter instead", "panicked", "meter exploded")
		assert.Len(t, lines, 1, "logged: %v", logs.Lines())
	})
	t.Run("Should give a working no-op meter when the backend's Meter returns nil", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.meterFn = func() metric.Meter { return nil }
		logger, logs := newLogger()
		svc := service.New(fb, service.WithLogger(logger))

		require.NotNil(t, svc.Meter())
		assertNoopMeter(t, svc.Meter())
		assert.Len(t, logs.LinesContaining("using a no-op backend meter instead", "nil meter"), 1, "logged: %v", logs.Lines())
	})
	t.Run("Should keep the provider working when only the backend's Meter is broken", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.meterFn = func() metric.Meter { panic("meter exploded") }
		svc := service.New(fb, service.WithLogger(discardLogger()))

		c, err := svc.MeterProvider().Meter("lib").Int64Counter("test.lib.calls")
		require.NoError(t, err)
		c.Add(t.Context(), 2)
		_, ok := findScopedMetric(fb.collect(t), "lib", "test.lib.calls")
		assert.True(t, ok)
	})
	for _, tc := range kindCases() {
		t.Run("Should give a no-op "+tc.kind+" and log when the backend constructor panics", func(t *testing.T) {
			t.Parallel()
			fb := newFakeBackend(t)
			fb.meterFn = func() metric.Meter { return brokenMeter{} }
			logger, logs := newLogger()
			svc := service.New(fb, service.WithLogger(logger))

			var (
				inst any
				err  error
			)
			require.NotPanics(t, func() { inst, err = tc.create(svc.Meter(), "test.ok.name") })
			require.NoError(t, err)
			assert.IsType(t, tc.noopType, inst)
			assert.NotPanics(t, func() { tc.use(t.Context(), inst) })
			_, _ = tc.create(svc.Meter(), "test.ok.name")

			lines := logs.LinesContaining("using a no-op "+tc.kind+" instead", "name=test.ok.name", "panicked")
			assert.Len(t, lines, 1, "logged: %v", logs.Lines())
		})
	}
}

func TestMeterProvider(t *testing.T) {
	t.Parallel()
	for _, tc := range syncCases() {
		t.Run("Should record a "+tc.kind+" from a provider meter under its scope", func(t *testing.T) {
			t.Parallel()
			fb := newFakeBackend(t)
			svc := service.New(fb)
			name := "lib." + strings.ToLower(tc.kind)
			tc.record(t, svc.MeterProvider().Meter("example.com/lib", metric.WithInstrumentationVersion("1.2.3")), name)

			rm := fb.collect(t)
			got, ok := findScopedMetric(rm, "example.com/lib", name)
			require.True(t, ok, "got %v", metricNames(rm))
			metricdatatest.AssertEqual(t, tc.want(name), got, metricdatatest.IgnoreTimestamp())
			require.Len(t, rm.ScopeMetrics, 1)
			assert.Equal(t, "1.2.3", rm.ScopeMetrics[0].Scope.Version)
		})
	}
	for _, tc := range kindCases() {
		t.Run("Should give a no-op "+tc.kind+" without error for a bad name from a provider meter", func(t *testing.T) {
			t.Parallel()
			fb := newFakeBackend(t)
			logger, logs := newLogger()
			svc := service.New(fb, service.WithLogger(logger))
			m := svc.MeterProvider().Meter("lib")

			for range 2 {
				inst, err := tc.create(m, "1bad")
				require.NoError(t, err)
				assert.IsType(t, tc.noopType, inst)
				assert.NotPanics(t, func() { tc.use(t.Context(), inst) })
			}
			_, found := findMetric(fb.collect(t), "1bad")
			assert.False(t, found)
			assert.Len(t, logs.LinesContaining("using a no-op "+tc.kind+" instead", "name=1bad"), 1,
				"logged: %v", logs.Lines())
		})
	}
	t.Run("Should give a working no-op meter when the provider's Meter panics", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.providerFn = func() metric.MeterProvider { return panickingProvider{} }
		logger, logs := newLogger()
		svc := service.New(fb, service.WithLogger(logger))

		var m metric.Meter
		require.NotPanics(t, func() { m = svc.MeterProvider().Meter("lib") })
		assertNoopMeter(t, m)
		require.NotPanics(t, func() { m = svc.MeterProvider().Meter("lib") })
		assertNoopMeter(t, m)
		assert.Len(t, logs.LinesContaining("using a no-op meter instead", "name=lib", "provider exploded"), 1,
			"logged: %v", logs.Lines())
	})
	t.Run("Should give a working no-op meter when the provider's Meter returns nil", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.providerFn = func() metric.MeterProvider { return nilMeterProvider{} }
		logger, logs := newLogger()
		svc := service.New(fb, service.WithLogger(logger))

		m := svc.MeterProvider().Meter("lib")
		require.NotNil(t, m)
		assertNoopMeter(t, m)
		assert.Len(t, logs.LinesContaining("using a no-op meter instead", "name=lib"), 1, "logged: %v", logs.Lines())
	})
	t.Run("Should give no-op instruments when the provider's meters panic in constructors", func(t *testing.T) {
		t.Parallel()
		fb := newFakeBackend(t)
		fb.providerFn = func() metric.MeterProvider { return brokenProvider{} }
		logger, logs := newLogger()
		svc := service.New(fb, service.WithLogger(logger))

		assertNoopMeter(t, svc.MeterProvider().Meter("lib"))
		assert.Len(t, logs.LinesContaining("using a no-op Int64Counter instead", "panicked"), 1,
			"logged: %v", logs.Lines())
	})
	for name, fn := range map[string]func() metric.MeterProvider{
		"panics":      func() metric.MeterProvider { panic("no provider") },
		"returns nil": func() metric.MeterProvider { return nil },
	} {
		t.Run("Should give a working no-op provider when the backend's MeterProvider "+name, func(t *testing.T) {
			t.Parallel()
			fb := newFakeBackend(t)
			fb.providerFn = fn
			logger, logs := newLogger()
			var svc *service.MonitoringService
			require.NotPanics(t, func() { svc = service.New(fb, service.WithLogger(logger)) })

			require.NotNil(t, svc.MeterProvider())
			assertNoopMeter(t, svc.MeterProvider().Meter("lib"))
			assert.Len(t, logs.LinesContaining("using a no-op backend meter provider instead"), 1, "logged: %v", logs.Lines())
			// The service's own meter is unaffected.
			c, err := svc.Meter().Int64Counter("test.own")
			require.NoError(t, err)
			c.Add(t.Context(), 1)
			_, ok := findMetric(fb.collect(t), "test.own")
			assert.True(t, ok)
		})
	}
}

// assertNoopMeter checks that every constructor of m returns a no-op
// instrument without error, and that recording on them does not panic.
func assertNoopMeter(t *testing.T, m metric.Meter) {
	const name = "test.x"
	t.Helper()
	require.NotNil(t, m)
	for _, tc := range kindCases() {
		var (
			inst any
			err  error
		)
		require.NotPanics(t, func() { inst, err = tc.create(m, name) }, tc.kind)
		require.NoError(t, err, tc.kind)
		assert.IsType(t, tc.noopType, inst, tc.kind)
		assert.NotPanics(t, func() { tc.use(context.Background(), inst) }, tc.kind)
	}
}

func quote(s string) string { return `"` + s + `"` }

// quoteIfEmpty renders a value as slog's text handler does for the names
// used here.
func quoteIfEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
