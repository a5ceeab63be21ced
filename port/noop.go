package port

import (
	"context"
	"time"
)

// NoopInstruments are the fast instruments of a backend that records
// nothing: every method is an empty call. The no-op backend hands them out,
// and so does the service in place of an instrument that cannot be created.
type NoopInstruments struct{}

var _ Instruments = NoopInstruments{}

// CounterVec returns a counter that records nothing.
func (NoopInstruments) CounterVec(Desc) CounterVec { return noopCounterVec{} }

// UpDownCounterVec returns an up-down counter that records nothing.
func (NoopInstruments) UpDownCounterVec(Desc) UpDownCounterVec { return noopUpDownVec{} }

// GaugeVec returns a gauge that records nothing.
func (NoopInstruments) GaugeVec(Desc) GaugeVec { return noopGaugeVec{} }

// HistogramVec returns a histogram that records nothing.
func (NoopInstruments) HistogramVec(Desc) HistogramVec { return noopHistogramVec{} }

// noopBound is every bound no-op instrument.
type noopBound struct{}

func (noopBound) Add(float64)    {}
func (noopBound) Inc()           {}
func (noopBound) Set(float64)    {}
func (noopBound) Record(float64) {}

func (noopBound) RecordContext(context.Context, float64) {}

func (noopBound) RecordSince(context.Context, time.Time) {}

type noopCounterVec struct{}

func (noopCounterVec) Bind(Values) Counter { return noopBound{} }
func (noopCounterVec) Add(float64, Values) {}

type noopUpDownVec struct{}

func (noopUpDownVec) Bind(Values) UpDownCounter { return noopBound{} }
func (noopUpDownVec) Add(float64, Values)       {}

type noopGaugeVec struct{}

func (noopGaugeVec) Bind(Values) Gauge   { return noopBound{} }
func (noopGaugeVec) Set(float64, Values) {}

type noopHistogramVec struct{}

func (noopHistogramVec) Bind(Values) Histogram  { return noopBound{} }
func (noopHistogramVec) Record(float64, Values) {}

func (noopHistogramVec) RecordContext(context.Context, float64, Values) {}

func (noopHistogramVec) RecordSince(context.Context, time.Time, Values) {}
