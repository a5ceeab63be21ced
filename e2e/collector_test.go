package e2e_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/binaries"
	"github.com/compozy/monitoring/internal/testkit"
)

// collectorBinary is the OpenTelemetry Collector built from
// deploy/collector/builder.yaml (make collector).
const (
	collectorBinary = "otelcol-monitoring"
	collectorHint   = "build it with `make collector` (the OpenTelemetry Collector builder v0.165.0 and " +
		"deploy/collector/builder.yaml; about three minutes)"
)

// The pushed demo's identity: job and instance through remote write.
const (
	pushedService  = "demo-pushed"
	pushedInstance = "e2e-replica-1"
)

// goBin is where go install puts programs.
func goBin(t *testing.T) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "go", "env", "GOPATH").Output()
	require.NoError(t, err)
	return filepath.Join(strings.TrimSpace(string(out)), "bin")
}

// startCollector runs the collector with OTLP/HTTP and gRPC receivers on
// 127.0.0.1, remote writing to the Prometheus at promBase and writing a
// file beside it. It returns the OTLP/HTTP endpoint and the file's path.
func startCollector(t *testing.T, bin, promBase string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	httpPort, grpcPort := testkit.FreePort(t), testkit.FreePort(t)
	file := filepath.Join(dir, "metrics.jsonl")
	config := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
      grpc:
        endpoint: 127.0.0.1:%d
exporters:
  prometheus_remote_write:
    endpoint: %s/api/v1/write
  file:
    path: %s
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheus_remote_write, file]
`, httpPort, grpcPort, promBase, file)
	cfgPath := filepath.Join(dir, "collector.yaml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(config), 0o600))
	logPath := filepath.Join(dir, "collector.log")
	logFile, err := os.Create(logPath) //nolint:gosec // a temp path.
	require.NoError(t, err)
	cmd := exec.Command(bin, "--config", cfgPath) //nolint:gosec // bin comes from binaries.Path.
	cmd.Stdout, cmd.Stderr = logFile, logFile
	runUntilCleanup(t, "collector", cmd, func() {
		_ = logFile.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logPath) //nolint:gosec // a temp path.
			t.Logf("collector log:\n%s", out)
		}
	})
	waitFor(t, 30*time.Second, "the collector to listen", func() (bool, error) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", httpPort), time.Second)
		if err != nil {
			return false, err
		}
		_ = c.Close()
		return true, nil
	})
	return fmt.Sprintf("http://127.0.0.1:%d", httpPort), file
}

// scrapedCounts reads the request counts per "route status" from the
// demo's own /metrics.
func scrapedCounts(t *testing.T, metricsURL string) map[string]float64 {
	t.Helper()
	code, body := httpGet(t, metricsURL)
	require.Equal(t, http.StatusOK, code)
	families, err := testkit.ParseExposition(body)
	require.NoError(t, err)
	out := map[string]float64{}
	f, ok := families["http_server_request_duration_seconds"]
	require.True(t, ok, "no request histogram on /metrics")
	for _, m := range f.GetMetric() {
		labels := testkit.Labels(m)
		out[labels["http_route"]+" "+labels["http_response_status_code"]] += float64(m.GetHistogram().GetSampleCount())
	}
	return out
}

func TestThroughARealCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the demo and runs a collector and a Prometheus server")
	}
	binaries.Path(t, "prometheus", prometheusHint)
	collector := binaries.Path(t, collectorBinary, collectorHint, goBin(t))
	demo := buildDemo(t)
	addr := fmt.Sprintf("127.0.0.1:%d", testkit.FreePort(t))
	base := "http://" + addr
	api := startPrometheus(t, addr, "--web.enable-remote-write-receiver")
	endpoint, file := startCollector(t, collector, api.base)
	service := startEnv(t, []string{
		"MONITORING_BACKEND=prometheus,otlp",
		"MONITORING_OTLP_ENDPOINT=" + endpoint,
		"MONITORING_OTLP_INTERVAL=1s",
		"MONITORING_SERVICE_NAME=" + pushedService,
		"MONITORING_SERVICE_INSTANCE_ID=" + pushedInstance,
	}, "listening on", demo, "-addr", addr, "-slow", slowRoute.String(), "-flaky-every", fmt.Sprint(flakyEvery))

	sent := map[string]int{ // "route status" -> requests
		"/orders/:item 200": 7, "/orders/:item 404": 3, "/flaky 200": 8, "/flaky 500": 2, "/slow 200": 4,
	}
	total := 0
	for _, n := range sent {
		total += n
	}
	for i := range 10 {
		item := "book"
		if i >= 7 {
			item = "unicorn"
		}
		httpGet(t, base+"/orders/"+item)
	}
	for range 10 {
		httpGet(t, base+"/flaky")
	}
	for range 4 {
		httpGet(t, base+"/slow")
	}

	pushed := fmt.Sprintf(`http_server_request_duration_seconds_count{job=%q,instance=%q}`, pushedService, pushedInstance)
	waitFor(t, 60*time.Second, "the remote-written counts to reach the requests sent", func() (bool, error) {
		v, err := api.query(t, `sum(`+pushed+`)`)
		if err != nil || len(v) != 1 {
			return false, fmt.Errorf("no remote-written series yet: %w", err)
		}
		got := v[0].float(t)
		return got == float64(total), fmt.Errorf("%v of %d requests", got, total)
	})

	t.Run("Should remote-write exactly the requests sent, equal to the demo's own /metrics", func(t *testing.T) {
		scraped := scrapedCounts(t, base+"/metrics")
		for key, n := range sent {
			route, status, _ := strings.Cut(key, " ")
			q := fmt.Sprintf(`http_server_request_duration_seconds_count{job=%q,instance=%q,http_route=%q,http_response_status_code=%q}`,
				pushedService, pushedInstance, route, status)
			assert.InDelta(t, float64(n), api.value(t, q), 0, "remote write: %s", key)
			assert.InDelta(t, float64(n), scraped[key], 0, "/metrics: %s", key)
		}
	})

	t.Run("Should take job and instance from service.name and service.instance.id", func(t *testing.T) {
		v, err := api.query(t, `count by (job, instance) (http_server_request_duration_seconds_count{instance=`+
			fmt.Sprintf("%q", pushedInstance)+`})`)
		require.NoError(t, err)
		require.Len(t, v, 1)
		assert.Equal(t, pushedService, v[0].Metric["job"])
		assert.Equal(t, pushedInstance, v[0].Metric["instance"])
	})

	t.Run("Should write the same export to the collector's file exporter", func(t *testing.T) {
		data, err := os.ReadFile(file) //nolint:gosec // a temp path.
		require.NoError(t, err)
		assert.Contains(t, string(data), `"http.server.request.duration"`)
		assert.Contains(t, string(data), pushedInstance)
	})

	t.Run("Should flush and exit cleanly on SIGTERM", func(t *testing.T) {
		assert.NoError(t, service.stop(t))
	})
}

func TestGatewayConfig(t *testing.T) {
	t.Run("Should be accepted by the collector the Makefile builds", func(t *testing.T) {
		collector := binaries.Path(t, collectorBinary, collectorHint, goBin(t))
		cfg := filepath.Join(moduleRoot(t), "deploy", "collector", "gateway.yaml")
		out, err := exec.CommandContext(t.Context(), collector, "validate", "--config", cfg).CombinedOutput() //nolint:gosec // found by binaries.Path.
		require.NoError(t, err, string(out))
	})
}
