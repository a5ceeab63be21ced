package binaries_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/binaries"
)

// missing is a program name no PATH holds.
const missing = "monitoring-binaries-test-no-such-tool"

// recordingTB stands in for the test a helper is handed: it records Skipf
// and Fatalf, and ends the goroutine there as testing.T does. Any other
// method of testing.TB panics (the embedded interface is nil), so Path is
// held to the three it is meant to use.
type recordingTB struct {
	testing.TB

	skipped, fatal string
}

func (*recordingTB) Helper() {}

func (r *recordingTB) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// pathWith calls binaries.Path with a recordingTB on a goroutine of its own
// (Skipf and Fatalf end it) and returns what Path returned, whether it
// returned at all, and the recorder.
func pathWith(name, hint string, extraDirs ...string) (path string, returned bool, tb *recordingTB) {
	tb = &recordingTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		path = binaries.Path(tb, name, hint, extraDirs...)
		returned = true
	}()
	<-done
	return path, returned, tb
}

// writeProgram creates the program missing in dir with mode perm.
func writeProgram(t *testing.T, dir string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, missing)
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), perm))
	require.NoError(t, os.Chmod(p, perm)) // the umask must not decide the test
	return p
}

func TestPath(t *testing.T) {
	t.Run("Should find a program in PATH", func(t *testing.T) {
		want, err := exec.LookPath("sh")
		require.NoError(t, err, "this test needs sh in PATH")

		got, returned, tb := pathWith("sh", "unused hint")
		require.True(t, returned)
		assert.Equal(t, want, got)
		assert.Empty(t, tb.skipped)
		assert.Empty(t, tb.fatal)
	})

	t.Run("Should prefer PATH to the extra directories", func(t *testing.T) {
		inPath, extra := t.TempDir(), t.TempDir()
		want := writeProgram(t, inPath, 0o755)
		writeProgram(t, extra, 0o755)
		t.Setenv("PATH", inPath)

		got, returned, _ := pathWith(missing, "unused hint", extra)
		require.True(t, returned)
		assert.Equal(t, want, got)
	})

	t.Run("Should find an executable in an extra directory", func(t *testing.T) {
		empty, extra := t.TempDir(), t.TempDir()
		want := writeProgram(t, extra, 0o755)

		got, returned, tb := pathWith(missing, "unused hint", empty, extra)
		require.True(t, returned)
		assert.Equal(t, want, got)
		assert.Empty(t, tb.skipped)
	})

	t.Run("Should ignore a file that is not executable and a directory of that name", func(t *testing.T) {
		t.Setenv(binaries.RequireEnv, "")
		notExec, isDir := t.TempDir(), t.TempDir()
		writeProgram(t, notExec, 0o644)
		require.NoError(t, os.Mkdir(filepath.Join(isDir, missing), 0o750))

		got, returned, tb := pathWith(missing, "the hint", notExec, isDir)
		assert.False(t, returned, "Path must stop the test rather than return")
		assert.Empty(t, got)
		assert.Contains(t, tb.skipped, missing)
		assert.Empty(t, tb.fatal)
	})

	t.Run("Should skip with the hint when the program is missing and "+binaries.RequireEnv+" is unset", func(t *testing.T) {
		t.Setenv(binaries.RequireEnv, "")

		got, returned, tb := pathWith(missing, "apt-get install -y the-tool", t.TempDir())
		assert.False(t, returned)
		assert.Empty(t, got)
		assert.Empty(t, tb.fatal, "a missing tool must not fail a developer's run")
		assert.Contains(t, tb.skipped, missing)
		assert.Contains(t, tb.skipped, "apt-get install -y the-tool")
	})

	t.Run("Should fail with the hint when the program is missing and "+binaries.RequireEnv+" is set", func(t *testing.T) {
		t.Setenv(binaries.RequireEnv, "1")

		got, returned, tb := pathWith(missing, "apt-get install -y the-tool")
		assert.False(t, returned)
		assert.Empty(t, got)
		assert.Empty(t, tb.skipped, "CI must not skip past a missing tool")
		assert.Contains(t, tb.fatal, missing)
		assert.Contains(t, tb.fatal, binaries.RequireEnv)
		assert.Contains(t, tb.fatal, "apt-get install -y the-tool")
	})
}
