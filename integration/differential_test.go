package integration_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/otlptranslator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

// The differential test applies one sequence of declarations and records
// to the fast path and to Meter() of a Prometheus-backed service, and to
// client_golang directly, the reference. Every family served must equal
// the reference's, or its declaration was refused with a log line: never
// a silent difference.

// The small sets a sequence draws from: names that collide once
// translated (orders / orders.total, req.count / req-count, lat / lat.count)
// or for the SDK (Orders / orders),
// units that change the exported name, keys the exposition cannot carry.
var (
	diffNames   = []string{"orders", "Orders", "orders.total", "req.count", "req-count", "lat", "lat.count", "q"}
	diffUnits   = []string{"", "s", "ms"}
	diffKeys    = [][]string{{}, {"k"}, {"k", "j"}, {"le"}, {"a.b", "a_b"}, {"é"}, {"__x"}}
	diffBuckets = [][]float64{nil, {1, 2, 5}, {0.5, 1}}
	diffValues  = []float64{0.25, 0.5, 1, 2, 3, 7}
	// goodKeys are the key sets Meter() records with: its keys come with
	// each recording, out of sight at creation, so the key rule cannot
	// apply to them (see docs/instruments.md).
	goodKeys = 3
)

const (
	pathFast = iota
	pathMeter
	pathLibrary
	paths
)

type diffKind int

const (
	kindCounter diffKind = iota
	kindUpDown
	kindGauge
	kindHistogram
	kinds
)

// declaration is one instrument declared by the sequence.
type declaration struct {
	path        int
	kind        diffKind
	name, unit  string
	description string
	keys        []string
	buckets     []float64

	refused bool
	record  func(value float64, values []string) // ours
	ref     func(value float64, values []string) // the reference's, nil when refused
}

// bytesSource hands out the bytes of a sequence, then zeros.
type bytesSource struct {
	data []byte
	i    int
}

func (s *bytesSource) next(n int) int {
	if s.i >= len(s.data) {
		return 0
	}
	b := int(s.data[s.i])
	s.i++
	return b % n
}

func (s *bytesSource) done() bool { return s.i >= len(s.data) }

// runDifferential applies data as a sequence, compares the outcomes and
// returns the number of declarations refused.
func runDifferential(t *testing.T, data []byte, checkPromtool bool) (refused int) {
	t.Helper()
	cfg := enabled(monitoring.BackendPrometheus)
	cfg.SystemMetrics = false
	var logs testkit.Buffer
	svc, err := monitoring.NewMonitoringService(t.Context(), cfg,
		monitoring.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), monitoring.WithoutOTelErrorHandler())
	require.NoError(t, err)
	defer func() { require.NoError(t, svc.Shutdown(context.Background())) }()
	ref := prometheus.NewRegistry()

	src := &bytesSource{data: data}
	var decls []*declaration
	for ops := 0; ops < 64 && !src.done(); ops++ {
		if op := src.next(3); len(decls) == 0 || op == 0 {
			d := &declaration{
				path: src.next(paths), kind: diffKind(src.next(int(kinds))), name: diffNames[src.next(len(diffNames))],
				unit: diffUnits[src.next(len(diffUnits))], buckets: diffBuckets[src.next(len(diffBuckets))],
			}
			keys := src.next(len(diffKeys))
			if d.path != pathFast {
				// Meter()'s keys come with each recording: one instrument
				// always records with the same ones here.
				keys = (len(d.name) + d.path) % goodKeys
			}
			d.keys = diffKeys[keys]
			if src.next(2) == 1 {
				d.description = "Described."
			}
			if d.kind != kindHistogram {
				d.buckets = nil
			}
			before := len(logs.LinesContaining("refused"))
			declare(t, svc, d)
			t.Logf("declared on path %d: %s %q unit %q keys %v buckets %v description %q: refused %v",
				d.path, kindName(d.kind), d.name, d.unit, d.keys, d.buckets, d.description, d.refused)
			if d.refused {
				refused++
				named := append(logs.LinesContaining("refused", `\"`+d.name+`\"`),
					logs.LinesContaining("refused", "name="+d.name+" ")...)
				assert.NotEmpty(t, named, "a refused %s %q is logged with its name:\n%s", kindName(d.kind), d.name, logs.String())
			} else {
				assert.Len(t, logs.LinesContaining("refused"), before, "an accepted declaration logs no refusal")
				d.ref = reference(t, ref, d)
			}
			decls = append(decls, d)
			continue
		}
		d := decls[src.next(len(decls))]
		value := diffValues[src.next(len(diffValues))]
		values := make([]string, len(d.keys))
		for i := range values {
			values[i] = []string{"x", "y"}[src.next(2)]
		}
		d.record(value, values)
		if d.ref != nil {
			d.ref(value, values)
		}
	}

	want, err := ref.Gather()
	require.NoError(t, err, "the reference refuses what we accepted: a collision went through")
	testkit.Scrape(t, svc.ExporterHandler()) // the second scrape counts the first one's errors
	_, body := testkit.Scrape(t, svc.ExporterHandler())
	got, err := testkit.ParseExposition(body)
	require.NoError(t, err, body)
	assert.InDelta(t, 0, gatheringErrors(got), 0, "a scrape dropped something:\n%s", body)
	delete(got, "target_info")
	delete(got, "promhttp_metric_handler_errors_total")
	assert.Equal(t, summarize(want), summarizeMap(got), "served:\n%s\nlog:\n%s", body, logs.String())
	if checkPromtool {
		out, _ := promtool.CheckMetrics(t, []byte(body))
		for line := range strings.SplitSeq(out, "\n") {
			// "ms" and lat.count are drawn to make names collide; promtool's
			// lints on base units and on a gauge's _count suffix are a
			// matter of naming taste, not of validity.
			if line != "" && !strings.Contains(line, `use base unit "seconds" instead of "milliseconds"`) &&
				!strings.Contains(line, `should not have "_count" suffix`) {
				assert.Fail(t, "promtool", "%s\n%s", line, body)
			}
		}
	}
	return refused
}

