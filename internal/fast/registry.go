package fast

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/internal/buckets"
	"github.com/compozy/monitoring/internal/identity"
	"github.com/compozy/monitoring/port"
)

// ScopeName is the instrumentation scope of the fast instruments.
const ScopeName = "github.com/compozy/monitoring/fast"

// DefaultLimit is the series one instrument keeps before the rest fold into
// the overflow series, as in the OpenTelemetry SDK.
const DefaultLimit = 2000

// Registry creates fast instruments and produces their data. It implements
// [port.Instruments] and the SDK's metric.Producer.
type Registry struct {
	limit int
	// noExemplars turns the histograms' exemplars off.
	noExemplars bool
	onError     func(error)
	now         func() time.Time
	ids         *identity.Table

	mu       sync.Mutex
	families []collector
	byName   map[string]any // the vec of each name declared

	meters meterScopes // the scopes of MeterProvider's meters

	spreadAll bool // every sum of the meter spread from its creation (tests)
}

// collector is a family seen from the producer.
type collector interface {
	collect(now time.Time) (metricdata.Metrics, bool)
}

var (
	_ port.Instruments   = (*Registry)(nil)
	_ sdkmetric.Producer = (*Registry)(nil)
)

// Option configures a Registry.
type Option func(*Registry)

// WithLimit sets the series kept per instrument; zero or less keeps all.
func WithLimit(limit int) Option { return func(r *Registry) { r.limit = limit } }

// WithExemplars turns the exemplars of the histograms on (the default) or
// off: on, RecordContext keeps the latest measurement made in a sampled
// span for each bucket; off, it keeps none and costs what Record costs.
func WithExemplars(on bool) Option { return func(r *Registry) { r.noExemplars = !on } }

// WithErrorHandler receives the instruments that could not be created.
func WithErrorHandler(f func(error)) Option { return func(r *Registry) { r.onError = f } }

// WithIdentities makes the registry claim every instrument on t, the
// identity table its backend shares with its meter, so that one exported
// name has one owner across both recording paths. Without it the registry
// keeps a table of its own.
func WithIdentities(t *identity.Table) Option {
	return func(r *Registry) {
		if t != nil {
			r.ids = t
		}
	}
}

// New returns an empty registry.
func New(opts ...Option) *Registry {
	r := &Registry{limit: DefaultLimit, onError: func(error) {}, now: time.Now, byName: map[string]any{}}
	for _, opt := range opts {
		opt(r)
	}
	if r.ids == nil {
		r.ids = identity.NewTable(identity.DefaultNamer())
	}
	return r
}

// register validates d, claims its identity and returns the vec already
// registered under its name (an identical declaration), a new one made by
// build, or false after reporting why d is refused: a declaration that
// differs from the first in anything that changes the numbers, a name
// whose exported form another instrument owns, or a key the exposition
// cannot carry.
func register[V any](r *Registry, kind identity.Kind, d port.Desc, build func(port.Desc) (V, collector)) (V, bool) {
	var zero V
	if err := Validate(d); err != nil {
		r.onError(fmt.Errorf("fast %s %q: %w", kind, d.Name, err))
		return zero, false
	}
	d.Keys, d.IntKeys, d.Buckets = slices.Clone(d.Keys), slices.Clone(d.IntKeys), slices.Clone(d.Buckets)
	if d.Keys == nil {
		d.Keys = []string{} // declared, with no key
	}
	intKeys := slices.Sorted(slices.Values(d.IntKeys))
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.ids.Claim(identity.Instrument{
		Path: identity.FastPath, Name: d.Name, Description: d.Description, Unit: d.Unit, Kind: kind,
		Keys: d.Keys, IntKeys: intKeys, Buckets: d.Buckets,
	}); err != nil {
		r.onError(fmt.Errorf("fast %s %q refused, it records nothing: %w", kind, d.Name, err))
		return zero, false
	}
	if prev, ok := r.byName[d.Name]; ok {
		return prev.(V), true
	}
	if d.Description == "" {
		d.Description = identity.Help(kind, d.Unit)
	}
	vec, c := build(d)
	r.byName[d.Name] = vec
	r.families = append(r.families, c)
	return vec, true
}

// CounterVec returns the monotonic counter d declares.
func (r *Registry) CounterVec(d port.Desc) port.CounterVec {
	v, ok := register(r, identity.Counter, d, func(d port.Desc) (counterVec, collector) {
		f := newFamily[counter](d, r.limit, r.now(), nil)
		return counterVec{f}, sumFamily[counter]{f: f, value: (*counter).value, monotonic: true}
	})
	if !ok {
		return port.NoopInstruments{}.CounterVec(d)
	}
	return v
}

