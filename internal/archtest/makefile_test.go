package archtest_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/binaries"
)

// TestMakefileAddress checks, by make's dry run, that `make run` and `make
// load` take the demo's address from ADDR, and that run keeps stamping
// build_info through -ldflags.
func TestMakefileAddress(t *testing.T) {
	makeBin := binaries.Path(t, "make", "apt-get install -y make")
	dryRun := func(t *testing.T, env ...string) []string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), makeBin, "-n", "run", "load")
		cmd.Dir = moduleRoot(t)
		// Neither this environment's ADDR nor a surrounding make's flags
		// (make test) may decide the answer.
		for _, kv := range cmd.Environ() {
			if name, _, _ := strings.Cut(kv, "="); name != "ADDR" && name != "MAKEFLAGS" && name != "MFLAGS" && name != "MAKELEVEL" {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		require.Len(t, lines, 2, string(out))
		return lines
	}

	t.Run("Should run the demo and the load generator on ADDR when it is given", func(t *testing.T) {
		lines := dryRun(t, "ADDR=127.0.0.1:18080")
		assert.Contains(t, lines[0], "./cmd/demo -addr 127.0.0.1:18080")
		assert.Contains(t, lines[0], "-ldflags '-X main.version=", "build_info stays stamped")
		assert.Contains(t, lines[0], "-X main.commit=")
		assert.Contains(t, lines[1], "./cmd/load -target http://127.0.0.1:18080 ")
	})

	t.Run("Should default to 127.0.0.1:8080 for both", func(t *testing.T) {
		lines := dryRun(t)
		assert.Contains(t, lines[0], "./cmd/demo -addr 127.0.0.1:8080")
		assert.Contains(t, lines[1], "-target http://127.0.0.1:8080 ")
	})
}