func kindName(k diffKind) string {
	return [...]string{"counter", "up-down counter", "gauge", "histogram"}[k]
}

// declare declares d on its path and tells from the instrument handed back
// whether it was refused (a no-op stands in).
func declare(t *testing.T, svc *service.MonitoringService, d *declaration) {
	t.Helper()
	if d.path == pathFast {
		desc := port.Desc{Name: d.name, Description: d.description, Unit: d.unit, Keys: d.keys, Buckets: d.buckets}
		var v any
		switch d.kind {
		case kindCounter:
			c := svc.Instruments().CounterVec(desc)
			v, d.record = c, func(x float64, vs []string) { c.Add(x, portValues(vs)) }
		case kindUpDown:
			c := svc.Instruments().UpDownCounterVec(desc)
			v, d.record = c, func(x float64, vs []string) { c.Add(x, portValues(vs)) }
		case kindGauge:
			g := svc.Instruments().GaugeVec(desc)
			v, d.record = g, func(x float64, vs []string) { g.Set(x, portValues(vs)) }
		default:
			h := svc.Instruments().HistogramVec(desc)
			v, d.record = h, func(x float64, vs []string) { h.Record(x, portValues(vs)) }
		}
		d.refused = strings.HasPrefix(fmt.Sprintf("%T", v), "port.noop")
		return
	}
	m := svc.Meter()
	if d.path == pathLibrary {
		m = svc.MeterProvider().Meter("library")
	}
	opts := []metric.InstrumentOption{metric.WithUnit(d.unit)}
	if d.description != "" {
		opts = append(opts, metric.WithDescription(d.description))
	}
	attrs := func(vs []string) metric.MeasurementOption {
		kvs := make([]attribute.KeyValue, len(vs))
		for i, v := range vs {
			kvs[i] = attribute.String(d.keys[i], v)
		}
		return metric.WithAttributes(kvs...)
	}
	ctx := t.Context()
	switch d.kind {
	case kindCounter:
		c, _ := m.Float64Counter(d.name, optionsOf[metric.Float64CounterOption](opts)...)
		_, d.refused = c.(noop.Float64Counter)
		d.record = func(x float64, vs []string) { c.Add(ctx, x, attrs(vs)) }
	case kindUpDown:
		c, _ := m.Float64UpDownCounter(d.name, optionsOf[metric.Float64UpDownCounterOption](opts)...)
		_, d.refused = c.(noop.Float64UpDownCounter)
		d.record = func(x float64, vs []string) { c.Add(ctx, x, attrs(vs)) }
	case kindGauge:
		g, _ := m.Float64Gauge(d.name, optionsOf[metric.Float64GaugeOption](opts)...)
		_, d.refused = g.(noop.Float64Gauge)
		d.record = func(x float64, vs []string) { g.Record(ctx, x, attrs(vs)) }
	default:
		hopts := optionsOf[metric.Float64HistogramOption](opts)
		if d.buckets != nil {
			hopts = append(hopts, metric.WithExplicitBucketBoundaries(d.buckets...))
		}
		h, _ := m.Float64Histogram(d.name, hopts...)
		_, d.refused = h.(noop.Float64Histogram)
		d.record = func(x float64, vs []string) { h.Record(ctx, x, attrs(vs)) }
	}
}

func optionsOf[O any](opts []metric.InstrumentOption) []O {
	out := make([]O, 0, len(opts))
	for _, o := range opts {
		out = append(out, o.(O))
	}
	return out
}

func portValues(vs []string) port.Values {
	var v port.Values
	copy(v[:], vs)
	return v
}

