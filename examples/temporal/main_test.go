// This test runs the example against a real Temporal server through this
// repository's internal test helpers (internal/temporaldev, internal/testkit),
// which Go refuses to import from another module: copy main.go, not this
// file.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.uber.org/goleak"

	"github.com/compozy/monitoring/internal/temporaldev"
	"github.com/compozy/monitoring/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// do sends one request without keeping the connection, and returns the
// status and body.
func do(t *testing.T, method, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	require.NoError(t, err)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// linesWith returns the exposition lines that start with prefix and
// contain every one of subs.
func linesWith(exposition, prefix string, subs ...string) []string {
	var out []string
next:
	for l := range strings.SplitSeq(exposition, "\n") {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

func TestExample(t *testing.T) {
	t.Run("Should exit at once with a clear message when no Temporal server answers", func(t *testing.T) {
		address := fmt.Sprintf("127.0.0.1:%d", testkit.FreePort(t)) // nothing listens there
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		var logs strings.Builder // written only by run, read after it returned
		listened := false
		err := run(ctx, func() (net.Listener, error) {
			listened = true
			return nil, errors.New("must not listen")
		}, address, "", slog.New(slog.NewTextHandler(&logs, nil)))
		require.Error(t, err)
		assert.False(t, listened, "nothing listens before Temporal answers")
		assert.NotContains(t, logs.String(), "listening")
		assert.Contains(t, err.Error(), "cannot connect to Temporal at "+address)
		assert.Contains(t, err.Error(), "temporal server start-dev")
	})

	t.Run("Should count workflows, activities and the business metric from a real server on /metrics", func(t *testing.T) {
		if testing.Short() {
			t.Skip("runs a Temporal dev server")
		}
		address, _ := temporaldev.Start(t)
		temporaldev.Dial(t, address, client.Options{}) // waits until the server answers

		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, func() (net.Listener, error) { return ln, nil }, address, "", slog.New(slog.DiscardHandler))
		}()
		stopped := false
		stop := func() error { cancel(); stopped = true; return <-done }
		t.Cleanup(func() {
			if !stopped {
				_ = stop()
			}
		})
		base := "http://" + ln.Addr().String()

		status, _ := do(t, http.MethodPost, base+"/orders/book")
		assert.Equal(t, http.StatusCreated, status)
		status, body := do(t, http.MethodPost, base+"/orders/unicorn")
		assert.Equal(t, http.StatusUnprocessableEntity, status)
		assert.NotContains(t, body, "unicorn", "the error's details stay in the log")

		status, body = do(t, http.MethodGet, base+"/metrics")
		require.Equal(t, http.StatusOK, status)
		wf := `task_queue="orders",workflow_type="OrderWorkflow"`
		assert.Len(t, linesWith(body, "temporal_workflow_started_total{", wf, "} 2"), 1, body)
		assert.Len(t, linesWith(body, "temporal_workflow_ended_total{", `outcome="completed"`, wf, "} 1"), 1)
		assert.Len(t, linesWith(body, "temporal_workflow_ended_total{", `outcome="failed"`, wf, "} 1"), 1)
		assert.Len(t, linesWith(body, "temporal_activity_ended_total{", `activity_type="PlaceOrder"`, `outcome="completed"`, "} 1"), 1)
		assert.Equal(t, []string{`shop_orders_total{outcome="placed"} 1`}, linesWith(body, "shop_orders_total", "placed"))
		assert.Equal(t, []string{`shop_orders_total{outcome="rejected"} 1`}, linesWith(body, "shop_orders_total", "rejected"))
		assert.Equal(t, []string{`temporal_worker_running{task_queue="orders"} 1`}, linesWith(body, "temporal_worker_running"))
		assert.NotEmpty(t, linesWith(body, "temporal_request_total{"), "the SDK's own metrics share the backend")

		require.NoError(t, stop(), "a graceful shutdown returns no error")
	})
}
