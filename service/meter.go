package service

import (
	"errors"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/compozy/monitoring/port"
)

// safeProvider hands out [safeMeter]s.
type safeProvider struct {
	metric.MeterProvider
	s *MonitoringService
}

// Meter returns the named meter, whose constructors never fail.
func (p safeProvider) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	m := fromBackend(p.s, "meter", name, "a nil meter",
		func() metric.Meter { return p.MeterProvider.Meter(name, opts...) },
		func() metric.Meter { return noop.Meter{} })
	return safeMeter{Meter: m, s: p.s}
}

// safeMeter is a meter whose instrument constructors never return an error
// and never panic: an instrument that cannot be created (an invalid name,
// conflicting options, a broken backend) is logged once and replaced by the
// same kind of instrument from the no-op meter, which works and records
// nothing.
type safeMeter struct {
	metric.Meter
	s *MonitoringService
}

// instrument creates an instrument with create on m's meter, falling back to
// the no-op meter's as described on [safeMeter]. An invalid name never
// reaches the backend: the SDK would build and export the instrument anyway,
// callbacks included, even though it reports the error.
func instrument[T any](m safeMeter, kind, name string, create func(metric.Meter) (T, error)) T {
	var inst T
	err := port.ValidateName(name)
	if err == nil {
		err = call(func() (err error) {
			inst, err = create(m.Meter)
			return err
		})
	}
	if err == nil && any(inst) == nil {
		err = errors.New("the backend returned a nil instrument")
	}
	if err != nil {
		m.s.logOnce(kind, name, err)
		inst, _ = create(noop.Meter{})
	}
	return inst
}

// RegisterCallback registers f for insts on the backend. It never fails:
// the no-op stand-ins of instruments that could not be created are left out
// (the backend would refuse the whole callback for them), and a refusal or a
// panic of the backend is logged once and answered with a no-op registration.
func (m safeMeter) RegisterCallback(f metric.Callback, insts ...metric.Observable) (metric.Registration, error) {
	kept := make([]metric.Observable, 0, len(insts))
	for _, inst := range insts {
		if !isNoop(inst) {
			kept = append(kept, inst)
		}
	}
	if len(kept) == 0 {
		return noop.Registration{}, nil
	}
	var reg metric.Registration
	err := call(func() (err error) {
		reg, err = m.Meter.RegisterCallback(f, kept...)
		return err
	})
	if err == nil && reg == nil {
		err = errors.New("the backend returned a nil registration")
	}
	if err != nil {
		m.s.logOnce("callback", "", err)
		return noop.Registration{}, nil
	}
	return reg, nil
}

// isNoop reports whether inst is one of the no-op stand-ins [instrument]
// hands out.
func isNoop(inst metric.Observable) bool {
	switch inst.(type) {
	case noop.Int64ObservableCounter, noop.Float64ObservableCounter,
		noop.Int64ObservableUpDownCounter, noop.Float64ObservableUpDownCounter,
		noop.Int64ObservableGauge, noop.Float64ObservableGauge:
		return true
	default:
		return false
	}
}

// Int64Counter returns a monotonic integer counter; the error is always nil.
func (m safeMeter) Int64Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return instrument(m, "Int64Counter", name, func(mt metric.Meter) (metric.Int64Counter, error) {
		return mt.Int64Counter(name, opts...)
	}), nil
}

// Float64Counter returns a monotonic float counter; the error is always nil.
func (m safeMeter) Float64Counter(name string, opts ...metric.Float64CounterOption) (metric.Float64Counter, error) {
	return instrument(m, "Float64Counter", name, func(mt metric.Meter) (metric.Float64Counter, error) {
		return mt.Float64Counter(name, opts...)
	}), nil
}

// Int64UpDownCounter returns an integer level; the error is always nil.
func (m safeMeter) Int64UpDownCounter(
	name string, opts ...metric.Int64UpDownCounterOption,
) (metric.Int64UpDownCounter, error) {
	return instrument(m, "Int64UpDownCounter", name, func(mt metric.Meter) (metric.Int64UpDownCounter, error) {
		return mt.Int64UpDownCounter(name, opts...)
	}), nil
}

// Float64UpDownCounter returns a float level; the error is always nil.
func (m safeMeter) Float64UpDownCounter(
	name string, opts ...metric.Float64UpDownCounterOption,
) (metric.Float64UpDownCounter, error) {
	return instrument(m, "Float64UpDownCounter", name, func(mt metric.Meter) (metric.Float64UpDownCounter, error) {
		return mt.Float64UpDownCounter(name, opts...)
	}), nil
}

