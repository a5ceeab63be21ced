package interceptor_test

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/promtool"
)

// TestRecordingRules runs promtool on the recording rules docs/temporal.md gives
// for the interceptor's metrics: exact outcome counts (superseded ends
// subtracted) and the per-chain success ratio (continue-as-new left out).
func TestRecordingRules(t *testing.T) {
	dir := filepath.Join("..", "deploy", "prometheus")
	bin := promtool.Path(t)
	for _, args := range [][]string{
		{"check", "rules", filepath.Join(dir, "temporal.yml")},
		{"test", "rules", filepath.Join(dir, "temporal_test.yml")},
	} {
		t.Run("Should pass promtool "+args[0]+" "+args[1], func(t *testing.T) {
			out, err := exec.CommandContext(t.Context(), bin, args...).CombinedOutput() //nolint:gosec // bin comes from LookPath.
			require.NoError(t, err, string(out))
			assert.Contains(t, string(out), "SUCCESS")
		})
	}
}
