package sdk_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"

	"github.com/compozy/monitoring/adapters/internal/sdk"
)

// The meter differential test: one random sequence of instrument creations
// and records, from many goroutines, is applied to Meter() on the fast path
// and to Meter() on the plain SDK path (the switch's other side: an
// sdkmetric.MeterProvider with the same help texts and default buckets);
// what a ManualReader collects from each must be equal, timestamps aside,
// for every kind of synchronous instrument, cumulative and delta, with and
// without the cardinality limit reached.
//
// A third of the records carry a sampled span, a third an unsampled one:
// the histograms' exemplars must be the SDK's (trace and span IDs, value,
// filtered attributes). The SDK keeps, per bucket and interval, a random
// one of the sampled measurements (Algorithm L, the first for certain) and
// the fast path the latest, which agree when a series gets at most one
// sampled record per interval: the plan sees to it, whatever goroutine
// makes the record. The sums' and gauges' exemplars are the SDK's random
// sample and the fast path keeps none (docs/instruments.md): they are
// compared without them.

// diffMode is one configuration of the differential test.
type diffMode struct {
	name   string
	limit  int
	delta  bool
	rounds int
}

// meterSide is one recording path under test.
type meterSide struct {
	provider metric.MeterProvider
	collect  func(t testing.TB) metricdata.ResourceMetrics
}

func newMeterSide(t testing.TB, path string, mode diffMode) meterSide {
	t.Helper()
	sel := sdkmetric.CumulativeTemporalitySelector
	if mode.delta {
		sel = sdkmetric.DeltaTemporalitySelector
	}
	s := sdk.DefaultSettings()
	s.CardinalityLimit, s.Meter = mode.limit, path
	in := sdk.NewInstruments(s)
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(sel), sdkmetric.WithProducer(in.ForReader(sel)))
	b := sdk.Compose(s, resource.Empty(), in, []sdk.Part{{Name: "manual", Reader: reader}})
	t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
	return meterSide{provider: b.MeterProvider(), collect: func(t testing.TB) metricdata.ResourceMetrics {
		t.Helper()
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
		return rm
	}}
}

// diffInstrument is a declaration: a name always comes with the same one,
// so that concurrent creations agree whichever comes first.
type diffInstrument struct {
	scope, version string
	name, unit     string
	description    string
	kind           int // 0..7: int/float x counter, up-down, histogram, gauge
	buckets        []float64
}

const diffKinds = 8

func (d diffInstrument) float() bool { return d.kind%2 == 1 }

// recorder records one value with attrs, through WithAttributeSet or
// WithAttributes.
type recorder func(ctx context.Context, v float64, attrs attribute.Set, asSet bool)

func addOpt(attrs attribute.Set, asSet bool) metric.MeasurementOption {
	if asSet {
		return metric.WithAttributeSet(attrs)
	}
	return metric.WithAttributes(attrs.ToSlice()...)
}

