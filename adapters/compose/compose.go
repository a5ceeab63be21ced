// Package compose assembles several backends on one MeterProvider: each
// backend contributes its part (a reader, its views, its handler), the
// fast-path registry is a producer on every reader, and the result is one
// [port.Monitoring]. It is the seam the root package builds from its table
// of backends; it knows no backend by name.
package compose

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/compozy/monitoring/adapters/internal/sdk"
	"github.com/compozy/monitoring/internal/fast"
	"github.com/compozy/monitoring/port"
)

// DefaultCardinalityLimit is the number of series one instrument keeps per
// backend unless told otherwise: the SDK-based backends' default, which the
// root package's configuration starts from.
const DefaultCardinalityLimit = sdk.DefaultCardinalityLimit

// The recording paths of Settings.Meter.
const (
	// MeterFast records synchronous instruments on the fast path.
	MeterFast = sdk.MeterFast
	// MeterSDK records every instrument with the OpenTelemetry SDK.
	MeterSDK = sdk.MeterSDK
)

// Part is one backend's contribution; see each adapter's NewPart.
type Part = sdk.Part

// Settings are the provider's settings: resource, scope, cardinality limit.
type Settings = sdk.Settings

// Instruments is the fast-path registry every backend's reader reads.
type Instruments = fast.Registry

// DefaultSettings returns the settings the backends start from.
func DefaultSettings() Settings { return sdk.DefaultSettings() }

// LogUnavailable returns the Settings.OnError that logs, through logger,
// each fast instrument that could not be created.
func LogUnavailable(logger *slog.Logger) func(error) { return sdk.LogUnavailable(logger) }

// NewInstruments returns the fast-path registry of s, to hand to each
// backend's NewPart and then to [New].
func NewInstruments(s Settings) *Instruments { return sdk.NewInstruments(s) }

// Failed is the part of a backend that could not start, reported by the
// status; when served is true it stands for the exposition endpoint, which
// answers 503.
func Failed(name string, err error, served bool) Part { return sdk.Failed(name, err, served) }

// New builds one MeterProvider with the reader of every part that started
// and returns the backend over it. The parts that failed are reported by
// its status, per backend.
func New(ctx context.Context, s Settings, instruments *Instruments, parts []Part) (port.Monitoring, error) {
	res, err := sdk.Resource(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("monitoring: %w", err)
	}
	return sdk.Compose(s, res, instruments, parts), nil
}
