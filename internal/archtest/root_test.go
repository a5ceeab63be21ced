package archtest_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// moduleRoot returns the directory of this module's go.mod: the rules run
// `go list ./...` and `make` there, not in this package's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "env", "GOMOD")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	gomod := strings.TrimSpace(string(out))
	require.True(t, strings.HasSuffix(gomod, "go.mod"), "go env GOMOD: %q", gomod)
	return filepath.Dir(gomod)
}
