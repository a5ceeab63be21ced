// Package mocks holds gomock implementations of [port.Recorder] and
// [port.Monitoring] (and of the fast instruments), generated
// by mockgen, so services built on the port are unit-tested without a
// backend. Regenerate with `make generate`.
package mocks

import "github.com/compozy/monitoring/port"

//go:generate go tool mockgen -destination=monitoring_mock.go -package=mocks -typed github.com/compozy/monitoring/port Recorder,Monitoring,Instruments,CounterVec,Counter,UpDownCounterVec,UpDownCounter,GaugeVec,Gauge,HistogramVec,Histogram

var (
	_ port.Recorder   = (*MockRecorder)(nil)
	_ port.Monitoring = (*MockMonitoring)(nil)
)
