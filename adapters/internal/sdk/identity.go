package sdk

import (
	"fmt"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/internal/identity"
)

// WithIdentities wraps p so that every instrument its meters create first
// claims its exported name on ids, the table the fast instruments of the
// same backend claim theirs on: a name whose exported form another
// instrument owns, or a redeclaration that changes the numbers, is
// refused with an error and a no-op instrument. Instruments without a
// description get [identity.Help]. views are the provider's, applied to
// find the name a stream is exported under. Only creation is checked: the
// instruments handed out are the SDK's own.
func WithIdentities(p metric.MeterProvider, ids *identity.Table, views []sdkmetric.View) metric.MeterProvider {
	return identityProvider{MeterProvider: p, ids: ids, views: views}
}

type identityProvider struct {
	metric.MeterProvider
	ids   *identity.Table
	views []sdkmetric.View
}

// Meter returns the named meter, whose instruments claim their identity.
func (p identityProvider) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	cfg := metric.NewMeterConfig(opts...)
	scope := instrumentation.Scope{Name: name, Version: cfg.InstrumentationVersion(), SchemaURL: cfg.SchemaURL()}
	path := fmt.Sprintf("meter %q", name)
	if scope.Version != "" {
		path = fmt.Sprintf("meter %q version %q", name, scope.Version)
	}
	return identityMeter{Meter: p.MeterProvider.Meter(name, opts...), p: p, scope: scope, path: path}
}

type identityMeter struct {
	metric.Meter
	p     identityProvider
	scope instrumentation.Scope
	path  string
}

// spec is what an instrument constructor was given.
type spec struct {
	name, description, unit string
	kind                    identity.Kind
	variant                 string
	sdkKind                 sdkmetric.InstrumentKind
	buckets                 []float64
}

// claim claims s on the table under the name, description and buckets the
// provider's views give its stream.
func (m identityMeter) claim(s spec) error {
	inst := identity.Instrument{
		Path: m.path, Name: s.name, Description: s.description, Unit: s.unit,
		Kind: s.kind, Variant: s.variant, Buckets: s.buckets,
	}
	for _, view := range m.p.views {
		stream, ok := view(sdkmetric.Instrument{
			Name: s.name, Description: s.description, Kind: s.sdkKind, Unit: s.unit, Scope: m.scope,
		})
		if !ok {
			continue
		}
		if stream.Name != "" {
			inst.Name = stream.Name
		}
		if stream.Description != "" {
			inst.Description = stream.Description
		}
		if h, ok := stream.Aggregation.(sdkmetric.AggregationExplicitBucketHistogram); ok {
			inst.Buckets = h.Boundaries
		}
		break
	}
	return m.p.ids.Claim(inst)
}

// create claims s and creates the instrument with a help text when it has
// none; a refused instrument is the no-op meter's, with the reason.
func create[I, O any](m identityMeter, s spec, opts []O, build func(metric.Meter, []O) (I, error)) (I, error) {
	if err := m.claim(s); err != nil {
		inst, _ := build(noop.Meter{}, opts)
		return inst, fmt.Errorf("%s %q refused, it records nothing: %w", s.kind, s.name, err)
	}
	if s.description == "" {
		if o, ok := any(metric.WithDescription(identity.Help(s.kind, s.unit))).(O); ok {
			opts = append(opts, o)
		}
	}
	return build(m.Meter, opts)
}

// histogramBuckets are the bounds a histogram gets: its own, or the
// defaults of its unit (second-scale for float histograms in seconds).
func histogramBuckets(bounds []float64, unit string, float bool) []float64 {
	if bounds != nil {
		return bounds
	}
	if float {
		return fast.DefaultBuckets(unit)
	}
	return fast.DefaultBuckets("")
}

// Int64Counter creates a counter after claiming its identity.
func (m identityMeter) Int64Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	c := metric.NewInt64CounterConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.Counter, "integer", sdkmetric.InstrumentKindCounter, nil}
	return create(m, s, opts, func(mt metric.Meter, o []metric.Int64CounterOption) (metric.Int64Counter, error) {
		return mt.Int64Counter(name, o...)
	})
}

