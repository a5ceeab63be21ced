package stdout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/compozy/monitoring/adapters/internal/sdk"
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
	cfg := config{
		sdk: sdk.DefaultSettings(), writer: os.Stdout, interval: DefaultInterval,
		logger: slog.Default(), errorInterval: DefaultErrorInterval,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	if isNil(cfg.writer) {
		return nil, errors.New("stdout backend: the writer is nil")
	}
	if cfg.interval <= 0 {
		return nil, fmt.Errorf("stdout backend: the interval %s is not positive", cfg.interval)
	}
	res, err := sdk.Resource(ctx, cfg.sdk)
	if err != nil {
		return nil, fmt.Errorf("%s backend: %w", Name, err)
	}
	if cfg.errorInterval <= 0 {
		return nil, fmt.Errorf("stdout backend: the error interval %s is not positive", cfg.errorInterval)
	}
	frame := &bytes.Buffer{}
	exporterOpts := []stdoutmetric.Option{stdoutmetric.WithWriter(frame)}
	if cfg.pretty {
		exporterOpts = append(exporterOpts, stdoutmetric.WithPrettyPrint())
	}
	encoder, err := stdoutmetric.New(exporterOpts...)
	if err != nil {
		return nil, fmt.Errorf("%s backend: creating the exporter: %w", Name, err)
	}
	cfg.sdk.OnError = func(err error) { cfg.logger.Error("monitoring: fast instrument unavailable", "error", err) }
	instruments := sdk.NewInstruments(cfg.sdk)
	// Last, once nothing can fail: it starts the writer's goroutine, which
	// Shutdown stops.
	exporter := newExporter(encoder, frame, newLatestWriter(cfg.writer, cfg.logger, cfg.errorInterval),
		newFiniteFilter(cfg.logger))
	reader := sdkmetric.NewPeriodicReader(exporter,
		sdkmetric.WithInterval(cfg.interval), sdkmetric.WithProducer(instruments))
	return &Adapter{Backend: sdk.NewBackend(Name, cfg.sdk, res, reader, instruments, http.HandlerFunc(nothingToScrape))}, nil
}

func nothingToScrape(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "the stdout backend writes metrics to its writer: there is nothing to scrape", http.StatusNotFound)
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
