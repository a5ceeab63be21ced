package stdout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/compozy/monitoring/adapters/internal/sdk"
	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/port"
)

// Name is the backend name this adapter reports in its status.
const Name = "stdout"

// Adapter is the stdout backend. It implements [port.Monitoring].
type Adapter struct {
	*sdk.Backend
}

var _ port.Monitoring = (*Adapter)(nil)

// New builds the backend and starts its periodic reader. It fails, with
// nothing left running, when the writer is nil or an interval is not
// positive.
//
// The writer is only ever called from a goroutine of the adapter's own:
// a writer that fails or blocks (a full disk, a closed pipe, a stalled
// terminal) never blocks recording or the reader, its failures are logged
// rate-limited, exports resume when it recovers, and ForceFlush and
// Shutdown return at their context's deadline even while it hangs.
func New(ctx context.Context, opts ...Option) (*Adapter, error) {
	cfg := newConfig(opts)
	if err := cfg.check(); err != nil {
		return nil, err
	}
	b, err := sdk.Single(ctx, Name, cfg.sdk, cfg.logger,
		func(instruments *fast.Registry) (sdk.Part, error) { return newPart(cfg, instruments) })
	if err != nil {
		return nil, err
	}
	return &Adapter{Backend: b}, nil
}

// NewPart builds this backend's part of a MeterProvider shared with other
// backends: its periodic reader, which reads instruments as a producer.
// Only the options of the output apply (writer, interval, pretty print,
// logger, error interval); the provider's settings are the caller's. It
// fails as New does.
func NewPart(_ context.Context, instruments *fast.Registry, opts ...Option) (sdk.Part, error) {
	cfg := newConfig(opts)
	if err := cfg.check(); err != nil {
		return sdk.Part{}, err
	}
	return newPart(cfg, instruments)
}

func newConfig(opts []Option) config {
	cfg := config{
		sdk: sdk.DefaultSettings(), writer: os.Stdout, interval: DefaultInterval,
		logger: slog.Default(), errorInterval: DefaultErrorInterval,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	return cfg
}

// check refuses the options the backend cannot run with.
func (cfg config) check() error {
	if isNil(cfg.writer) {
		return errors.New("stdout backend: the writer is nil")
	}
	if cfg.interval <= 0 {
		return fmt.Errorf("stdout backend: the interval %s is not positive", cfg.interval)
	}
	if cfg.errorInterval <= 0 {
		return fmt.Errorf("stdout backend: the error interval %s is not positive", cfg.errorInterval)
	}
	return nil
}

func newPart(cfg config, instruments *fast.Registry) (sdk.Part, error) {
	frame := &bytes.Buffer{}
	exporterOpts := []stdoutmetric.Option{stdoutmetric.WithWriter(frame)}
	if cfg.pretty {
		exporterOpts = append(exporterOpts, stdoutmetric.WithPrettyPrint())
	}
	encoder, err := stdoutmetric.New(exporterOpts...)
	if err != nil {
		return sdk.Part{}, fmt.Errorf("%s backend: creating the exporter: %w", Name, err)
	}
	// Last, once nothing can fail: it starts the writer's goroutine, which
	// Shutdown stops.
	exporter := newExporter(encoder, frame, newLatestWriter(cfg.writer, cfg.logger, cfg.errorInterval),
		newFiniteFilter(cfg.logger))
	reader := sdkmetric.NewPeriodicReader(exporter,
		sdkmetric.WithInterval(cfg.interval), sdkmetric.WithProducer(instruments.ForReader(exporter.Temporality)))
	return sdk.Part{Name: Name, Reader: reader}, nil
}

// isNil reports whether w is nil or a typed nil pointer, which the exporter's
// goroutine would panic on where nothing could recover it.
func isNil(w io.Writer) bool {
	if w == nil {
		return true
	}
	v := reflect.ValueOf(w)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
