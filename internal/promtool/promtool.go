// Package promtool runs Prometheus' own linter, `promtool check metrics`,
// on an exposition in tests, so our /metrics is judged by the tool operators
// use rather than by our reading of the format.
package promtool

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RequireEnv names the variable that turns a missing binary from a skip into
// a failure; CI sets it to 1.
const RequireEnv = "MONITORING_REQUIRE_TOOLS"

// InstallHint tells a developer how to get the binaries.
const InstallHint = "install Debian's prometheus package (apt-get install -y prometheus) for promtool"

// Path returns promtool's path, skipping the test when it is absent unless
// RequireEnv is set, in which case the test fails.
func Path(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err == nil {
		return p
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("promtool not found and %s is set: %s", RequireEnv, InstallHint)
	}
	t.Skipf("promtool not found: %s", InstallHint)
	return ""
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
