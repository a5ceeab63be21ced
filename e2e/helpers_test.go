package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/testkit"
)

// moduleRoot is where go build runs: the parent of this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return filepath.Dir(wd)
}

// waitFor polls check every 200 ms until it reports done, failing the test
// after limit. It is a bounded readiness loop, not a sleep.
func waitFor(t *testing.T, limit time.Duration, what string, check func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	ticker := time.NewTicker(200 * time.Millisecond)
	defer ticker.Stop()
	var last error
	for {
		done, err := check()
		if done {
			return
		}
		last = err
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; last error: %v", limit, what, last)
		}
		<-ticker.C
	}
}

// process is a program the test started; it is stopped with SIGTERM.
type process struct {
	cmd     *exec.Cmd
	done    chan error
	exited  bool
	exitErr error
}

// start runs bin with args and waits until it prints a line containing
// ready on standard output (or standard error when ready is on stderr).
func start(t *testing.T, ready string, bin string, args ...string) *process {
	t.Helper()
	return startEnv(t, nil, ready, bin, args...)
}

// runUntilCleanup starts cmd and stops it when the test ends: an interrupt,
// then a kill after 15 s; then after runs, if given.
func runUntilCleanup(t *testing.T, name string, cmd *exec.Cmd, after func()) {
	t.Helper()
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		var err error
		select {
		case err = <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			err = <-done
		}
		if err != nil {
			t.Logf("%s exited: %v", name, err)
		}
		if after != nil {
			after()
		}
	})
}

// startEnv is start with further environment variables (KEY=value).
func startEnv(t *testing.T, env []string, ready string, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...) //nolint:gosec // the test built or found bin itself.
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd, done: make(chan error, 1)}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = p.stop(t) })
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "%s exited before it was ready", bin)
			if strings.Contains(line, ready) {
				return p
			}
		case <-timeout:
			t.Fatalf("%s did not print %q within 30s", bin, ready)
		}
	}
}

// stop sends SIGTERM and waits for the process to exit, killing it after 10s.
func (p *process) stop(t *testing.T) error {
	t.Helper()
	if p.exited {
		return p.exitErr
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case p.exitErr = <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		p.exitErr = <-p.done
	}
	p.exited = true
	return p.exitErr
}

func httpGet(t *testing.T, u string) (int, string) {
	t.Helper()
	return testkit.Get(t, nil, u, nil)
}

// promAPI asks a Prometheus server's HTTP API.
type promAPI struct{ base string }

type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s sample) float(t *testing.T) float64 {
	t.Helper()
	str, ok := s.Value[1].(string)
	require.True(t, ok, "sample value %v", s.Value)
	f, err := strconv.ParseFloat(str, 64)
	require.NoError(t, err)
	return f
}

// query runs an instant query and returns the vector, or the API's error.
func (p promAPI) query(t *testing.T, q string) ([]sample, error) {
	t.Helper()
	code, body := httpGet(t, p.base+"/api/v1/query?query="+url.QueryEscape(q))
	var resp struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &resp), body)
	if code != http.StatusOK || resp.Status != "success" {
		return nil, fmt.Errorf("query %q: %d %s", q, code, resp.Error)
	}
	if resp.Data.ResultType != "vector" {
		return nil, nil
	}
	var v []sample
	require.NoError(t, json.Unmarshal(resp.Data.Result, &v))
	return v, nil
}

// value runs q, which must return exactly one sample, and returns it.
func (p promAPI) value(t *testing.T, q string) float64 {
	t.Helper()
	v, err := p.query(t, q)
	require.NoError(t, err)
	require.Len(t, v, 1, "query %q", q)
	return v[0].float(t)
}
