// Package temporaldev starts a real Temporal dev server for tests (`temporal
// server start-dev`, in memory, on loopback ports) and dials it once it
// answers. A test that needs it skips with the install hint when the
// Temporal CLI is absent, or fails when internal/binaries.RequireEnv is set,
// as in CI.
package temporaldev

import (
	"context"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/compozy/monitoring/internal/binaries"
	"github.com/compozy/monitoring/internal/testkit"
)

// Hint says how to get the Temporal CLI, which runs the dev server.
const Hint = "go install github.com/temporalio/cli/cmd/temporal@v1.5.1"

// Start runs `temporal server start-dev` on 127.0.0.1 with random ports and
// an in-memory store, and stops it when the test ends. It returns the
// frontend's address and the URL of the server's own metrics. The server
// takes a few seconds to answer: [Dial] waits for it.
func Start(t *testing.T) (address, metricsURL string) {
	t.Helper()
	bin := binaries.Path(t, "temporal", Hint, filepath.Join(build.Default.GOPATH, "bin"))
	port, metricsPort := testkit.FreePort(t), testkit.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "server", "start-dev", "--headless", //nolint:gosec // bin comes from LookPath.
		"--ip", "127.0.0.1", "--port", fmt.Sprint(port),
		"--http-port", fmt.Sprint(testkit.FreePort(t)), "--metrics-port", fmt.Sprint(metricsPort),
		"--log-level", "error")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	return fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
}

// Dial connects to the server at address with opts, retrying until it
// answers a health check or a minute passes; the client is closed when the
// test ends.
func Dial(t *testing.T, address string, opts client.Options) client.Client {
	t.Helper()
	opts.HostPort = address
	deadline := time.Now().Add(time.Minute)
	ticker := time.NewTicker(250 * time.Millisecond)
	defer ticker.Stop()
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
			if err == nil {
				cancel()
				t.Cleanup(c.Close)
				return c
			}
			c.Close()
		}
		cancel()
		require.True(t, time.Now().Before(deadline), "the Temporal dev server did not answer within a minute: %v", err)
		<-ticker.C
	}
}
