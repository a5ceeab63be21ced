package fast

import (
	"context"
	"math"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// MeterProvider returns an OpenTelemetry MeterProvider whose synchronous
// instruments (counters, up-down counters, histograms and gauges, integer
// and float) record on r's lock-free aggregation, keyed by their attribute
// set, and are exported by r's producer on every reader, in the reader's
// temporality, one metricdata.ScopeMetrics per meter scope, with r's
// cardinality limit and overflow series: what the OpenTelemetry SDK would
// export for them.
//
// The instruments the fast path leaves to sdk, the MeterProvider of the
// same readers, are: every asynchronous (observable) instrument and its
// callbacks; an instrument one of views matches (a view reshapes what the
// SDK exports); one with an invalid name or invalid bucket boundaries (the
// SDK reports the error and exports it its own way); and one created with
// an attribute filter advice. A meter's RegisterCallback is sdk's.
//
// Identity rules, help texts and default buckets are the business of the
// wrappers around it, as they are around the SDK's provider.
func (r *Registry) MeterProvider(sdk metric.MeterProvider, views []sdkmetric.View) metric.MeterProvider {
	return &meterProvider{r: r, sdk: sdk, views: views}
}

type meterProvider struct {
	embedded.MeterProvider

	r     *Registry
	sdk   metric.MeterProvider
	views []sdkmetric.View
}

// Meter returns the meter of the scope name and opts describe; the same
// scope always gets the same instruments, as in the SDK.
func (p *meterProvider) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	cfg := metric.NewMeterConfig(opts...)
	scope := instrumentation.Scope{
		Name: name, Version: cfg.InstrumentationVersion(), SchemaURL: cfg.SchemaURL(),
		Attributes: cfg.InstrumentationAttributes(),
	}
	return &meter{Meter: p.sdk.Meter(name, opts...), p: p, scope: p.r.meters.scope(scope)}
}

// meterScopes are the scopes of every meter handed out, in creation order.
type meterScopes struct {
	mu    sync.Mutex
	list  []*meterScope
	byKey map[scopeKey]*meterScope
}

type scopeKey struct {
	name, version, schema string
	attrs                 attribute.Distinct
}

// meterScope is one scope's instruments.
type meterScope struct {
	scope instrumentation.Scope

	mu    sync.Mutex
	insts map[instKey]any
	order []meterCollector
}

// instKey identifies an instrument in its scope as the SDK does.
type instKey struct {
	name, description, unit string
	kind                    sdkmetric.InstrumentKind
	float                   bool
}

func (s *meterScopes) scope(scope instrumentation.Scope) *meterScope {
	k := scopeKey{scope.Name, scope.Version, scope.SchemaURL, scope.Attributes.Equivalent()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.byKey[k]; ok {
		return sc
	}
	if s.byKey == nil {
		s.byKey = map[scopeKey]*meterScope{}
	}
	sc := &meterScope{scope: scope, insts: map[instKey]any{}}
	s.byKey[k] = sc
	s.list = append(s.list, sc)
	return sc
}

func (s *meterScopes) scopes() []*meterScope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list[:len(s.list):len(s.list)]
}

// meter creates instruments on the fast path, or on the SDK's meter of the
// same scope (which it embeds, observable instruments and RegisterCallback
// included) for those the SDK must handle.
type meter struct {
	metric.Meter

	p     *meterProvider
	scope *meterScope
}

// sdkOnly reports whether the instrument is left to the SDK: see
// [Registry.MeterProvider].
func (m *meter) sdkOnly(key instKey, opts []any, bounds []float64) bool {
	if !validInstrumentName(key.name) || filtersAttributes(opts) {
		return true
	}
	for i, b := range bounds {
		if math.IsNaN(b) || math.IsInf(b, 0) || (i > 0 && b <= bounds[i-1]) {
			return true
		}
	}
	for _, view := range m.p.views {
		if _, ok := view(sdkmetric.Instrument{
			Name: key.name, Description: key.description, Kind: key.kind, Unit: key.unit, Scope: m.scope.scope,
		}); ok {
			return true
		}
	}
	return false
}

