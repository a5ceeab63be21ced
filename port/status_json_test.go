package port_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/port"
)

func TestStatusJSON(t *testing.T) {
	t.Run("Should write the text of every error and each backend's last export", func(t *testing.T) {
		at := time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC)
		st := port.Status{
			Backend: "prometheus,otlp", Enabled: true, Healthy: true,
			Backends: []port.BackendStatus{
				{Name: "prometheus", Healthy: true},
				{Name: "otlp", Healthy: true, LastError: errors.New("the collector answered 503"), LastExport: at},
				{Name: "stdout", Healthy: false, Err: port.ErrShutdown},
			},
		}
		out, err := json.Marshal(st)
		require.NoError(t, err)
		assert.JSONEq(t, `{
			"backend": "prometheus,otlp", "enabled": true, "healthy": true,
			"backends": [
				{"name": "prometheus", "healthy": true},
				{"name": "otlp", "healthy": true, "last_error": "the collector answered 503",
				 "last_export": "2026-11-30T11:00:00Z"},
				{"name": "stdout", "healthy": false, "error": "monitoring has been shut down"}
			]}`, string(out))
	})
	t.Run("Should write the status error and no backends when there are none", func(t *testing.T) {
		out, err := json.Marshal(port.Status{Backend: "noop", Err: errors.New(`bad "config"`)})
		require.NoError(t, err)
		assert.JSONEq(t, `{"backend": "noop", "enabled": false, "healthy": false, "error": "bad \"config\""}`, string(out))
		var back map[string]any
		require.NoError(t, json.Unmarshal(out, &back), "a quoted error stays valid JSON")
	})
	t.Run("Should write the reason a disabled backend records nothing, and leave it out when empty", func(t *testing.T) {
		out, err := json.Marshal(port.Status{Backend: "noop", Healthy: true, Reason: "monitoring disabled by configuration"})
		require.NoError(t, err)
		assert.JSONEq(t, `{"backend": "noop", "enabled": false, "healthy": true,
			"reason": "monitoring disabled by configuration"}`, string(out))
		out, err = json.Marshal(port.Status{Backend: "noop", Healthy: true})
		require.NoError(t, err)
		assert.NotContains(t, string(out), "reason")
	})
	t.Run("Should encode a pointer and a value alike", func(t *testing.T) {
		st := port.BackendStatus{Name: "otlp", Err: errors.New("x")}
		a, err := json.Marshal(st)
		require.NoError(t, err)
		b, err := json.Marshal(&st)
		require.NoError(t, err)
		assert.JSONEq(t, string(a), string(b))
	})
}
