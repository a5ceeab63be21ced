package monitoring_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
)

// TestMetricsPathReachable refuses a path a router would mount but never
// reach: ServeMux redirects a request for "//metrics" or "/a/../metrics"
// to its clean form, where nothing is mounted.
func TestMetricsPathReachable(t *testing.T) {
	for _, path := range []string{"//metrics", "/a/../metrics", "/metrics/.", "/./metrics", "/metrics//", "/a//b", "/.."} {
		t.Run("Should refuse the unclean path "+path, func(t *testing.T) {
			t.Setenv("MONITORING_PATH", path)
			_, err := monitoring.ParseConfig([]byte("enabled: true\n"))
			require.Error(t, err)
			fes := monitoring.FieldErrors(err)
			require.Len(t, fes, 1, err.Error())
			assert.Equal(t, "path", fes[0].Field)
			assert.Equal(t, "MONITORING_PATH", fes[0].Env)
			assert.Contains(t, fes[0].Allowed, "clean")
		})
	}
	for _, path := range []string{"/metrics", "/metrics/", "/", "/internal/metrics", "/a.b/metrics"} {
		t.Run("Should accept the clean path "+path, func(t *testing.T) {
			t.Setenv("MONITORING_PATH", path)
			cfg, err := monitoring.ParseConfig([]byte("enabled: true\n"))
			require.NoError(t, err)
			assert.Equal(t, path, cfg.Path)
		})
	}
}
