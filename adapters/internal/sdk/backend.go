package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/port"
)

// DefaultCardinalityLimit is the number of series one instrument keeps per
// collection before further attribute sets fold into the overflow series
// (otel_metric_overflow="true"). It is the SDK's own default.
const DefaultCardinalityLimit = 2000

// DefaultMeterName is the instrumentation scope of the meter that
// [port.Monitoring.Meter] returns when the caller names none.
const DefaultMeterName = "github.com/compozy/monitoring"

// Settings are the choices every SDK-based adapter offers.
type Settings struct {
	// ServiceName becomes the resource's service.name.
	ServiceName string
	// ServiceVersion, when set, becomes the resource's service.version.
	ServiceVersion string
	// InstanceID, when set, becomes the resource's service.instance.id.
	InstanceID string
	// ResourceAttributes are further attributes of the resource (those of
	// OTEL_RESOURCE_ATTRIBUTES); the three above win over them.
	ResourceAttributes []attribute.KeyValue
	// MeterName is the scope of the meter handed to business code.
	MeterName string
	// CardinalityLimit caps series per instrument; zero or less means none.
	CardinalityLimit int
	// Views rename or reshape streams for one backend's conventions.
	Views []sdkmetric.View
	// OnError receives the fast instruments that could not be created.
	OnError func(error)
	// Namespace prefixes exported names; instruments are judged by the
	// names the Prometheus exporter gives them with it.
	Namespace string
	// Meter is the recording path of Meter() and MeterProvider():
	// [MeterFast] (the default, also when empty) or [MeterSDK].
	Meter string
	// NoExemplars turns exemplars off on both recording paths: the fast
	// histograms keep none and the SDK's exemplar filter is AlwaysOff. By
	// default both keep the measurements made in a sampled span
	// (trace-based), whatever OTEL_METRICS_EXEMPLAR_FILTER says: the root
	// package reads that variable into the configuration.
	NoExemplars bool
}

// The recording paths of the meters a backend hands out.
const (
	// MeterFast records synchronous instruments on the fast instruments'
	// lock-free aggregation (see fast.Registry.MeterProvider); observable
	// instruments, and those a view matches, stay on the SDK.
	MeterFast = "fast"
	// MeterSDK records every instrument with the OpenTelemetry SDK itself,
	// for a feature only the SDK has.
	MeterSDK = "sdk"
)

// NewInstruments returns the fast-instrument registry of s: each backend's
// reader takes it (or its view, [fast.Registry.ForReader]) as a producer,
// then [Compose] serves it.
func NewInstruments(s Settings) *fast.Registry {
	opts := []fast.Option{
		fast.WithLimit(s.CardinalityLimit), fast.WithIdentities(NewIdentities(s)), fast.WithExemplars(!s.NoExemplars),
	}
	if s.OnError != nil {
		opts = append(opts, fast.WithErrorHandler(s.OnError))
	}
	return fast.New(opts...)
}

// ExemplarFilter is the SDK exemplar filter of s: the fast path's rule
// (a sampled span started in this process, [fast.SampledLocalSpan]: the
// SDK's trace-based filter, without remote span contexts a client could
// forge), or AlwaysOff when s turns exemplars off.
func ExemplarFilter(s Settings) exemplar.Filter {
	if s.NoExemplars {
		return exemplar.AlwaysOffFilter
	}
	return fast.SampledLocalSpan
}

// DefaultSettings returns the settings an adapter starts from.
func DefaultSettings() Settings {
	return Settings{
		ServiceName:      "unknown_service",
		MeterName:        DefaultMeterName,
		CardinalityLimit: DefaultCardinalityLimit,
	}
}

// Resource describes the service of s: its service.name, version and
// instance, the further attributes, and the SDK.
func Resource(ctx context.Context, s Settings) (*resource.Resource, error) {
	attrs := append([]attribute.KeyValue(nil), s.ResourceAttributes...)
	attrs = append(attrs, attribute.String("service.name", s.ServiceName))
	if s.ServiceVersion != "" {
		attrs = append(attrs, attribute.String("service.version", s.ServiceVersion))
	}
	if s.InstanceID != "" {
		attrs = append(attrs, attribute.String("service.instance.id", s.InstanceID))
	}
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithAttributes(attrs...))
	if err != nil {
		return nil, fmt.Errorf("building the resource: %w", err)
	}
	return res, nil
}

// Backend implements [port.Monitoring] over one SDK MeterProvider that
// every configured backend reads: each contributes its reader (a [Part]),
// and the fast registry is a producer on every reader, so a record is made
// once and exported everywhere.
type Backend struct {
	name     string
	sdk      *sdkmetric.MeterProvider
	provider metric.MeterProvider
	meter    metric.Meter
	fast     *fast.Registry
	handler  http.Handler
	parts    []Part

	once        sync.Once
	stopped     atomic.Bool
	shutdownErr error
}

var _ port.Monitoring = (*Backend)(nil)

// NewBackend builds the MeterProvider for one reader with res and the
// limits of s, and serves handler as the exposition endpoint: [Compose]
// with one part.
func NewBackend(
	name string,
	s Settings,
	res *resource.Resource,
	reader sdkmetric.Reader,
	instruments *fast.Registry,
	handler http.Handler,
) *Backend {
	return Compose(s, res, instruments, []Part{{Name: name, Reader: reader, Handler: handler}})
}

