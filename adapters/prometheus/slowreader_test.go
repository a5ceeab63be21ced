package prometheus_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	promadapter "github.com/compozy/monitoring/adapters/prometheus"
	"github.com/compozy/monitoring/internal/testkit"
)

// largeRegistry holds series with labels long enough for an exposition of
// several MiB, far more than the kernel buffers for a client that does not
// read, yet quick to gather under -race.
func largeRegistry(t *testing.T, series int) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "big", Help: "a large exposition"}, []string{"id"})
	reg.MustRegister(g)
	pad := strings.Repeat("p", 100_000)
	for i := range series {
		g.WithLabelValues(pad + strconv.Itoa(i)).Set(float64(i))
	}
	return reg
}

// counting counts the calls of h started and under way.
func counting(h http.Handler, started, inFlight *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		inFlight.Add(1)
		defer inFlight.Add(-1)
		h.ServeHTTP(w, r)
	})
}

func TestSlowReaders(t *testing.T) {
	t.Run("Should cut scrapers that do not read at the scrape timeout, hold one exposition at a time, and serve again", func(t *testing.T) {
		const timeout = 4 * time.Second
		reg := largeRegistry(t, 60)
		a := newAdapter(t, promadapter.WithRegistry(reg), promadapter.WithScrapeTimeout(timeout),
			promadapter.WithMaxConcurrentScrapes(1))
		var started, inFlight atomic.Int64
		// The user's own server, with no write timeout of its own: only the
		// handler can bound a scrape.
		srv := httptest.NewServer(counting(a.Handler(), &started, &inFlight))
		defer srv.Close()
		// No gzip: compressing the exposition under -race is slow.
		client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
		defer client.CloseIdleConnections()

		status, body := testkit.Get(t, client, srv.URL+"/metrics", nil)
		require.Equal(t, http.StatusOK, status)
		size := uint64(len(body))
		require.Greater(t, size, uint64(5<<20), "an exposition larger than the socket buffers")
		baseHeap, baseGoroutines := testkit.LiveHeap(), runtime.NumGoroutine()

		before := started.Load()
		start := time.Now()
		closeAll := testkit.NonReaders(t, srv.Listener.Addr().String(), "/metrics", 6, "")
		defer closeAll()

		// The five past the limit are refused at once; one holds its slot.
		require.Eventually(t, func() bool { return started.Load() == before+6 && inFlight.Load() <= 1 },
			timeout/2, 10*time.Millisecond, "scrapes holding an exposition: want at most 1, the limit")
		assert.Never(t, func() bool { return inFlight.Load() > 1 }, timeout/4, 10*time.Millisecond)
		held := testkit.LiveHeap() - min(baseHeap, testkit.LiveHeap())
		assert.Less(t, held, 3*size, "at most one exposition in memory (%d bytes held, exposition %d)", held, size)
		refused, _ := testkit.Get(t, client, srv.URL+"/metrics", nil)
		assert.Equal(t, http.StatusServiceUnavailable, refused, "the slot is taken")

		// Past the timeout (and the grace to deliver a 503), the last one is cut.
		assert.Eventually(t, func() bool { return inFlight.Load() == 0 }, 2*timeout+time.Second, 10*time.Millisecond,
			"handlers still writing to clients that do not read")
		assert.Less(t, time.Since(start), 2*timeout+2*time.Second)
		assert.Eventually(t, func() bool { return testkit.LiveHeap() < baseHeap+size/2 }, time.Second, 10*time.Millisecond,
			"the exposition is freed")
		assert.Eventually(t, func() bool { return runtime.NumGoroutine() <= baseGoroutines+1 }, time.Second, 10*time.Millisecond,
			"no goroutine held")

		status, again := testkit.Get(t, client, srv.URL+"/metrics", nil)
		assert.Equal(t, http.StatusOK, status, "a legitimate scrape is served again")
		assert.Equal(t, size, uint64(len(again)))
	})

	t.Run("Should log once, naming the ResponseWriter, that it cannot set a write deadline and what then bounds the scrape", func(t *testing.T) {
		logs := &testkit.Buffer{}
		a := newAdapter(t, promadapter.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
			promadapter.WithScrapeTimeout(time.Minute))
		for range 3 {
			status, _, _ := scrape(t, a.Handler(), "") // an httptest.ResponseRecorder: no connection
			assert.Equal(t, http.StatusOK, status)
		}
		lines := logs.LinesContaining("cannot set a write deadline")
		require.Len(t, lines, 1, logs.String())
		// Accurate under a unit test's recorder too: it names the writer,
		// both causes, and what bounds the scrape instead.
		for _, want := range []string{"*httptest.ResponseRecorder", "httptest recorder", "without an Unwrap method",
			"scrape timeout with a 503", "server's WriteTimeout"} {
			assert.Contains(t, lines[0], want)
		}
	})

	t.Run("Should set no deadline, and log nothing, when the scrape timeout is off", func(t *testing.T) {
		logs := &testkit.Buffer{}
		a := newAdapter(t, promadapter.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
			promadapter.WithScrapeTimeout(0))
		status, _, _ := scrape(t, a.Handler(), "")
		assert.Equal(t, http.StatusOK, status)
		assert.Empty(t, logs.LinesContaining("write deadline"))
	})
}
