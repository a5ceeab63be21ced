package integration_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/service"
)

// bigRegistry holds 60 series with 100 KB labels: an exposition of 6 MB, far
// more than the kernel buffers for a client that does not read, quick to
// gather under -race.
func bigRegistry(t *testing.T) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "big", Help: "a large exposition"}, []string{"id"})
	reg.MustRegister(g)
	pad := strings.Repeat("p", 100_000)
	for i := range 60 {
		g.WithLabelValues(pad + strconv.Itoa(i)).Set(float64(i))
	}
	return reg
}

// The slow-reader attack of issue 18: clients that send a scrape and never
// read the answer. Each must be cut by its bound, with its exposition freed,
// and no more than prometheus.max_concurrent_scrapes expositions held meanwhile,
// wherever the handler is served.
func TestSlowReaders(t *testing.T) {
	const user, password = "scraper", "slow-reader-password"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	cases := []struct {
		name   string
		cut    time.Duration // the bound that cuts a client that does not read
		mutate func(*monitoring.Config)
		// serve returns the URL of the endpoint and the Authorization to send.
		serve func(t *testing.T, svc *service.MonitoringService) (url, auth string)
	}{
		{
			name: "on the metrics server of listen_address, at prometheus.scrape_timeout",
			cut:  4 * time.Second,
			mutate: func(c *monitoring.Config) {
				c.Prometheus.ScrapeTimeout, c.ListenAddress = 4*time.Second, "127.0.0.1:0"
			},
			serve: func(t *testing.T, svc *service.MonitoringService) (string, string) {
				t.Helper()
				return "http://" + svc.MetricsAddr().String() + "/metrics", ""
			},
		},
		{
			name: "on the application's own server, behind basic auth, at prometheus.scrape_timeout",
			cut:  4 * time.Second,
			mutate: func(c *monitoring.Config) {
				c.Prometheus.ScrapeTimeout = 4 * time.Second
				c.Auth, c.AuthUsername, c.AuthPassword = monitoring.AuthBasic, user, monitoring.NewSecret(password)
			},
			serve: func(t *testing.T, svc *service.MonitoringService) (string, string) {
				t.Helper()
				srv := httptest.NewServer(svc.Handler()) // no write timeout of its own
				t.Cleanup(srv.Close)
				return srv.URL + "/metrics", basic
			},
		},
		{
			name: "on the metrics server with prometheus.scrape_timeout 0, at server_write_timeout",
			cut:  3 * time.Second,
			mutate: func(c *monitoring.Config) {
				c.Prometheus.ScrapeTimeout, c.ServerWriteTimeout, c.ListenAddress = 0, 3*time.Second, "127.0.0.1:0"
			},
			serve: func(t *testing.T, svc *service.MonitoringService) (string, string) {
				t.Helper()
				return "http://" + svc.MetricsAddr().String() + "/metrics", ""
			},
		},
	}
	for _, tc := range cases {
		t.Run("Should cut clients that do not read "+tc.name+", holding one exposition at a time", func(t *testing.T) {
			cfg := enabled(monitoring.BackendPrometheus)
			cfg.Prometheus.MaxConcurrentScrapes, cfg.SystemMetrics = 1, false
			tc.mutate(cfg)
			svc := newService(t, cfg, monitoring.WithRegistry(bigRegistry(t)))
			url, auth := tc.serve(t, svc)
			header := http.Header{}
			extra := ""
			if auth != "" {
				header.Set("Authorization", auth)
				extra = "Authorization: " + auth + "\r\n"
			}

			// No connection kept alive: each goroutine the test counts is a
			// scrape's. No gzip: compressing 6 MB under -race is slow.
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}}
			status, body := testkit.Get(t, client, url, header)
			require.Equal(t, http.StatusOK, status)
			size := uint64(len(body))
			require.Greater(t, size, uint64(5<<20))
			baseHeap, baseGoroutines := testkit.LiveHeap(), runtime.NumGoroutine()

			start := time.Now()
			hostPath := strings.TrimPrefix(url, "http://")
			slash := strings.IndexByte(hostPath, '/')
			closeAll := testkit.NonReaders(t, hostPath[:slash], hostPath[slash:], 6, extra)
			defer closeAll()

			// Five are refused at once and their connections closed; one
			// holds its exposition (a connection, and the handler's
			// goroutine), and its slot until it is cut: a scrape arriving
			// meanwhile is refused, whenever it comes. The two waits together stay
			// under the cut, however slow the machine is to let the five go.
			require.Eventually(t, func() bool { return runtime.NumGoroutine() <= baseGoroutines+3 },
				3*tc.cut/4, 10*time.Millisecond, "one scrape at a time holds an exposition")
			assert.Never(t, func() bool {
				status, _ := testkit.Get(t, client, url, header)
				return status != http.StatusServiceUnavailable
			}, tc.cut/5, 50*time.Millisecond, "a second exposition while the first is held")
			held := testkit.LiveHeap() - min(baseHeap, testkit.LiveHeap())
			assert.Less(t, held, 3*size, "at most one exposition in memory (%d bytes held, exposition %d)", held, size)

			assert.Eventually(t, func() bool { return runtime.NumGoroutine() <= baseGoroutines+1 },
				2*tc.cut+time.Second, 10*time.Millisecond, "handlers still writing to clients that do not read")
			assert.Less(t, time.Since(start), 2*tc.cut+2*time.Second)
			assert.Eventually(t, func() bool { return testkit.LiveHeap() < baseHeap+size/2 }, time.Second,
				10*time.Millisecond, "the exposition is freed")

			status, again := testkit.Get(t, client, url, header)
			assert.Equal(t, http.StatusOK, status, "a legitimate scrape is served again")
			assert.Equal(t, size, uint64(len(again)))
		})
	}
}