// create declares d on p and returns how to record on it.
func (d diffInstrument) create(t testing.TB, p metric.MeterProvider) recorder {
	t.Helper()
	var mopts []metric.MeterOption
	if d.version != "" {
		mopts = append(mopts, metric.WithInstrumentationVersion(d.version),
			metric.WithInstrumentationAttributes(attribute.String("team", "x")))
	}
	m := p.Meter(d.scope, mopts...)
	desc, unit := metric.WithDescription(d.description), metric.WithUnit(d.unit)
	var rec recorder
	var err error
	switch d.kind {
	case 0:
		var c metric.Int64Counter
		c, err = m.Int64Counter(d.name, desc, unit)
		rec = func(ctx context.Context, v float64, a attribute.Set, s bool) { c.Add(ctx, int64(v), addOpt(a, s)) }
	case 1:
		var c metric.Float64Counter
		c, err = m.Float64Counter(d.name, desc, unit)
		rec = func(ctx context.Context, v float64, a attribute.Set, s bool) { c.Add(ctx, v, addOpt(a, s)) }
	case 2:
		var c metric.Int64UpDownCounter
		c, err = m.Int64UpDownCounter(d.name, desc, unit)
		rec = func(ctx context.Context, v float64, a attribute.Set, s bool) { c.Add(ctx, int64(v), addOpt(a, s)) }
	case 3:
		var c metric.Float64UpDownCounter
		c, err = m.Float64UpDownCounter(d.name, desc, unit)
		rec = func(ctx context.Context, v float64, a attribute.Set, s bool) { c.Add(ctx, v, addOpt(a, s)) }
	case 4:
		var h metric.Int64Histogram
		h, err = m.Int64Histogram(d.name, desc, unit, metric.WithExplicitBucketBoundaries(d.buckets...))
		rec = func(ctx context.Context, v float64, a attribute.Set, s bool) { h.Record(ctx, int64(v), addOpt(a, s)) }
	case 5:
		opts := []metric.Float64HistogramOption{desc, unit}
		if d.buckets != nil {
			opts = append(opts, metric.WithExplicitBucketBoundaries(d.buckets...))
		}
		var h metric.Float64Histogram
		h, err = m.Float64Histogram(d.name, opts...)
		rec = func(ctx context.Context, v float64, a attribute.Set, s bool) { h.Record(ctx, v, addOpt(a, s)) }
	case 6:
		var g metric.Int64Gauge
		g, err = m.Int64Gauge(d.name, desc, unit)
		rec = func(ctx context.Context, v float64, a attribute.Set, s bool) { g.Record(ctx, int64(v), addOpt(a, s)) }
	default:
		var g metric.Float64Gauge
		g, err = m.Float64Gauge(d.name, desc, unit)
		rec = func(ctx context.Context, v float64, a attribute.Set, s bool) { g.Record(ctx, v, addOpt(a, s)) }
	}
	require.NoError(t, err, d.name)
	return rec
}

// diffOp is one step of a goroutine: (re)declare an instrument, or record
// on it.
type diffOp struct {
	inst    int
	declare bool
	set     int
	value   float64
	asSet   bool
	ctx     context.Context // none, an unsampled span or a sampled one
}

// diffPlan is the whole sequence.
type diffPlan struct {
	insts []diffInstrument
	sets  []attribute.Set
	// rounds[r][g] are goroutine g's ops in round r.
	rounds [][][]diffOp
}

var (
	diffUnitsM   = []string{"", "s", "ms", "By", "{request}"}
	diffBucketsM = [][]float64{nil, {1, 2, 5}, {0, 0.5, 1, 10}}
	// Sums of these stay exact whatever the order of the additions.
	diffValuesM = []float64{-2, -0.5, 0, 0.25, 1, 1, 1, 2, 3.5, 7, 12, 100}
)

func newDiffPlan(seed uint64, mode diffMode, goroutines, ops int) diffPlan {
	rng := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15)) //nolint:gosec // a reproducible test sequence.
	var p diffPlan
	n := 4 + rng.IntN(6)
	for i := range n {
		d := diffInstrument{
			scope: []string{"app", "lib"}[rng.IntN(2)], name: fmt.Sprintf("inst.%d", i),
			unit: diffUnitsM[rng.IntN(len(diffUnitsM))], kind: rng.IntN(diffKinds),
		}
		if d.scope == "lib" {
			d.version = "v1.2.3"
		}
		if rng.IntN(2) == 0 {
			d.description = "Described " + d.name + "."
		}
		if d.kind == 4 || d.kind == 5 {
			d.buckets = diffBucketsM[rng.IntN(len(diffBucketsM))]
			if d.kind == 4 && d.buckets == nil {
				d.buckets = diffBucketsM[1]
			}
		}
		p.insts = append(p.insts, d)
	}
	for _, k := range []string{"", "a", "b", "c", "d", "e", "f"} {
		for _, v := range []int64{1, 2} {
			var kvs []attribute.KeyValue
			if k != "" {
				kvs = append(kvs, attribute.String("k", k))
			}
			if v == 2 {
				kvs = append(kvs, attribute.Int64("j", v), attribute.Bool("b", true))
			}
			p.sets = append(p.sets, attribute.NewSet(kvs...))
		}
	}
	spans := uint64(0)
	for range mode.rounds {
		round := make([][]diffOp, goroutines)
		// sampled holds the histogram series that got a sampled record in
		// this round (interval): at most one each (see the top).
		sampled := map[[2]int]bool{}
		for g := range round {
			for range ops {
				op := diffOp{
					inst: rng.IntN(n), declare: rng.IntN(8) == 0, set: rng.IntN(len(p.sets)),
					value: diffValuesM[rng.IntN(len(diffValuesM))], asSet: rng.IntN(2) == 0,
					ctx: context.Background(),
				}
				if c := rng.IntN(3); c > 0 {
					spans++
					hist := p.insts[op.inst].kind == 4 || p.insts[op.inst].kind == 5
					series := [2]int{op.inst, diffSeries(mode, op.set)}
					sample := c == 2 && (!hist || !sampled[series])
					sampled[series] = sampled[series] || (sample && hist)
					op.ctx = spanContext(spans, sample)
				}
				// An infinity on a float instrument, cumulative only: a delta
				// reader's sum that once became infinite stays NaN on the
				// fast path (see docs/instruments.md).
				if rng.IntN(50) == 0 && p.insts[op.inst].float() && !mode.delta {
					op.value = math.Inf(1)
				}
				round[g] = append(round[g], op)
			}
		}
		p.rounds = append(p.rounds, round)
	}
	return p
}

