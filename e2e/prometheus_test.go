package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/compozy/monitoring/internal/binaries"
	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const prometheusHint = "install Debian's prometheus package (apt-get install -y prometheus)"

// The demo's knobs in this test: how long /slow takes and how often /flaky fails.
const (
	slowRoute  = 100 * time.Millisecond
	flakyEvery = 5
)

// buildDemo compiles cmd/demo with a known version and commit.
func buildDemo(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "demo")
	cmd := exec.CommandContext(t.Context(), "go", "build", //nolint:gosec // a fixed command; bin is a temp path.
		"-ldflags", "-X main.version=e2e-1.0 -X main.commit=e2ecafe", "-o", bin, "./cmd/demo")
	cmd.Dir = moduleRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

func startDemo(t *testing.T, bin, addr string, extra ...string) *process {
	t.Helper()
	args := append([]string{"-addr", addr, "-slow", slowRoute.String(), "-flaky-every", fmt.Sprint(flakyEvery)}, extra...)
	return start(t, "listening on", bin, args...)
}

// startPrometheus runs the prometheus binary with a temporary config that
// scrapes target every second and loads the project's alerting rules, with
// further command-line flags.
func startPrometheus(t *testing.T, target string, flags ...string) promAPI {
	t.Helper()
	bin := binaries.Path(t, "prometheus", prometheusHint)
	dir := t.TempDir()
	rules := filepath.Join(moduleRoot(t), "deploy", "prometheus", "alerts.yml")
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: monitoring-demo
    scrape_timeout: 900ms
    static_configs:
      - targets: [%q]
`, rules, target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(config), 0o600))
	port := testkit.FreePort(t)
	args := append([]string{"--config.file=" + cfgPath, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--log.level=warn"}, flags...)
	cmd := exec.Command(bin, args...) //nolint:gosec // bin comes from LookPath.
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	runUntilCleanup(t, "prometheus", cmd, nil)
	api := promAPI{base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	waitFor(t, 30*time.Second, "prometheus to be ready", func() (bool, error) {
		resp, err := http.Get(api.base + "/-/ready") //nolint:noctx // a bounded readiness probe.
		if err != nil {
			return false, err
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, fmt.Errorf("status %d", resp.StatusCode)
	})
	return api
}

// waitForTwoScrapesOf waits until Prometheus holds two samples of the series
// that the last request of the traffic created: every series then has a
// sample taken after the traffic, and rate() has two points.
func waitForTwoScrapesOf(t *testing.T, api promAPI, series string) {
	t.Helper()
	waitFor(t, 30*time.Second, "two scrapes after the traffic", func() (bool, error) {
		v, err := api.query(t, `count_over_time(`+series+`[1m]) >= 2`)
		return err == nil && len(v) == 1, err
	})
}

// queries returns the expressions of the Grafana dashboard, with its
// variables replaced by values Prometheus understands: every job, and the
// routes route matches (a regular expression, as Grafana's "All" and its
// escaped selections are).
func dashboardQueries(t *testing.T, route string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot(t), "deploy", "grafana", "dashboard.json"))
	require.NoError(t, err)
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &dash))
	var out []string
	for _, p := range dash.Panels {
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, target := range p.Targets {
			q := strings.NewReplacer("$__rate_interval", "1m", "$job", ".+", "$route", route).Replace(target.Expr)
			out = append(out, q)
		}
	}
	return out
}

func TestAgainstARealPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the demo and runs a Prometheus server")
	}
	binaries.Path(t, "prometheus", prometheusHint)
	demo := buildDemo(t)
	addr := fmt.Sprintf("127.0.0.1:%d", testkit.FreePort(t))
	base := "http://" + addr
	service := startDemo(t, demo, addr)
	api := startPrometheus(t, addr)

	sent := map[string]int{ // "route status" -> requests
		"/orders/:item 200": 7, "/orders/:item 404": 3, "/flaky 200": 8, "/flaky 500": 2, "/slow 200": 4,
	}
	t.Run("Should send known traffic to the service", func(t *testing.T) {
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
			code, _ := httpGet(t, base+"/slow")
			require.Equal(t, http.StatusOK, code)
		}
	})
	// /slow was the last route called.
	waitForTwoScrapesOf(t, api, `http_server_request_duration_seconds_count{job="monitoring-demo",http_route="/slow"}`)

	t.Run("Should see the target up", func(t *testing.T) {
		assert.InDelta(t, 1, api.value(t, `up{job="monitoring-demo"}`), 0)
	})

	t.Run("Should count exactly the requests sent, per route and status", func(t *testing.T) {
		for key, n := range sent {
			route, status, _ := strings.Cut(key, " ")
			q := fmt.Sprintf(`http_server_request_duration_seconds_count{job="monitoring-demo",http_route=%q,http_response_status_code=%q}`,
				route, status)
			assert.InDelta(t, float64(n), api.value(t, q), 0, key)
		}
		total := 0
		for _, n := range sent {
			total += n
		}
		assert.InDelta(t, float64(total), api.value(t, `sum(http_server_request_duration_seconds_count{job="monitoring-demo"})`), 0)
	})

	t.Run("Should keep the histogram's count and sum consistent with the slow route", func(t *testing.T) {
		sel := `{job="monitoring-demo",http_route="/slow"}`
		assert.InDelta(t, 4, api.value(t, `http_server_request_duration_seconds_count`+sel), 0)
		assert.InDelta(t, 4, api.value(t, `http_server_request_duration_seconds_bucket{job="monitoring-demo",http_route="/slow",le="+Inf"}`), 0)
		sum := api.value(t, `http_server_request_duration_seconds_sum`+sel)
		assert.GreaterOrEqual(t, sum, 4*slowRoute.Seconds(), "each request waited at least the slow delay")
		assert.Less(t, sum, 4*(slowRoute.Seconds()+1), "and not a second more")
		assert.InDelta(t, 0, api.value(t, `http_server_request_duration_seconds_bucket{job="monitoring-demo",http_route="/slow",le="0.075"}`), 0)
	})

	t.Run("Should expose build info stamped by -ldflags and the runtime metrics", func(t *testing.T) {
		v, err := api.query(t, `build_info{job="monitoring-demo"}`)
		require.NoError(t, err)
		require.Len(t, v, 1)
		assert.Equal(t, "e2e-1.0", v[0].Metric["version"])
		assert.Equal(t, "e2ecafe", v[0].Metric["commit"])
		assert.InDelta(t, 1, v[0].float(t), 0)
		assert.Positive(t, api.value(t, `go_goroutines{job="monitoring-demo"}`))
		assert.Positive(t, api.value(t, `process_uptime_seconds{job="monitoring-demo"}`))
	})

	t.Run("Should answer every dashboard query, with data where the demo has it", func(t *testing.T) {
		for _, q := range dashboardQueries(t, ".*") {
			v, err := api.query(t, q)
			require.NoError(t, err, q)
			if !strings.Contains(q, "temporal_") { // no Temporal server in this test
				assert.NotEmpty(t, v, "no data for %s", q)
			}
		}
	})

	t.Run("Should offer gin's own route templates in the dashboard's route picker, and select each", func(t *testing.T) {
		v, err := api.query(t, `count by (http_route) (http_server_request_duration_seconds_count{job="monitoring-demo"})`)
		require.NoError(t, err)
		routes := map[string]bool{}
		for _, s := range v {
			routes[s.Metric["http_route"]] = true
		}
		assert.Equal(t, map[string]bool{"/orders/:item": true, "/flaky": true, "/slow": true}, routes,
			"gin's c.FullPath(), unchanged")
		for route := range routes {
			for _, q := range dashboardQueries(t, regexp.QuoteMeta(route)) {
				if !strings.Contains(q, "http_route=~") {
					continue
				}
				got, err := api.query(t, q)
				require.NoError(t, err, q)
				require.NotEmpty(t, got, "no data for %s", q)
				for _, s := range got {
					assert.Equal(t, route, s.Metric["http_route"], q)
				}
			}
		}
	})

	t.Run("Should load and evaluate every alerting rule", func(t *testing.T) {
		_, body := httpGet(t, api.base+"/api/v1/rules")
		var resp struct {
			Data struct {
				Groups []struct {
					Rules []struct {
						Name      string `json:"name"`
						Query     string `json:"query"`
						Health    string `json:"health"`
						LastError string `json:"lastError"`
					} `json:"rules"`
				} `json:"groups"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &resp))
		var names []string
		for _, g := range resp.Data.Groups {
			for _, r := range g.Rules {
				names = append(names, r.Name)
				_, err := api.query(t, r.Query)
				require.NoError(t, err, r.Name)
				if r.Health != "unknown" { // not evaluated yet is fine; failing is not
					assert.Equal(t, "ok", r.Health, "%s: %s", r.Name, r.LastError)
				}
			}
		}
		assert.ElementsMatch(t, []string{"HighErrorRatio", "HighLatencyP95", "TargetDown", "MonitoringDegraded"}, names)
	})

	t.Run("Should expose what promtool accepts without a warning", func(t *testing.T) {
		code, body := httpGet(t, base+"/metrics")
		require.Equal(t, http.StatusOK, code)
		out, ok := promtool.CheckMetrics(t, []byte(body))
		assert.True(t, ok, "promtool: %s", out)
	})

	t.Run("Should flush and exit cleanly on SIGTERM", func(t *testing.T) {
		assert.NoError(t, service.stop(t))
	})

	t.Run("Should be seen down when degraded, while the API keeps serving", func(t *testing.T) {
		startDemo(t, demo, addr, "-simulate-backend-failure")
		code, body := httpGet(t, base+"/metrics")
		assert.Equal(t, http.StatusServiceUnavailable, code)
		assert.Contains(t, body, "simulated backend failure")
		restarted := time.Now()
		waitFor(t, 30*time.Second, "prometheus to record the degraded target as down", func() (bool, error) {
			v, err := api.query(t, `up{job="monitoring-demo"} == 0 and timestamp(up{job="monitoring-demo"}) > `+
				fmt.Sprint(float64(restarted.UnixMilli())/1000))
			return err == nil && len(v) == 1, err
		})
		code, _ = httpGet(t, base+"/orders/book")
		assert.Equal(t, http.StatusOK, code)
		code, body = httpGet(t, base+"/healthz")
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, `"healthy":false`)
	})
}
