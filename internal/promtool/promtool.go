// Package promtool runs Prometheus' own linter, `promtool check metrics`,
// on an exposition in tests, so our /metrics is judged by the tool operators
// use rather than by our reading of the format.
package promtool

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/compozy/monitoring/internal/binaries"
)

// InstallHint tells a developer how to get promtool.
const InstallHint = "install Debian's prometheus package (apt-get install -y prometheus) for promtool"

// Path returns promtool's path, skipping the test when it is absent unless
// binaries.RequireEnv is set, in which case the test fails.
func Path(t testing.TB) string {
	t.Helper()
	return binaries.Path(t, "promtool", InstallHint)
}

// CheckMetrics feeds exposition to `promtool check metrics` and returns what
// it printed and whether it accepted the exposition without a problem.
func CheckMetrics(t testing.TB, exposition []byte) (output string, ok bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), Path(t), "check", "metrics") //nolint:gosec // the path comes from LookPath.
	cmd.Stdin = bytes.NewReader(exposition)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err == nil && strings.TrimSpace(out.String()) == ""
}