// Compose builds one MeterProvider with the reader of every part that
// started, with res and the limits and views of s (and of the parts). The
// parts that failed to start (Err set) are reported by Status; the others
// serve. The exposition endpoint is the first part's that has one.
func Compose(s Settings, res *resource.Resource, instruments *fast.Registry, parts []Part) *Backend {
	names := make([]string, 0, len(parts))
	opts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithCardinalityLimit(s.CardinalityLimit),
		sdkmetric.WithView(s.Views...),
		sdkmetric.WithExemplarFilter(ExemplarFilter(s)),
	}
	views := slices.Clone(s.Views)
	b := &Backend{fast: instruments, parts: make([]Part, len(parts))}
	for i, p := range parts {
		names = append(names, p.Name)
		if p.Err == nil && p.Reader != nil {
			p.Reader = &onceReader{Reader: p.Reader}
			opts = append(opts, sdkmetric.WithReader(p.Reader), sdkmetric.WithView(p.Views...))
			views = append(views, p.Views...)
		}
		if b.handler == nil && p.Handler != nil {
			b.handler = p.Handler
		}
		b.parts[i] = p
	}
	if b.handler == nil {
		b.handler = nothingToScrape(names)
	}
	b.name = strings.Join(names, ",")
	b.sdk = sdkmetric.NewMeterProvider(opts...)
	// Synchronous instruments record on the fast path unless the settings
	// ask for the SDK's. Every meter's instruments claim their exported
	// names on the table the fast instruments claim on, judged after the
	// views of every backend.
	var meters metric.MeterProvider = b.sdk
	if s.Meter != MeterSDK {
		meters = instruments.MeterProvider(b.sdk, views)
	}
	b.provider = WithIdentities(WithSecondsBuckets(meters), instruments.Identities(), views)
	b.meter = b.provider.Meter(s.MeterName)
	return b
}

// nothingToScrape answers 404: no configured backend serves a scrape
// endpoint.
func nothingToScrape(names []string) http.Handler {
	msg := "the " + strings.Join(names, ", ") + " backend pushes its metrics: there is nothing to scrape"
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, msg, http.StatusNotFound)
	})
}

// Instruments returns the fast instruments, exported through every
// reader's producer.
func (b *Backend) Instruments() port.Instruments { return b.fast }

// Meter returns the meter of the configured scope.
func (b *Backend) Meter() metric.Meter { return b.meter }

// MeterProvider returns the provider, with second-scale histogram defaults.
func (b *Backend) MeterProvider() metric.MeterProvider { return b.provider }

// Handler returns the exposition endpoint of the first backend that has
// one, or a 404 that says every backend pushes.
func (b *Backend) Handler() http.Handler { return b.handler }

// Status reports every backend: enabled while one of them records, healthy
// while all of them do, with each one's start error, last export error and
// last successful export.
func (b *Backend) Status() port.Status {
	stopped := b.stopped.Load()
	st := port.Status{Backend: b.name, Healthy: !stopped, Backends: make([]port.BackendStatus, len(b.parts))}
	var errs []error
	for i, p := range b.parts {
		bs := p.status()
		if stopped && bs.Err == nil {
			bs.Healthy, bs.Err = false, port.ErrShutdown
		}
		st.Backends[i] = bs
		if bs.Err != nil {
			st.Healthy = false
			errs = append(errs, fmt.Errorf("%s backend: %w", p.Name, bs.Err))
			continue
		}
		st.Enabled = true
	}
	switch {
	case stopped:
		st.Enabled, st.Err = false, port.ErrShutdown
	case !st.Enabled:
		// Nothing records: the reasons, so that /metrics answers 503.
		st.Err = errors.Join(errs...)
	}
	return st
}

// ForceFlush exports what was recorded through every push reader, in
// parallel, each within ctx. It does nothing once the backend is shut
// down.
func (b *Backend) ForceFlush(ctx context.Context) error {
	if b.stopped.Load() {
		return nil
	}
	return b.eachReader(func(p Part) error {
		f, ok := p.Reader.(*onceReader).Reader.(interface{ ForceFlush(context.Context) error })
		if !ok {
			return nil
		}
		if err := f.ForceFlush(ctx); err != nil {
			if p.Exporter != nil {
				err = p.Exporter.FlushError(err)
			}
			return fmt.Errorf("%s backend: flush: %w", p.Name, err)
		}
		return nil
	})
}

// Shutdown flushes and stops every reader once, in parallel, so that one
// backend that hangs until ctx ends does not keep the others from their
// final export; later calls return the first call's result.
func (b *Backend) Shutdown(ctx context.Context) error {
	b.once.Do(func() {
		b.stopped.Store(true)
		err := b.eachReader(func(p Part) error {
			if err := p.Reader.Shutdown(ctx); err != nil {
				return fmt.Errorf("%s backend: shutdown: %w", p.Name, err)
			}
			return nil
		})
		// The readers are down: this releases the provider and returns
		// their results again, which err already holds.
		_ = b.sdk.Shutdown(ctx)
		b.shutdownErr = err
	})
	return b.shutdownErr
}

// eachReader calls f for every running part at once and joins the errors.
func (b *Backend) eachReader(f func(Part) error) error {
	errs := make([]error, len(b.parts))
	var wg sync.WaitGroup
	for i, p := range b.parts {
		if p.Err != nil || p.Reader == nil {
			continue
		}
		wg.Go(func() { errs[i] = f(p) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// onceReader runs its reader's Shutdown once and returns that result to
// every later call, so that the backend can shut readers down in parallel
// before the provider's own, sequential, Shutdown reaches them.
type onceReader struct {
	sdkmetric.Reader

	once sync.Once
	err  error
}

// Shutdown shuts the reader down the first time and returns that result.
func (r *onceReader) Shutdown(ctx context.Context) error {
	r.once.Do(func() { r.err = r.Reader.Shutdown(ctx) })
	return r.err
}
