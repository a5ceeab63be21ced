// Package promtool runs Prometheus' own tools on an exposition in tests: its
// linter, `promtool check metrics`, on the text format, and its OpenMetrics
// parser on OpenMetrics, so our /metrics is judged by the tools operators
// use rather than by our reading of the format.
package promtool

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compozy/monitoring/internal/binaries"
)

// InstallHint tells a developer how to get promtool.
const InstallHint = "install Debian's prometheus package (apt-get install -y prometheus) for promtool"

// Path returns promtool's path, skipping the test when it is absent unless
// binaries.RequireEnv is set, in which case the test fails.
func Path(t testing.TB) string {
	t.Helper()
	return binaries.Path(t, "promtool", InstallHint)
}

// CheckMetrics feeds exposition to `promtool check metrics` and returns what
// it printed and whether it accepted the exposition without a problem.
func CheckMetrics(t testing.TB, exposition []byte) (output string, ok bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), Path(t), "check", "metrics") //nolint:gosec // the path comes from LookPath.
	cmd.Stdin = bytes.NewReader(exposition)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err == nil && strings.TrimSpace(out.String()) == ""
}

// sampleTime is the timestamp CheckOpenMetrics gives every sample.
const sampleTime = "1700000000"

// CheckOpenMetrics parses exposition, an OpenMetrics text exposition, with
// Prometheus' own OpenMetrics parser (the one a scrape uses), through
// `promtool tsdb create-blocks-from openmetrics`, and returns what promtool
// printed and whether it parsed the whole exposition. The backfill wants a
// timestamp on every sample, which a scrape's exposition leaves out: one is
// inserted after each sample's value, and everything else (families,
// exemplars, the "# EOF" end) is judged as served.
func CheckOpenMetrics(t testing.TB, exposition []byte) (output string, ok bool) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "exposition.om")
	if err := os.WriteFile(in, WithTimestamps(exposition), 0o600); err != nil {
		t.Fatalf("promtool: writing the exposition: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), Path(t), //nolint:gosec // the path comes from LookPath.
		"tsdb", "create-blocks-from", "openmetrics", in, filepath.Join(dir, "blocks"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err == nil
}

// WithTimestamps returns exposition with a timestamp after the value of
// every sample line that has none: `name{labels} value` becomes
// `name{labels} value 1700000000`, an exemplar after it kept as it is.
func WithTimestamps(exposition []byte) []byte {
	lines := strings.SplitAfter(string(exposition), "\n")
	var b strings.Builder
	for _, line := range lines {
		body := strings.TrimSuffix(line, "\n")
		if body == "" || strings.HasPrefix(body, "#") {
			b.WriteString(line)
			continue
		}
		end := valueEnd(body)
		b.WriteString(body[:end] + " " + sampleTime + body[end:])
		if strings.HasSuffix(line, "\n") {
			b.WriteString("\n")
		}
	}
	return []byte(b.String())
}

// valueEnd returns where the value of a sample line ends: after the name,
// the label set (whose quoted values may hold any character) and one space.
func valueEnd(line string) int {
	i, quoted := 0, false
	for ; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ' ':
			j := strings.IndexByte(line[i+1:], ' ')
			if j < 0 {
				return len(line)
			}
			return i + 1 + j
		}
	}
	return len(line)
}
