//go:build unix

package monitoring_test

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
)

// fifo makes a named pipe in dir. The cleanup opens it for writing without
// blocking, which frees a reader that would be stuck opening it.
func fifo(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(p, 0o600))
	t.Cleanup(func() {
		if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil { //nolint:gosec // the test's own pipe.
			_ = f.Close()
		}
	})
	return p
}

// withinBound runs f and fails the test if it has not returned within
// bound: a loader blocked on a FIFO.
func withinBound(t *testing.T, bound time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(bound):
		t.Fatalf("still blocked after %v", bound)
	}
}

func TestFilesThatWouldBlock(t *testing.T) {
	t.Run("Should refuse a config path that is a named pipe at once, naming the path", func(t *testing.T) {
		p := fifo(t, t.TempDir())
		var err error
		withinBound(t, 10*time.Second, func() { _, err = monitoring.LoadConfig(p) })
		require.Error(t, err)
		assert.Contains(t, err.Error(), p)
		assert.Contains(t, err.Error(), "not a regular file but a named pipe")
	})

	t.Run("Should never block on a token file whose symlink is swapped to a named pipe", func(t *testing.T) {
		dir := t.TempDir()
		regular := filepath.Join(dir, "token")
		require.NoError(t, os.WriteFile(regular, []byte(secretValue), 0o600))
		pipe := fifo(t, dir)
		link := filepath.Join(dir, "link")
		require.NoError(t, os.Symlink(regular, link))
		doc := []byte("auth: bearer\nauth_token_file: " + link + "\n")

		stop, swapped := make(chan struct{}), make(chan struct{})
		go func() { // swaps the link, atomically, until told to stop
			defer close(swapped)
			next := filepath.Join(dir, "next")
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				target := regular
				if i%2 == 0 {
					target = pipe
				}
				_ = os.Remove(next)
				if os.Symlink(target, next) == nil {
					_ = os.Rename(next, link)
				}
			}
		}()
		defer func() { close(stop); <-swapped }()

		var ok, refused int
		var progress atomic.Int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 10_000 {
				cfg, err := monitoring.ParseConfig(doc)
				progress.Add(1)
				if err == nil {
					assert.Equal(t, link, cfg.AuthTokenFile)
					ok++
					continue
				}
				assert.Contains(t, err.Error(), "auth_token_file")
				assert.Contains(t, err.Error(), "named pipe")
				refused++
			}
		}()
		// A load blocked on the pipe makes no progress for seconds; a
		// loaded machine only slows it down.
		for last := int64(-1); ; {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				now := progress.Load()
				require.NotEqual(t, last, now, "a load blocked after %d loads", now)
				last = now
				continue
			}
			break
		}
		t.Logf("%d loads read the token, %d were refused", ok, refused)
	})
}
