package service

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/compozy/monitoring/port"
)

// nilBackend stands in for a nil backend handed to [New], so that a wiring
// mistake costs the metrics, not the service.
type nilBackend struct{}

func (nilBackend) Meter() metric.Meter                 { return noop.Meter{} }
func (nilBackend) MeterProvider() metric.MeterProvider { return noop.MeterProvider{} }
func (nilBackend) Handler() http.Handler               { return nil }
func (nilBackend) Instruments() port.Instruments       { return port.NoopInstruments{} }
func (nilBackend) Status() port.Status {
	return port.Status{Backend: "none", Err: errNoBackend}
}
func (nilBackend) ForceFlush(context.Context) error { return nil }
func (nilBackend) Shutdown(context.Context) error   { return nil }
