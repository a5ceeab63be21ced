//go:build unix

package safefile_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/safefile"
)

func TestRead(t *testing.T) {
	t.Run("Should read a regular file up to its limit", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "f")
		require.NoError(t, os.WriteFile(p, []byte("content"), 0o600))
		data, err := safefile.Read(p, 7)
		require.NoError(t, err)
		assert.Equal(t, "content", string(data))
	})

	t.Run("Should refuse a file past its limit without reading it whole", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "f")
		require.NoError(t, os.WriteFile(p, []byte(strings.Repeat("x", 100)), 0o600))
		_, err := safefile.Read(p, 10)
		require.ErrorIs(t, err, safefile.ErrTooLarge)
		assert.Contains(t, err.Error(), "more than 10 bytes")
	})

	t.Run("Should return a named pipe at once, as not regular, even with no writer", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "fifo")
		require.NoError(t, syscall.Mkfifo(p, 0o600))
		_, err := safefile.Read(p, 10)
		var nr *safefile.NotRegularError
		require.ErrorAs(t, err, &nr)
		assert.Equal(t, "named pipe", nr.Kind())
		assert.ErrorIs(t, err, safefile.ErrNotRegular)
	})

	t.Run("Should refuse a directory and a device, naming what they are", func(t *testing.T) {
		for path, kind := range map[string]string{t.TempDir(): "directory", os.DevNull: "device"} {
			_, err := safefile.Read(path, 10)
			var nr *safefile.NotRegularError
			require.ErrorAs(t, err, &nr, path)
			assert.Equal(t, kind, nr.Kind())
			assert.Equal(t, "not a regular file but a "+kind, err.Error())
		}
	})

	t.Run("Should return the open error of a missing file", func(t *testing.T) {
		_, err := safefile.Read(filepath.Join(t.TempDir(), "absent"), 10)
		require.ErrorIs(t, err, fs.ErrNotExist)
		var pe *fs.PathError
		assert.ErrorAs(t, err, &pe)
	})

	t.Run("Should follow a symlink to a regular file", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o600))
		require.NoError(t, os.Symlink("f", filepath.Join(dir, "link")))
		data, err := safefile.Read(filepath.Join(dir, "link"), 10)
		require.NoError(t, err)
		assert.Equal(t, "x", string(data))
	})
}
