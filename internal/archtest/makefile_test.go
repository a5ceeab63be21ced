package archtest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// TestMakeTargetsDocumented checks that every Makefile target with a `##`
// comment is listed by `make help` and has a row in docs/development.md's
// table of targets, so a newcomer finds every command in both places.
func TestMakeTargetsDocumented(t *testing.T) {
	root := moduleRoot(t)
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile")) //nolint:gosec // this repository's own file
	require.NoError(t, err)
	development, err := os.ReadFile(filepath.Join(root, "docs", "development.md")) //nolint:gosec // this repository's own file
	require.NoError(t, err)
	var targets []string
	for _, m := range regexp.MustCompile(`(?m)^## ([a-z][a-z-]*): `).FindAllSubmatch(makefile, -1) {
		targets = append(targets, string(m[1]))
	}
	require.Contains(t, targets, "help", "make help lists the targets")
	for _, want := range []string{"vet", "fmt-check", "check-docs", "check-generate", "collector", "docs"} {
		require.Contains(t, targets, want, "the Makefile documents %s with a ## comment", want)
	}

	t.Run("Should give every documented target a row of docs/development.md's table", func(t *testing.T) {
		for _, target := range targets {
			row := strings.Contains(string(development), "\n| `make "+target+"` |")
			assert.True(t, row,
				"docs/development.md has no row for make %s", target)
		}
	})
	t.Run("Should list every documented target in make help", func(t *testing.T) {
		makeBin := binaries.Path(t, "make", "apt-get install -y make")
		cmd := exec.CommandContext(t.Context(), makeBin, "--no-print-directory", "help") //nolint:gosec // make, found by binaries.Path
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		listed := map[string]bool{}
		for _, line := range strings.Split(string(out), "\n") {
			if fields := strings.Fields(line); len(fields) > 1 {
				listed[fields[0]] = true
			}
		}
		for _, target := range targets {
			assert.True(t, listed[target], "make help lists %s:\n%s", target, out)
		}
	})
}