// Float64Counter creates a counter after claiming its identity.
func (m identityMeter) Float64Counter(name string, opts ...metric.Float64CounterOption) (metric.Float64Counter, error) {
	c := metric.NewFloat64CounterConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.Counter, "float", sdkmetric.InstrumentKindCounter, nil}
	return create(m, s, opts, func(mt metric.Meter, o []metric.Float64CounterOption) (metric.Float64Counter, error) {
		return mt.Float64Counter(name, o...)
	})
}

// Int64UpDownCounter creates an up-down counter after claiming its identity.
func (m identityMeter) Int64UpDownCounter(
	name string, opts ...metric.Int64UpDownCounterOption,
) (metric.Int64UpDownCounter, error) {
	c := metric.NewInt64UpDownCounterConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.UpDownCounter, "integer", sdkmetric.InstrumentKindUpDownCounter, nil}
	return create(m, s, opts, func(mt metric.Meter, o []metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
		return mt.Int64UpDownCounter(name, o...)
	})
}

// Float64UpDownCounter creates an up-down counter after claiming its
// identity.
func (m identityMeter) Float64UpDownCounter(
	name string, opts ...metric.Float64UpDownCounterOption,
) (metric.Float64UpDownCounter, error) {
	c := metric.NewFloat64UpDownCounterConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.UpDownCounter, "float", sdkmetric.InstrumentKindUpDownCounter, nil}
	return create(m, s, opts,
		func(mt metric.Meter, o []metric.Float64UpDownCounterOption) (metric.Float64UpDownCounter, error) {
			return mt.Float64UpDownCounter(name, o...)
		})
}

// Int64Histogram creates a histogram after claiming its identity.
func (m identityMeter) Int64Histogram(name string, opts ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	c := metric.NewInt64HistogramConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.Histogram, "integer", sdkmetric.InstrumentKindHistogram,
		histogramBuckets(c.ExplicitBucketBoundaries(), c.Unit(), false)}
	return create(m, s, opts, func(mt metric.Meter, o []metric.Int64HistogramOption) (metric.Int64Histogram, error) {
		return mt.Int64Histogram(name, o...)
	})
}

// Float64Histogram creates a histogram after claiming its identity.
func (m identityMeter) Float64Histogram(
	name string, opts ...metric.Float64HistogramOption,
) (metric.Float64Histogram, error) {
	c := metric.NewFloat64HistogramConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.Histogram, "float", sdkmetric.InstrumentKindHistogram,
		histogramBuckets(c.ExplicitBucketBoundaries(), c.Unit(), true)}
	return create(m, s, opts, func(mt metric.Meter, o []metric.Float64HistogramOption) (metric.Float64Histogram, error) {
		return mt.Float64Histogram(name, o...)
	})
}

// Int64Gauge creates a gauge after claiming its identity.
func (m identityMeter) Int64Gauge(name string, opts ...metric.Int64GaugeOption) (metric.Int64Gauge, error) {
	c := metric.NewInt64GaugeConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.Gauge, "integer", sdkmetric.InstrumentKindGauge, nil}
	return create(m, s, opts, func(mt metric.Meter, o []metric.Int64GaugeOption) (metric.Int64Gauge, error) {
		return mt.Int64Gauge(name, o...)
	})
}

// Float64Gauge creates a gauge after claiming its identity.
func (m identityMeter) Float64Gauge(name string, opts ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	c := metric.NewFloat64GaugeConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.Gauge, "float", sdkmetric.InstrumentKindGauge, nil}
	return create(m, s, opts, func(mt metric.Meter, o []metric.Float64GaugeOption) (metric.Float64Gauge, error) {
		return mt.Float64Gauge(name, o...)
	})
}

// Int64ObservableCounter creates an observable counter after claiming its
// identity.
func (m identityMeter) Int64ObservableCounter(
	name string, opts ...metric.Int64ObservableCounterOption,
) (metric.Int64ObservableCounter, error) {
	c := metric.NewInt64ObservableCounterConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.Counter, "observable integer",
		sdkmetric.InstrumentKindObservableCounter, nil}
	return create(m, s, opts,
		func(mt metric.Meter, o []metric.Int64ObservableCounterOption) (metric.Int64ObservableCounter, error) {
			return mt.Int64ObservableCounter(name, o...)
		})
}