// reference declares d on client_golang under the name and labels the
// exporter gives it, reusing an identical collector already registered.
func reference(t *testing.T, reg *prometheus.Registry, d *declaration) func(float64, []string) {
	t.Helper()
	typ := map[diffKind]otlptranslator.MetricType{
		kindCounter: otlptranslator.MetricTypeMonotonicCounter, kindUpDown: otlptranslator.MetricTypeNonMonotonicCounter,
		kindGauge: otlptranslator.MetricTypeGauge, kindHistogram: otlptranslator.MetricTypeHistogram,
	}[d.kind]
	namer := otlptranslator.NewMetricNamer("", otlptranslator.UnderscoreEscapingWithSuffixes)
	name, err := namer.Build(otlptranslator.Metric{Name: d.name, Unit: d.unit, Type: typ})
	require.NoError(t, err)
	labelNamer := otlptranslator.LabelNamer{}
	labels := make([]string, len(d.keys))
	for i, k := range d.keys {
		labels[i], err = labelNamer.Build(k)
		require.NoError(t, err, "an accepted key the exporter cannot carry: %q", k)
	}
	help := d.description
	if help == "" {
		help = "h"
	}
	var c prometheus.Collector
	switch d.kind {
	case kindCounter:
		c = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	case kindUpDown, kindGauge:
		c = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	default:
		buckets := d.buckets
		switch {
		case buckets != nil:
		case d.unit == "s":
			buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
		default:
			buckets = []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}
		}
		c = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	}
	if err := reg.Register(c); err != nil {
		var already prometheus.AlreadyRegisteredError
		require.ErrorAs(t, err, &already, "we accepted %s %q, client_golang refuses it: %v", kindName(d.kind), d.name, err)
		c = already.ExistingCollector
	}
	return func(x float64, vs []string) {
		switch v := c.(type) {
		case *prometheus.CounterVec:
			v.WithLabelValues(vs...).Add(x)
		case *prometheus.GaugeVec:
			if d.kind == kindGauge {
				v.WithLabelValues(vs...).Set(x)
			} else {
				v.WithLabelValues(vs...).Add(x)
			}
		case *prometheus.HistogramVec:
			v.WithLabelValues(vs...).Observe(x)
		}
	}
}

func gatheringErrors(families map[string]*dto.MetricFamily) float64 {
	var n float64
	for _, m := range families["promhttp_metric_handler_errors_total"].GetMetric() {
		n += m.GetCounter().GetValue()
	}
	return n
}

// summarize renders families as sorted lines: type, labels, values (the
// +Inf bucket, which only the text format spells out, left aside).
func summarize(families []*dto.MetricFamily) []string {
	var out []string
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			line := fmt.Sprintf("%s %s {%s}", f.GetName(), f.GetType(), strings.Join(labels, ","))
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				line += fmt.Sprint(" ", m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				line += fmt.Sprint(" ", m.GetGauge().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				line += fmt.Sprint(" count=", h.GetSampleCount(), " sum=", h.GetSampleSum())
				for _, b := range h.GetBucket() {
					if b.GetUpperBound() < 1e308 {
						line += fmt.Sprint(" ", b.GetUpperBound(), ":", b.GetCumulativeCount())
					}
				}
			default:
				line += " unexpected type"
			}
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out
}

func summarizeMap(families map[string]*dto.MetricFamily) []string {
	list := make([]*dto.MetricFamily, 0, len(families))
	for _, f := range families {
		list = append(list, f)
	}
	return summarize(list)
}

// sequence returns n pseudo-random bytes of seed.
func sequence(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 11)) //nolint:gosec // a reproducible sequence, not a secret.
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(r.UintN(256)) //nolint:gosec // below 256.
	}
	return out
}

func TestDifferential(t *testing.T) {
	t.Run("Should serve what client_golang serves, or refuse with a log line, for random sequences", func(t *testing.T) {
		runs := 200
		if testing.Short() {
			runs = 40
		}
		for seed := range uint64(runs) {
			t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
				runDifferential(t, sequence(seed, 192), seed%20 == 0)
			})
		}
	})

	t.Run("Should catch a silent difference: the reference tells colliding families apart", func(t *testing.T) {
		// The two spellings of one Prometheus name, both accepted by
		// client_golang only if identical: our refusal of the second is what
		// keeps the sequence equal, so this sequence must refuse something.
		data := []byte{
			0, pathFast, byte(kindCounter), 3, 0, 0, 0, 0, // fast counter req.count
			1, 0, 1, // record on it
			0, pathMeter, byte(kindCounter), 4, 0, 0, 0, 0, // Meter counter req-count
			1, 1, 3, // record on it
		}
		assert.Equal(t, 1, runDifferential(t, data, true), "req-count is refused")
	})
}

// FuzzDifferential is the differential test over arbitrary sequences.
func FuzzDifferential(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(sequence(seed, 192))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		runDifferential(t, data, false)
	})
}
