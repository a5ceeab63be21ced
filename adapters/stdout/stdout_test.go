package stdout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"

	"github.com/compozy/monitoring/adapters/adaptertest"
	"github.com/compozy/monitoring/adapters/stdout"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
)

func newAdapter(t *testing.T, opts ...stdout.Option) (*stdout.Adapter, *testkit.Buffer) {
	t.Helper()
	buf := &testkit.Buffer{}
	// An interval far longer than any test: only flush and shutdown write.
	a, err := stdout.New(t.Context(), append([]stdout.Option{stdout.WithWriter(buf), stdout.WithInterval(time.Hour)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	return a, buf
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) port.Monitoring {
		a, _ := newAdapter(t)
		return a
	})
}

// exported is the part of stdoutmetric's JSON the tests read.
type exported struct {
	Resource     json.RawMessage `json:"Resource"`
	ScopeMetrics []struct {
		Metrics []struct {
			Name string          `json:"Name"`
			Unit string          `json:"Unit"`
			Data json.RawMessage `json:"Data"`
		} `json:"Metrics"`
	} `json:"ScopeMetrics"`
}

func decodeAll(t *testing.T, s string) []exported {
	t.Helper()
	dec := json.NewDecoder(bytes.NewBufferString(s))
	var docs []exported
	for dec.More() {
		var d exported
		require.NoError(t, dec.Decode(&d))
		docs = append(docs, d)
	}
	return docs
}

func TestWrites(t *testing.T) {
	t.Run("Should write what was recorded as JSON on ForceFlush", func(t *testing.T) {
		a, buf := newAdapter(t, stdout.WithServiceName("batch"))
		c, err := a.Meter().Int64Counter("rows.processed")
		require.NoError(t, err)
		c.Add(t.Context(), 42)
		assert.Empty(t, buf.String(), "nothing may be written before a flush")

		require.NoError(t, a.ForceFlush(t.Context()))
		docs := decodeAll(t, buf.String())
		require.Len(t, docs, 1)
		require.Len(t, docs[0].ScopeMetrics, 1)
		require.Len(t, docs[0].ScopeMetrics[0].Metrics, 1)
		assert.Equal(t, "rows.processed", docs[0].ScopeMetrics[0].Metrics[0].Name)
		assert.Contains(t, string(docs[0].ScopeMetrics[0].Metrics[0].Data), `"Value":42`)
		assert.Contains(t, string(docs[0].Resource), "batch")
	})

	t.Run("Should write the last values on Shutdown", func(t *testing.T) {
		a, buf := newAdapter(t)
		h, err := a.Meter().Float64Histogram("step.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		h.Record(t.Context(), 0.25)

		require.NoError(t, a.Shutdown(t.Context()))
		docs := decodeAll(t, buf.String())
		require.Len(t, docs, 1)
		m := docs[0].ScopeMetrics[0].Metrics[0]
		assert.Equal(t, "step.duration", m.Name)
		assert.Equal(t, "s", m.Unit)
		assert.Contains(t, string(m.Data), `"Bounds":[0.005,0.01,0.025,0.05,0.075,0.1,0.25,0.5,0.75,1,2.5,5,7.5,10]`)
	})

	t.Run("Should answer 404 with a reason: there is nothing to scrape", func(t *testing.T) {
		a, _ := newAdapter(t)
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.Contains(t, rec.Body.String(), "nothing to scrape")
	})

	t.Run("Should report stdout healthy", func(t *testing.T) {
		a, _ := newAdapter(t)
		assert.Equal(t, port.Status{Backend: "stdout", Enabled: true, Healthy: true,
			Backends: []port.BackendStatus{{Name: "stdout", Healthy: true}}}, a.Status())
	})
}

func TestInvalidOptions(t *testing.T) {
	t.Run("Should refuse a nil writer, typed or not", func(t *testing.T) {
		for _, w := range []io.Writer{nil, (*bytes.Buffer)(nil)} {
			a, err := stdout.New(t.Context(), stdout.WithWriter(w))
			require.Error(t, err)
			assert.Nil(t, a)
			assert.Contains(t, err.Error(), "writer is nil")
		}
	})

	t.Run("Should refuse an interval that is not positive", func(t *testing.T) {
		for _, d := range []time.Duration{0, -time.Second} {
			_, err := stdout.New(t.Context(), stdout.WithInterval(d))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "not positive")
		}
	})
}

// notifyingWriter tells a channel about every write.
type notifyingWriter struct {
	testkit.Buffer
	wrote chan struct{}
}

func (w *notifyingWriter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return n, err
}

func TestPeriodicExport(t *testing.T) {
	t.Run("Should write on its own every interval, without a flush", func(t *testing.T) {
		w := &notifyingWriter{wrote: make(chan struct{}, 1)}
		a, err := stdout.New(t.Context(), stdout.WithWriter(w), stdout.WithInterval(10*time.Millisecond))
		require.NoError(t, err)
		c, err := a.Meter().Int64Counter("ticks")
		require.NoError(t, err)
		c.Add(t.Context(), 3)

		select {
		case <-w.wrote:
		case <-time.After(10 * time.Second):
			t.Fatal("the periodic reader wrote nothing in 10s")
		}
		require.NoError(t, a.Shutdown(t.Context()))
		assert.Contains(t, w.String(), `"Name":"ticks"`)
	})
}