// Float64ObservableCounter creates an observable counter after claiming
// its identity.
func (m identityMeter) Float64ObservableCounter(
	name string, opts ...metric.Float64ObservableCounterOption,
) (metric.Float64ObservableCounter, error) {
	c := metric.NewFloat64ObservableCounterConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.Counter, "observable float",
		sdkmetric.InstrumentKindObservableCounter, nil}
	return create(m, s, opts,
		func(mt metric.Meter, o []metric.Float64ObservableCounterOption) (metric.Float64ObservableCounter, error) {
			return mt.Float64ObservableCounter(name, o...)
		})
}

// Int64ObservableUpDownCounter creates an observable up-down counter after
// claiming its identity.
func (m identityMeter) Int64ObservableUpDownCounter(
	name string, opts ...metric.Int64ObservableUpDownCounterOption,
) (metric.Int64ObservableUpDownCounter, error) {
	c := metric.NewInt64ObservableUpDownCounterConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.UpDownCounter, "observable integer",
		sdkmetric.InstrumentKindObservableUpDownCounter, nil}
	return create(m, s, opts,
		func(mt metric.Meter, o []metric.Int64ObservableUpDownCounterOption) (metric.Int64ObservableUpDownCounter, error) {
			return mt.Int64ObservableUpDownCounter(name, o...)
		})
}

// Float64ObservableUpDownCounter creates an observable up-down counter
// after claiming its identity.
func (m identityMeter) Float64ObservableUpDownCounter(
	name string, opts ...metric.Float64ObservableUpDownCounterOption,
) (metric.Float64ObservableUpDownCounter, error) {
	c := metric.NewFloat64ObservableUpDownCounterConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.UpDownCounter, "observable float",
		sdkmetric.InstrumentKindObservableUpDownCounter, nil}
	return create(m, s, opts,
		func(mt metric.Meter, o []metric.Float64ObservableUpDownCounterOption) (metric.Float64ObservableUpDownCounter, error) {
			return mt.Float64ObservableUpDownCounter(name, o...)
		})
}

// Int64ObservableGauge creates an observable gauge after claiming its
// identity.
func (m identityMeter) Int64ObservableGauge(
	name string, opts ...metric.Int64ObservableGaugeOption,
) (metric.Int64ObservableGauge, error) {
	c := metric.NewInt64ObservableGaugeConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.Gauge, "observable integer",
		sdkmetric.InstrumentKindObservableGauge, nil}
	return create(m, s, opts,
		func(mt metric.Meter, o []metric.Int64ObservableGaugeOption) (metric.Int64ObservableGauge, error) {
			return mt.Int64ObservableGauge(name, o...)
		})
}

// Float64ObservableGauge creates an observable gauge after claiming its
// identity.
func (m identityMeter) Float64ObservableGauge(
	name string, opts ...metric.Float64ObservableGaugeOption,
) (metric.Float64ObservableGauge, error) {
	c := metric.NewFloat64ObservableGaugeConfig(opts...)
	s := spec{name, c.Description(), c.Unit(), identity.Gauge, "observable float",
		sdkmetric.InstrumentKindObservableGauge, nil}
	return create(m, s, opts,
		func(mt metric.Meter, o []metric.Float64ObservableGaugeOption) (metric.Float64ObservableGauge, error) {
			return mt.Float64ObservableGauge(name, o...)
		})
}

// NewIdentities returns the identity table of a backend with settings s:
// names are judged as the Prometheus exporter writes them, with s's
// namespace, whatever the backend, so that switching backends never
// changes which instruments are refused. A namespace the exporter cannot
// use falls back to none here; the Prometheus adapter refuses it anyway.
func NewIdentities(s Settings) *identity.Table {
	namer, err := identity.NewNamer(s.Namespace, identity.Strategy())
	if err != nil {
		namer = identity.DefaultNamer()
	}
	return identity.NewTable(namer)
}