// diffSeries returns the series set s records on: its own, or the
// overflow series (-1) when the limit is reached first (see
// runMeterDifferential).
func diffSeries(mode diffMode, s int) int {
	if mode.limit > 0 && s >= mode.limit-1 {
		return -1
	}
	return s
}

// spanContext returns a context carrying span n of trace n, sampled or not:
// what a tracing middleware leaves in a request's context.
func spanContext(n uint64, sampled bool) context.Context {
	var tid trace.TraceID
	var sid trace.SpanID
	binary.BigEndian.PutUint64(tid[8:], n)
	binary.BigEndian.PutUint64(sid[:], n)
	cfg := trace.SpanContextConfig{TraceID: tid, SpanID: sid}
	if sampled {
		cfg.TraceFlags = trace.FlagsSampled
	}
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(cfg))
}

// gaugeValue is what every goroutine records on a gauge's series in a round:
// one value per series and round, so that the last value does not depend
// on which goroutine ran last.
func gaugeValue(set, round int) float64 { return float64(set*10 + round) }

// runMeterDifferential runs one plan and returns how many histogram
// exemplars the two sides agreed on.
func runMeterDifferential(t testing.TB, seed uint64, mode diffMode, goroutines, ops int) int {
	t.Helper()
	plan := newDiffPlan(seed, mode, goroutines, ops)
	sides := [2]meterSide{newMeterSide(t, sdk.MeterFast, mode), newMeterSide(t, sdk.MeterSDK, mode)}
	ctx := context.Background()
	limited := mode.limit > 0 && mode.limit < len(plan.sets)
	if limited {
		// Reach the limit of every instrument first, in one order on both
		// sides: which sets get a series of their own is then the same.
		for _, d := range plan.insts {
			for _, side := range sides {
				rec := d.create(t, side.provider)
				for s := range mode.limit + 1 {
					rec(ctx, 1, plan.sets[s], true)
				}
			}
		}
	}
	exemplars := 0
	for r, round := range plan.rounds {
		var wg sync.WaitGroup
		for _, ops := range round {
			wg.Go(func() {
				recs := [2]map[int]recorder{{}, {}}
				for _, op := range ops {
					d := plan.insts[op.inst]
					v := op.value
					if d.kind >= 6 {
						v = gaugeValue(op.set, r)
						if limited && op.set >= mode.limit-1 {
							v = gaugeValue(0, r) // one overflow series, many sets: one value per round
						}
					}
					for i, side := range sides {
						rec, ok := recs[i][op.inst]
						if !ok || op.declare {
							rec = d.create(t, side.provider)
							recs[i][op.inst] = rec
						}
						rec(op.ctx, v, plan.sets[op.set], op.asSet)
					}
				}
			})
		}
		wg.Wait()
		got, want := sides[0].collect(t), sides[1].collect(t)
		if mode.delta {
			// A delta histogram point carries no minimum and maximum on the
			// fast path (see docs/instruments.md).
			want = withoutExtrema(want)
		}
		want = withoutSumExemplars(want) // see the top
		metricdatatest.AssertEqual(t, want, got, metricdatatest.IgnoreTimestamp())
		exemplars += countExemplars(got)
		if tt, ok := t.(*testing.T); ok && tt.Failed() {
			t.Fatalf("seed %d, mode %s, round %d", seed, mode.name, r)
		}
	}
	return exemplars
}

