package archtest_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxTrackedSize is the largest file the repository may track: sources,
// docs and test data, never a build output.
const maxTrackedSize = 1 << 20

// TestNoBinariesTracked checks that git tracks no executable binary (ELF)
// and no file over 1 MB: a built demo or example committed by mistake
// bloats every clone and goes stale at once. It needs git and the
// repository's .git, which CI's clean clone has.
func TestNoBinariesTracked(t *testing.T) {
	root := moduleRoot(t)
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skipf("no .git in %s (a copy of the sources without history): nothing to check", root)
	}
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed (apt-get install -y git): cannot list the tracked files")
	}
	out, err := exec.CommandContext(t.Context(), gitBin, "-C", root, "ls-files", "-z").Output() //nolint:gosec // git on this repository
	require.NoError(t, err, "git ls-files")
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	require.NotEmpty(t, files)

	t.Run("Should track no ELF binary and no file over 1 MB", func(t *testing.T) {
		for _, name := range files {
			path := filepath.Join(root, name)
			info, err := os.Lstat(path)
			if err != nil || !info.Mode().IsRegular() {
				continue // deleted in the work tree, or a symlink
			}
			assert.LessOrEqual(t, info.Size(), int64(maxTrackedSize), "%s is %d bytes: a build output? git rm --cached it", name, info.Size())
			assert.False(t, isELF(t, path), "%s is an ELF binary: git rm --cached it and list it in .gitignore", name)
		}
	})
}

// isELF reports whether the file at path starts with the ELF magic.
func isELF(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.Open(path) //nolint:gosec // a tracked file of this repository
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	magic := make([]byte, 4)
	n, err := io.ReadFull(f, magic)
	if err != nil && n < len(magic) {
		return false
	}
	return bytes.Equal(magic, []byte("\x7fELF"))
}