// UpDownCounterVec returns the up-down counter d declares.
func (r *Registry) UpDownCounterVec(d port.Desc) port.UpDownCounterVec {
	v, ok := register(r, identity.UpDownCounter, d, func(d port.Desc) (upDownVec, collector) {
		f := newFamily[upDown](d, r.limit, r.now(), nil)
		return upDownVec{f}, sumFamily[upDown]{f: f, value: (*upDown).value}
	})
	if !ok {
		return port.NoopInstruments{}.UpDownCounterVec(d)
	}
	return v
}

// GaugeVec returns the gauge d declares.
func (r *Registry) GaugeVec(d port.Desc) port.GaugeVec {
	v, ok := register(r, identity.Gauge, d, func(d port.Desc) (gaugeVec, collector) {
		f := newFamily[gauge](d, r.limit, r.now(), nil)
		return gaugeVec{f}, gaugeFamily{f}
	})
	if !ok {
		return port.NoopInstruments{}.GaugeVec(d)
	}
	return v
}

// HistogramVec returns the histogram d declares. Without buckets, a
// histogram in seconds gets second-scale ones and any other the SDK's
// defaults.
func (r *Registry) HistogramVec(d port.Desc) port.HistogramVec {
	if len(d.Buckets) == 0 {
		d.Buckets = DefaultBuckets(d.Unit)
	}
	v, ok := register(r, identity.Histogram, d, func(d port.Desc) (histogramVec, collector) {
		bounds := slices.Clone(d.Buckets)
		f := newFamily[histogram](d, r.limit, r.now(), initHistogram(bounds, !r.noExemplars))
		return histogramVec{f}, histogramFamily{f}
	})
	if !ok {
		return port.NoopInstruments{}.HistogramVec(d)
	}
	return v
}

// DefaultBuckets are the boundaries of a histogram declared without any:
// second-scale for unit "s", the OpenTelemetry SDK's defaults otherwise.
func DefaultBuckets(unit string) []float64 { return buckets.Default(unit) }

// Validate reports what makes d unusable: an invalid name, too many or
// repeated keys, or buckets that are not finite and increasing. Which keys
// the exposition can carry is the identity table's rule
// ([identity.Namer.CheckKeys]), checked when the instrument is claimed.
func Validate(d port.Desc) error {
	if err := port.ValidateName(d.Name); err != nil {
		return err
	}
	if len(d.Keys) > port.MaxKeys {
		return fmt.Errorf("%d keys: at most %d are allowed", len(d.Keys), port.MaxKeys)
	}
	for i, k := range d.Keys {
		if slices.Contains(d.Keys[:i], k) {
			return fmt.Errorf("the key %q is repeated", k)
		}
	}
	for _, k := range d.IntKeys {
		if !slices.Contains(d.Keys, k) {
			return fmt.Errorf("the integer key %q is not one of the keys %v", k, d.Keys)
		}
	}
	for i, b := range d.Buckets {
		if math.IsNaN(b) || math.IsInf(b, 0) || (i > 0 && b <= d.Buckets[i-1]) {
			return fmt.Errorf("buckets %v: must be finite and strictly increasing", d.Buckets)
		}
	}
	return nil
}

// Produce returns what every instrument holds now, cumulative since its
// creation, for an SDK reader (sdkmetric.WithProducer,
// prometheus.WithProducer): the fast instruments' scope, then a scope per
// meter of [Registry.MeterProvider].
func (r *Registry) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	return append(r.produceFast(), r.meters.produce(r.now(), nil)...), nil
}

// produceFast returns what the fast instruments hold, cumulative.
func (r *Registry) produceFast() []metricdata.ScopeMetrics {
	r.mu.Lock()
	families := slices.Clone(r.families)
	r.mu.Unlock()
	if len(families) == 0 {
		return nil
	}
	now := r.now()
	sm := metricdata.ScopeMetrics{Scope: instrumentation.Scope{Name: ScopeName}}
	for _, f := range families {
		if m, ok := f.collect(now); ok {
			sm.Metrics = append(sm.Metrics, m)
		}
	}
	return []metricdata.ScopeMetrics{sm}
}

// Identities returns the identity table the registry claims its
// instruments on, for the backend's meter to share.
func (r *Registry) Identities() *identity.Table { return r.ids }
