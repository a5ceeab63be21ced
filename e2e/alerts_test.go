package e2e_test

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/promtool"
)

// TestAlertRules runs the alerts' unit tests with Prometheus' own tool, as
// docs/operations.md tells operators to: every shipped alert fires when it should
// and stays quiet when it should not, with routes in the routers' own
// syntax ("/orders/:item") carried into the alert's labels and text.
func TestAlertRules(t *testing.T) {
	t.Run("Should pass promtool test rules", func(t *testing.T) {
		bin := promtool.Path(t)
		cmd := exec.CommandContext(t.Context(), bin, "test", "rules", //nolint:gosec // the path comes from LookPath.
			filepath.Join(moduleRoot(t), "deploy", "prometheus", "alerts_test.yml"))
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "SUCCESS")
	})
}
