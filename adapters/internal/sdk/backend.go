package sdk

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
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
}

// NewInstruments returns the fast-instrument registry of s: the adapter
// hands it to its reader as a producer, then to [NewBackend].
func NewInstruments(s Settings) *fast.Registry {
	opts := []fast.Option{fast.WithLimit(s.CardinalityLimit), fast.WithIdentities(NewIdentities(s))}
	if s.OnError != nil {
		opts = append(opts, fast.WithErrorHandler(s.OnError))
	}
	return fast.New(opts...)
}

// DefaultSettings returns the settings an adapter starts from.
func DefaultSettings() Settings {
	return Settings{
		ServiceName:      "unknown_service",
		MeterName:        DefaultMeterName,
		CardinalityLimit: DefaultCardinalityLimit,
	}
}

// Backend implements [port.Monitoring] over an SDK MeterProvider. Adapters
// build it with their reader and their exposition handler.
type Backend struct {
	name     string
	sdk      *sdkmetric.MeterProvider
	provider metric.MeterProvider
	meter    metric.Meter
	fast     *fast.Registry
	handler  http.Handler

	once        sync.Once
	stopped     atomic.Bool
	shutdownErr error
}

var _ port.Monitoring = (*Backend)(nil)

// Resource describes the service of s: its service.name and the SDK.
func Resource(ctx context.Context, s Settings) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(attribute.String("service.name", s.ServiceName)),
	)
	if err != nil {
		return nil, fmt.Errorf("building the resource: %w", err)
	}
	return res, nil
}

// NewBackend builds the MeterProvider for reader with res and the limits of
// s, and serves handler as the exposition endpoint.
func NewBackend(
	name string,
	s Settings,
	res *resource.Resource,
	reader sdkmetric.Reader,
	instruments *fast.Registry,
	handler http.Handler,
) *Backend {
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithResource(res),
		sdkmetric.WithReader(reader),
		sdkmetric.WithCardinalityLimit(s.CardinalityLimit),
		sdkmetric.WithView(s.Views...),
	)
	provider := WithIdentities(WithSecondsBuckets(mp), instruments.Identities(), s.Views)
	return &Backend{
		name:     name,
		sdk:      mp,
		provider: provider,
		meter:    provider.Meter(s.MeterName),
		fast:     instruments,
		handler:  handler,
	}
}

// Instruments returns the fast instruments, exported through the reader's
// producer.
func (b *Backend) Instruments() port.Instruments { return b.fast }

// Meter returns the meter of the configured scope.
func (b *Backend) Meter() metric.Meter { return b.meter }

// MeterProvider returns the provider, with second-scale histogram defaults.
func (b *Backend) MeterProvider() metric.MeterProvider { return b.provider }

// Handler returns the exposition endpoint the adapter gave.
func (b *Backend) Handler() http.Handler { return b.handler }

// Status reports the backend healthy until it is shut down.
func (b *Backend) Status() port.Status {
	if b.stopped.Load() {
		return port.Status{Backend: b.name, Err: port.ErrShutdown}
	}
	return port.Status{Backend: b.name, Enabled: true, Healthy: true}
}

// ForceFlush exports what was recorded, through push readers. It does
// nothing once the backend is shut down.
func (b *Backend) ForceFlush(ctx context.Context) error {
	if b.stopped.Load() {
		return nil
	}
	if err := b.sdk.ForceFlush(ctx); err != nil {
		return fmt.Errorf("%s backend: flush: %w", b.name, err)
	}
	return nil
}

// Shutdown flushes and stops the provider once; later calls return the
// first call's result.
func (b *Backend) Shutdown(ctx context.Context) error {
	b.once.Do(func() {
		b.stopped.Store(true)
		if err := b.sdk.Shutdown(ctx); err != nil {
			b.shutdownErr = fmt.Errorf("%s backend: shutdown: %w", b.name, err)
		}
	})
	return b.shutdownErr
}
