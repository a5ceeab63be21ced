package adaptertest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/adapters/adaptertest"
	"github.com/compozy/monitoring/monitoringtest"
	"github.com/compozy/monitoring/port"
)

// brokenEnv makes TestRun run the suite on a backend that breaks the
// contract, and nothing else; TestRun sets it in a child process of this
// test binary, so that the suite's failures are observed rather than
// failing this run.
const brokenEnv = "ADAPTERTEST_RUN_BROKEN_BACKEND"

// broken is a backend that records like monitoringtest but breaks two
// clauses of the port's contract: its status says unhealthy without saying
// why, and a second Shutdown returns an error.
type broken struct {
	*monitoringtest.Backend

	shutdowns atomic.Int32
}

func (*broken) Status() port.Status {
	return port.Status{Backend: "broken", Enabled: true, Healthy: false}
}

func (b *broken) Shutdown(ctx context.Context) error {
	if b.shutdowns.Add(1) > 1 {
		return errors.New("already shut down")
	}
	return b.Backend.Shutdown(ctx)
}

func TestRun(t *testing.T) {
	if os.Getenv(brokenEnv) != "" { // the child process
		t.Run("broken", func(t *testing.T) {
			adaptertest.Run(t, func(t *testing.T) port.Monitoring { return &broken{Backend: monitoringtest.New(t)} })
		})
		return
	}
	t.Run("Should pass a backend that keeps the contract", func(t *testing.T) {
		adaptertest.Run(t, func(t *testing.T) port.Monitoring { return monitoringtest.New(t) })
	})

	t.Run("Should fail a backend that breaks the contract, on exactly the broken clauses", func(t *testing.T) {
		exe, err := os.Executable()
		require.NoError(t, err)
		cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestRun$/^broken$", "-test.v", "-test.count=1") //nolint:gosec // this test binary, re-run.
		cmd.Env = append(os.Environ(), brokenEnv+"=1")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "the suite must fail a broken backend; output:\n%s", out)

		results := map[string]string{}
		for _, m := range regexp.MustCompile(`--- (PASS|FAIL|SKIP): TestRun/broken/(\S+)`).FindAllSubmatch(out, -1) {
			results[string(m[2])] = string(m[1])
		}
		require.NotEmpty(t, results, "no subtest results in the output:\n%s", out)
		assert.Equal(t, "FAIL", results["Should_name_itself_and_report_a_consistent_status"], "%s", out)
		assert.Equal(t, "FAIL", results["Should_flush_and_shut_down_idempotently"], "%s", out)
		// The clauses it keeps pass: the suite tells one breach from another.
		for name, result := range results {
			if name != "Should_name_itself_and_report_a_consistent_status" &&
				name != "Should_flush_and_shut_down_idempotently" {
				assert.Equal(t, "PASS", result, "%s\n%s", name, out)
			}
		}
		assert.Contains(t, string(out), "Healthy must be true exactly when Err is nil")
	})
}
