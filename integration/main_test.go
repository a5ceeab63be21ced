package integration_test

import (
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/compozy/monitoring"
)

// TestMain checks that no test leaves a goroutine running. It first clears
// every MONITORING_* variable inherited from the caller's shell, so that the
// services built here see only their own config.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, monitoring.EnvPrefix) {
			_ = os.Unsetenv(name)
		}
	}
	goleak.VerifyTestMain(m)
}