func withoutExtrema(rm metricdata.ResourceMetrics) metricdata.ResourceMetrics {
	for i, sm := range rm.ScopeMetrics {
		for j, m := range sm.Metrics {
			switch h := m.Data.(type) {
			case metricdata.Histogram[int64]:
				for k := range h.DataPoints {
					h.DataPoints[k].Min, h.DataPoints[k].Max = metricdata.Extrema[int64]{}, metricdata.Extrema[int64]{}
				}
			case metricdata.Histogram[float64]:
				for k := range h.DataPoints {
					h.DataPoints[k].Min, h.DataPoints[k].Max = metricdata.Extrema[float64]{}, metricdata.Extrema[float64]{}
				}
			}
			rm.ScopeMetrics[i].Metrics[j] = m
		}
	}
	return rm
}

// withoutSumExemplars drops the exemplars of every sum and gauge point.
func withoutSumExemplars(rm metricdata.ResourceMetrics) metricdata.ResourceMetrics {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				dropExemplars(d.DataPoints)
			case metricdata.Sum[float64]:
				dropExemplars(d.DataPoints)
			case metricdata.Gauge[int64]:
				dropExemplars(d.DataPoints)
			case metricdata.Gauge[float64]:
				dropExemplars(d.DataPoints)
			}
		}
	}
	return rm
}

func dropExemplars[N int64 | float64](points []metricdata.DataPoint[N]) {
	for i := range points {
		points[i].Exemplars = nil
	}
}

// countExemplars counts the histograms' exemplars of rm.
func countExemplars(rm metricdata.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch h := m.Data.(type) {
			case metricdata.Histogram[int64]:
				for _, p := range h.DataPoints {
					n += len(p.Exemplars)
				}
			case metricdata.Histogram[float64]:
				for _, p := range h.DataPoints {
					n += len(p.Exemplars)
				}
			}
		}
	}
	return n
}

// diffModes are the configurations: the limit of 4 is reached by every
// instrument, the default one never. A delta reader runs one round with
// the limit reached: the SDK gives each delta interval a fresh budget of
// series, the fast path keeps a set on the overflow series for good (see
// docs/instruments.md).
var diffModes = []diffMode{
	{name: "cumulative", limit: sdk.DefaultCardinalityLimit, rounds: 3},
	{name: "cumulative, limit reached", limit: 4, rounds: 3},
	{name: "cumulative, no limit", limit: 0, rounds: 2},
	{name: "delta", limit: sdk.DefaultCardinalityLimit, delta: true, rounds: 3},
	{name: "delta, limit reached", limit: 4, delta: true, rounds: 1},
}

func TestMeterDifferential(t *testing.T) {
	for _, mode := range diffModes {
		t.Run("Should collect what the SDK collects: "+mode.name, func(t *testing.T) {
			exemplars := 0
			for seed := range uint64(12) {
				exemplars += runMeterDifferential(t, seed, mode, 8, 150)
			}
			assert.Positive(t, exemplars, "the histograms kept exemplars, equal to the SDK's")
			t.Logf("%d exemplars compared", exemplars)
		})
	}
}

func FuzzMeterDifferential(f *testing.F) {
	for seed := range uint64(4) {
		f.Add(seed, uint8(seed))
	}
	f.Fuzz(func(t *testing.T, seed uint64, mode uint8) {
		runMeterDifferential(t, seed, diffModes[int(mode)%len(diffModes)], 4, 60)
	})
}