// filtersAttributes reports whether an option advises an attribute filter
// (the SDK's AllowedKeys advice), which the fast path does not apply.
func filtersAttributes(opts []any) bool {
	for _, o := range opts {
		if _, ok := o.(interface{ AllowedKeys() []attribute.Key }); ok {
			return true
		}
	}
	return false
}

// validInstrumentName applies the SDK's rule for instrument names: 1 to
// 255 characters, an ASCII letter first, then ASCII letters, digits and
// "_.-/".
func validInstrumentName(name string) bool {
	if name == "" || len(name) > 255 {
		return false
	}
	for i, c := range name {
		letter := ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		if i == 0 && !letter {
			return false
		}
		if !letter && (c < '0' || c > '9') && c != '_' && c != '.' && c != '-' && c != '/' {
			return false
		}
	}
	return true
}

func anys[O any](opts []O) []any {
	out := make([]any, len(opts))
	for i, o := range opts {
		out[i] = o
	}
	return out
}

// lookup returns the scope's instrument of key, built once.
func lookup[I any](sc *meterScope, key instKey, build func() (I, meterCollector)) I {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if prev, ok := sc.insts[key]; ok {
		if i, ok := prev.(I); ok {
			return i
		}
	}
	inst, c := build()
	sc.insts[key] = inst
	sc.order = append(sc.order, c)
	return inst
}

func initSums(x *setIndex[sumValue], r *Registry) *setIndex[sumValue] {
	var init func(*sumValue)
	if r.spreadAll {
		init = (*sumValue).spreadNow
	}
	x.initIndex(r.limit, r.now, init)
	return x
}

func initGauges(x *setIndex[gaugeValue], r *Registry) *setIndex[gaugeValue] {
	x.initIndex(r.limit, r.now, nil)
	return x
}

func initHistograms(x *setIndex[histogramValue], r *Registry, bounds []float64) *setIndex[histogramValue] {
	init := initHistogram(bounds, !r.noExemplars)
	x.initIndex(r.limit, r.now, func(v *histogramValue) { init(&v.h) })
	return x
}

// histogramBounds are the boundaries a histogram gets: the caller's, or
// the SDK's defaults.
func histogramBounds(bounds []float64) []float64 {
	if len(bounds) == 0 { // an empty list is none given, as in the SDK
		return DefaultBuckets("")
	}
	return append([]float64(nil), bounds...)
}

// Int64Counter returns a counter on the fast path.
func (m *meter) Int64Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	c := metric.NewInt64CounterConfig(opts...)
	key := instKey{name, c.Description(), c.Unit(), sdkmetric.InstrumentKindCounter, false}
	if m.sdkOnly(key, anys(opts), nil) {
		return m.Meter.Int64Counter(name, opts...) //nolint:wrapcheck // the SDK's own answer.
	}
	return lookup(m.scope, key, func() (metric.Int64Counter, meterCollector) {
		i := new(int64Counter)
		x := initSums(&i.setIndex, m.p.r)
		return i, sumCollector[int64]{key: key, x: x, monotonic: true}
	}), nil
}

// Float64Counter returns a counter on the fast path.
func (m *meter) Float64Counter(name string, opts ...metric.Float64CounterOption) (metric.Float64Counter, error) {
	c := metric.NewFloat64CounterConfig(opts...)
	key := instKey{name, c.Description(), c.Unit(), sdkmetric.InstrumentKindCounter, true}
	if m.sdkOnly(key, anys(opts), nil) {
		return m.Meter.Float64Counter(name, opts...) //nolint:wrapcheck // the SDK's own answer.
	}
	return lookup(m.scope, key, func() (metric.Float64Counter, meterCollector) {
		i := new(float64Counter)
		x := initSums(&i.setIndex, m.p.r)
		return i, sumCollector[float64]{key: key, x: x, monotonic: true}
	}), nil
}

