// Package binaries finds the real programs some tests run (promtool, the
// Temporal CLI, prometheus): a test that needs one skips with an install
// hint when it is absent, unless RequireEnv is set, as CI does, in which
// case its absence fails the test.
package binaries

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv names the variable that turns a missing binary from a skip into
// a failure; CI sets it to 1.
const RequireEnv = "MONITORING_REQUIRE_TOOLS"

// Path returns the path of the program name, looked up in PATH and then in
// the extra directories given. When it is missing the test is skipped with
// hint, or failed if RequireEnv is set.
func Path(t testing.TB, name, hint string, extraDirs ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range extraDirs {
		p := dir + string(os.PathSeparator) + name
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return p
		}
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("%s not found and %s is set: %s", name, RequireEnv, hint)
	}
	t.Skipf("%s not found: %s", name, hint)
	return ""
}
