package sdk_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/compozy/monitoring/adapters/internal/sdk"
	"github.com/compozy/monitoring/port"
)

// fakeExporter records what it exports; with hang set, Export blocks until
// its context ends.
type fakeExporter struct {
	hang bool

	mu       sync.Mutex
	exported []float64 // the value of the counter "jobs" in each export
}

func (e *fakeExporter) Temporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}

func (e *fakeExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (e *fakeExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if e.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[float64]); ok && m.Name == "jobs" {
				e.exported = append(e.exported, s.DataPoints[0].Value)
			}
		}
	}
	return nil
}

func (e *fakeExporter) ForceFlush(context.Context) error { return nil }
func (e *fakeExporter) Shutdown(context.Context) error   { return nil }

func (e *fakeExporter) exports() []float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]float64(nil), e.exported...)
}

func pushPart(name string, in interface {
	Produce(context.Context) ([]metricdata.ScopeMetrics, error)
},
	e *fakeExporter,
) sdk.Part {
	return sdk.Part{Name: name, Reader: sdkmetric.NewPeriodicReader(e, sdkmetric.WithInterval(time.Hour),
		sdkmetric.WithProducer(in))}
}

func TestCompose(t *testing.T) {
	t.Run("Should export one record to every backend, through one provider", func(t *testing.T) {
		s := sdk.DefaultSettings()
		in := sdk.NewInstruments(s)
		a, b := &fakeExporter{}, &fakeExporter{}
		backend := sdk.Compose(s, resource.Empty(), in, []sdk.Part{pushPart("a", in, a), pushPart("b", in, b)})
		t.Cleanup(func() { _ = backend.Shutdown(context.Background()) })

		backend.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(3, port.Values{})
		require.NoError(t, backend.ForceFlush(t.Context()))
		assert.Equal(t, []float64{3}, a.exports())
		assert.Equal(t, []float64{3}, b.exports())
		st := backend.Status()
		assert.Equal(t, "a,b", st.Backend)
		assert.True(t, st.Enabled)
		assert.True(t, st.Healthy)
		assert.Len(t, st.Backends, 2)
	})

	t.Run("Should flush every backend at shutdown while another one hangs until the deadline", func(t *testing.T) {
		s := sdk.DefaultSettings()
		in := sdk.NewInstruments(s)
		hanging, healthy := &fakeExporter{hang: true}, &fakeExporter{}
		// The hanging one first: shut down one after the other, as the
		// provider alone would, it would take the whole deadline.
		backend := sdk.Compose(s, resource.Empty(), in,
			[]sdk.Part{pushPart("slow", in, hanging), pushPart("fine", in, healthy)})
		backend.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(5, port.Values{})

		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		err := backend.Shutdown(ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "slow backend")
		assert.NotContains(t, err.Error(), "fine backend")
		assert.Equal(t, []float64{5}, healthy.exports(), "the healthy backend made its final export")
		assert.ErrorIs(t, backend.Status().Err, port.ErrShutdown)
		assert.Equal(t, err, backend.Shutdown(t.Context()), "idempotent")
	})

	t.Run("Should serve the others and report the backend that failed to start", func(t *testing.T) {
		s := sdk.DefaultSettings()
		in := sdk.NewInstruments(s)
		fine := &fakeExporter{}
		cause := errors.New("registry refused the collector")
		backend := sdk.Compose(s, resource.Empty(), in,
			[]sdk.Part{sdk.Failed("prometheus", cause, true), pushPart("otlp", in, fine)})
		t.Cleanup(func() { _ = backend.Shutdown(context.Background()) })

		backend.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(2, port.Values{})
		require.NoError(t, backend.ForceFlush(t.Context()))
		assert.Equal(t, []float64{2}, fine.exports())

		st := backend.Status()
		assert.True(t, st.Enabled, "otlp records")
		assert.False(t, st.Healthy)
		assert.NoError(t, st.Err, "something records: the service stays up")
		require.Len(t, st.Backends, 2)
		assert.Equal(t, port.BackendStatus{Name: "prometheus", Err: cause}, st.Backends[0])
		assert.True(t, st.Backends[1].Healthy)

		rec := httptest.NewRecorder()
		backend.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "the scrape endpoint of the failed backend says so")
	})

	t.Run("Should answer 404 when every backend pushes", func(t *testing.T) {
		s := sdk.DefaultSettings()
		in := sdk.NewInstruments(s)
		backend := sdk.Compose(s, resource.Empty(), in, []sdk.Part{pushPart("otlp", in, &fakeExporter{})})
		t.Cleanup(func() { _ = backend.Shutdown(context.Background()) })
		rec := httptest.NewRecorder()
		backend.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.Contains(t, rec.Body.String(), "nothing to scrape")
	})
}
