package service

import (
	"github.com/compozy/monitoring/port"
)

// Instruments returns the backend's fast instruments. Their constructors
// never panic through to the caller: a backend that panics or hands out nil
// is logged once and replaced by instruments that record nothing. What they
// return is the backend's own instrument, so recording costs exactly what
// the backend's fast path costs.
func (s *MonitoringService) Instruments() port.Instruments { return safeInstruments{s} }

type safeInstruments struct{ s *MonitoringService }

// CounterVec returns the backend's counter, or a no-op one.
func (i safeInstruments) CounterVec(d port.Desc) port.CounterVec {
	return fastInstrument(i.s, "CounterVec", d, func(in port.Instruments) port.CounterVec { return in.CounterVec(d) })
}

// UpDownCounterVec returns the backend's up-down counter, or a no-op one.
func (i safeInstruments) UpDownCounterVec(d port.Desc) port.UpDownCounterVec {
	return fastInstrument(i.s, "UpDownCounterVec", d,
		func(in port.Instruments) port.UpDownCounterVec { return in.UpDownCounterVec(d) })
}

// GaugeVec returns the backend's gauge, or a no-op one.
func (i safeInstruments) GaugeVec(d port.Desc) port.GaugeVec {
	return fastInstrument(i.s, "GaugeVec", d, func(in port.Instruments) port.GaugeVec { return in.GaugeVec(d) })
}

// HistogramVec returns the backend's histogram, or a no-op one.
func (i safeInstruments) HistogramVec(d port.Desc) port.HistogramVec {
	return fastInstrument(i.s, "HistogramVec", d,
		func(in port.Instruments) port.HistogramVec { return in.HistogramVec(d) })
}

func fastInstrument[V any](s *MonitoringService, kind string, d port.Desc, create func(port.Instruments) V) V {
	return fromBackend(s, "fast "+kind, d.Name, "a nil instrument",
		func() V { return create(s.instruments) },
		func() V { return create(port.NoopInstruments{}) })
}