// Int64UpDownCounter returns an up-down counter on the fast path.
func (m *meter) Int64UpDownCounter(
	name string, opts ...metric.Int64UpDownCounterOption,
) (metric.Int64UpDownCounter, error) {
	c := metric.NewInt64UpDownCounterConfig(opts...)
	key := instKey{name, c.Description(), c.Unit(), sdkmetric.InstrumentKindUpDownCounter, false}
	if m.sdkOnly(key, anys(opts), nil) {
		return m.Meter.Int64UpDownCounter(name, opts...) //nolint:wrapcheck // the SDK's own answer.
	}
	return lookup(m.scope, key, func() (metric.Int64UpDownCounter, meterCollector) {
		i := new(int64UpDown)
		x := initSums(&i.setIndex, m.p.r)
		return i, sumCollector[int64]{key: key, x: x}
	}), nil
}

// Float64UpDownCounter returns an up-down counter on the fast path.
func (m *meter) Float64UpDownCounter(
	name string, opts ...metric.Float64UpDownCounterOption,
) (metric.Float64UpDownCounter, error) {
	c := metric.NewFloat64UpDownCounterConfig(opts...)
	key := instKey{name, c.Description(), c.Unit(), sdkmetric.InstrumentKindUpDownCounter, true}
	if m.sdkOnly(key, anys(opts), nil) {
		return m.Meter.Float64UpDownCounter(name, opts...) //nolint:wrapcheck // the SDK's own answer.
	}
	return lookup(m.scope, key, func() (metric.Float64UpDownCounter, meterCollector) {
		i := new(float64UpDown)
		x := initSums(&i.setIndex, m.p.r)
		return i, sumCollector[float64]{key: key, x: x}
	}), nil
}

// Int64Histogram returns a histogram on the fast path.
func (m *meter) Int64Histogram(name string, opts ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	c := metric.NewInt64HistogramConfig(opts...)
	key := instKey{name, c.Description(), c.Unit(), sdkmetric.InstrumentKindHistogram, false}
	if m.sdkOnly(key, anys(opts), c.ExplicitBucketBoundaries()) {
		return m.Meter.Int64Histogram(name, opts...) //nolint:wrapcheck // the SDK's own answer.
	}
	return lookup(m.scope, key, func() (metric.Int64Histogram, meterCollector) {
		bounds := histogramBounds(c.ExplicitBucketBoundaries())
		i := new(int64Histogram)
		x := initHistograms(&i.setIndex, m.p.r, bounds)
		return i, histogramCollector[int64]{key: key, x: x, bounds: bounds}
	}), nil
}

// Float64Histogram returns a histogram on the fast path.
func (m *meter) Float64Histogram(
	name string, opts ...metric.Float64HistogramOption,
) (metric.Float64Histogram, error) {
	c := metric.NewFloat64HistogramConfig(opts...)
	key := instKey{name, c.Description(), c.Unit(), sdkmetric.InstrumentKindHistogram, true}
	if m.sdkOnly(key, anys(opts), c.ExplicitBucketBoundaries()) {
		return m.Meter.Float64Histogram(name, opts...) //nolint:wrapcheck // the SDK's own answer.
	}
	return lookup(m.scope, key, func() (metric.Float64Histogram, meterCollector) {
		bounds := histogramBounds(c.ExplicitBucketBoundaries())
		i := new(float64Histogram)
		x := initHistograms(&i.setIndex, m.p.r, bounds)
		return i, histogramCollector[float64]{key: key, x: x, bounds: bounds}
	}), nil
}