// Int64Histogram returns an integer distribution; the error is always nil.
func (m safeMeter) Int64Histogram(name string, opts ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	return instrument(m, "Int64Histogram", name, func(mt metric.Meter) (metric.Int64Histogram, error) {
		return mt.Int64Histogram(name, opts...)
	}), nil
}

// Float64Histogram returns a float distribution; the error is always nil.
// On the SDK backends a histogram with unit "s" and no boundaries of its own
// gets second-scale buckets.
func (m safeMeter) Float64Histogram(
	name string, opts ...metric.Float64HistogramOption,
) (metric.Float64Histogram, error) {
	return instrument(m, "Float64Histogram", name, func(mt metric.Meter) (metric.Float64Histogram, error) {
		return mt.Float64Histogram(name, opts...)
	}), nil
}

// Int64Gauge returns an integer gauge; the error is always nil.
func (m safeMeter) Int64Gauge(name string, opts ...metric.Int64GaugeOption) (metric.Int64Gauge, error) {
	return instrument(m, "Int64Gauge", name, func(mt metric.Meter) (metric.Int64Gauge, error) {
		return mt.Int64Gauge(name, opts...)
	}), nil
}

// Float64Gauge returns a float gauge; the error is always nil.
func (m safeMeter) Float64Gauge(name string, opts ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	return instrument(m, "Float64Gauge", name, func(mt metric.Meter) (metric.Float64Gauge, error) {
		return mt.Float64Gauge(name, opts...)
	}), nil
}

// Int64ObservableCounter returns an asynchronous integer counter; the error
// is always nil.
func (m safeMeter) Int64ObservableCounter(
	name string, opts ...metric.Int64ObservableCounterOption,
) (metric.Int64ObservableCounter, error) {
	return instrument(m, "Int64ObservableCounter", name, func(mt metric.Meter) (metric.Int64ObservableCounter, error) {
		return mt.Int64ObservableCounter(name, opts...)
	}), nil
}

// Float64ObservableCounter returns an asynchronous float counter; the error
// is always nil.
func (m safeMeter) Float64ObservableCounter(
	name string, opts ...metric.Float64ObservableCounterOption,
) (metric.Float64ObservableCounter, error) {
	return instrument(m, "Float64ObservableCounter", name,
		func(mt metric.Meter) (metric.Float64ObservableCounter, error) {
			return mt.Float64ObservableCounter(name, opts...)
		}), nil
}

// Int64ObservableUpDownCounter returns an asynchronous integer level; the
// error is always nil.
func (m safeMeter) Int64ObservableUpDownCounter(
	name string, opts ...metric.Int64ObservableUpDownCounterOption,
) (metric.Int64ObservableUpDownCounter, error) {
	return instrument(m, "Int64ObservableUpDownCounter", name,
		func(mt metric.Meter) (metric.Int64ObservableUpDownCounter, error) {
			return mt.Int64ObservableUpDownCounter(name, opts...)
		}), nil
}

// Float64ObservableUpDownCounter returns an asynchronous float level; the
// error is always nil.
func (m safeMeter) Float64ObservableUpDownCounter(
	name string, opts ...metric.Float64ObservableUpDownCounterOption,
) (metric.Float64ObservableUpDownCounter, error) {
	return instrument(m, "Float64ObservableUpDownCounter", name,
		func(mt metric.Meter) (metric.Float64ObservableUpDownCounter, error) {
			return mt.Float64ObservableUpDownCounter(name, opts...)
		}), nil
}

// Int64ObservableGauge returns an asynchronous integer gauge; the error is
// always nil.
func (m safeMeter) Int64ObservableGauge(
	name string, opts ...metric.Int64ObservableGaugeOption,
) (metric.Int64ObservableGauge, error) {
	return instrument(m, "Int64ObservableGauge", name, func(mt metric.Meter) (metric.Int64ObservableGauge, error) {
		return mt.Int64ObservableGauge(name, opts...)
	}), nil
}

// Float64ObservableGauge returns an asynchronous float gauge; the error is
// always nil.
func (m safeMeter) Float64ObservableGauge(
	name string, opts ...metric.Float64ObservableGaugeOption,
) (metric.Float64ObservableGauge, error) {
	return instrument(m, "Float64ObservableGauge", name, func(mt metric.Meter) (metric.Float64ObservableGauge, error) {
		return mt.Float64ObservableGauge(name, opts...)
	}), nil
}
