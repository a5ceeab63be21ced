package noop_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/adapters/adaptertest"
	"github.com/compozy/monitoring/adapters/noop"
	"github.com/compozy/monitoring/port"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(*testing.T) port.Monitoring { return noop.New() })
	adaptertest.Run(t, func(*testing.T) port.Monitoring {
		return noop.New(noop.WithStartError(errors.New("prometheus backend: refused")))
	})
}

func TestNoop(t *testing.T) {
	t.Run("Should report a healthy disabled backend", func(t *testing.T) {
		assert.Equal(t, port.Status{Backend: "noop", Healthy: true}, noop.New().Status())
	})

	t.Run("Should report and answer the reason it serves when one is given", func(t *testing.T) {
		a := noop.New(noop.WithReason("monitoring disabled by configuration"))
		assert.Equal(t, port.Status{Backend: "noop", Healthy: true, Reason: "monitoring disabled by configuration"}, a.Status())
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.Equal(t, "monitoring is disabled: no metrics are recorded: monitoring disabled by configuration\n", rec.Body.String())
	})

	t.Run("Should carry the start error of the backend it replaces", func(t *testing.T) {
		cause := errors.New("prometheus backend: refused")
		st := noop.New(noop.WithStartError(cause)).Status()
		assert.Equal(t, "noop", st.Backend)
		assert.False(t, st.Healthy)
		assert.False(t, st.Enabled)
		assert.ErrorIs(t, st.Err, cause)
	})

	t.Run("Should answer 404 with a one-line reason", func(t *testing.T) {
		rec := httptest.NewRecorder()
		noop.New().Handler().ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.Equal(t, "monitoring is disabled: no metrics are recorded\n", rec.Body.String())
	})

	t.Run("Should record nothing and allocate nothing", func(t *testing.T) {
		c, err := noop.New().Meter().Int64Counter("anything")
		require.NoError(t, err)
		ctx := t.Context()
		allocs := testing.AllocsPerRun(100, func() { c.Add(ctx, 1) })
		assert.Zero(t, allocs)
	})
}