// Int64Gauge returns a gauge on the fast path.
func (m *meter) Int64Gauge(name string, opts ...metric.Int64GaugeOption) (metric.Int64Gauge, error) {
	c := metric.NewInt64GaugeConfig(opts...)
	key := instKey{name, c.Description(), c.Unit(), sdkmetric.InstrumentKindGauge, false}
	if m.sdkOnly(key, anys(opts), nil) {
		return m.Meter.Int64Gauge(name, opts...) //nolint:wrapcheck // the SDK's own answer.
	}
	return lookup(m.scope, key, func() (metric.Int64Gauge, meterCollector) {
		i := new(int64Gauge)
		x := initGauges(&i.setIndex, m.p.r)
		return i, gaugeCollector[int64]{key: key, x: x}
	}), nil
}

// Float64Gauge returns a gauge on the fast path.
func (m *meter) Float64Gauge(name string, opts ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	c := metric.NewFloat64GaugeConfig(opts...)
	key := instKey{name, c.Description(), c.Unit(), sdkmetric.InstrumentKindGauge, true}
	if m.sdkOnly(key, anys(opts), nil) {
		return m.Meter.Float64Gauge(name, opts...) //nolint:wrapcheck // the SDK's own answer.
	}
	return lookup(m.scope, key, func() (metric.Float64Gauge, meterCollector) {
		i := new(float64Gauge)
		x := initGauges(&i.setIndex, m.p.r)
		return i, gaugeCollector[float64]{key: key, x: x}
	}), nil
}

// The instruments. Each looks its series up by the attribute set the
// options carry (metric.WithAttributeSet, metric.WithAttributes) and
// records there; they are always enabled.

type int64Counter struct {
	embedded.Int64Counter
	setIndex[sumValue]
}

func (c *int64Counter) Add(_ context.Context, v int64, opts ...metric.AddOption) {
	addSumTo(&c.setIndex, v, opts, true)
}

func (*int64Counter) Enabled(context.Context) bool { return true }

type float64Counter struct {
	embedded.Float64Counter
	setIndex[sumValue]
}

func (c *float64Counter) Add(_ context.Context, v float64, opts ...metric.AddOption) {
	addSumTo(&c.setIndex, v, opts, true)
}

func (*float64Counter) Enabled(context.Context) bool { return true }

type int64UpDown struct {
	embedded.Int64UpDownCounter
	setIndex[sumValue]
}

func (c *int64UpDown) Add(_ context.Context, v int64, opts ...metric.AddOption) {
	addSumTo(&c.setIndex, v, opts, false)
}

func (*int64UpDown) Enabled(context.Context) bool { return true }

type float64UpDown struct {
	embedded.Float64UpDownCounter
	setIndex[sumValue]
}

func (c *float64UpDown) Add(_ context.Context, v float64, opts ...metric.AddOption) {
	addSumTo(&c.setIndex, v, opts, false)
}

func (*float64UpDown) Enabled(context.Context) bool { return true }

type int64Histogram struct {
	embedded.Int64Histogram
	setIndex[histogramValue]
}

func (h *int64Histogram) Record(ctx context.Context, v int64, opts ...metric.RecordOption) {
	recordTo(&h.setIndex, opts).recordInt(ctx, v)
}

func (*int64Histogram) Enabled(context.Context) bool { return true }

type float64Histogram struct {
	embedded.Float64Histogram
	setIndex[histogramValue]
}

func (h *float64Histogram) Record(ctx context.Context, v float64, opts ...metric.RecordOption) {
	recordTo(&h.setIndex, opts).record(ctx, v)
}

func (*float64Histogram) Enabled(context.Context) bool { return true }

type int64Gauge struct {
	embedded.Int64Gauge
	setIndex[gaugeValue]
}

func (g *int64Gauge) Record(_ context.Context, v int64, opts ...metric.RecordOption) {
	setGauge(recordTo(&g.setIndex, opts), v)
}

func (*int64Gauge) Enabled(context.Context) bool { return true }

type float64Gauge struct {
	embedded.Float64Gauge
	setIndex[gaugeValue]
}

func (g *float64Gauge) Record(_ context.Context, v float64, opts ...metric.RecordOption) {
	setGauge(recordTo(&g.setIndex, opts), v)
}

func (*float64Gauge) Enabled(context.Context) bool { return true }
