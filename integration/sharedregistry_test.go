package integration_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/promtool"
	"github.com/compozy/monitoring/internal/testkit"
)

// trackingRegistry is client_golang's default registry seen through a
// wrapper that remembers what it was handed, so that a test can take its
// collectors out again and leave the global registry as it found it.
type trackingRegistry struct {
	*prometheus.Registry

	mu         sync.Mutex
	registered []prometheus.Collector
}

func (r *trackingRegistry) Register(c prometheus.Collector) error {
	if err := r.Registry.Register(c); err != nil {
		return err //nolint:wrapcheck // the registry's own error, as it is.
	}
	r.mu.Lock()
	r.registered = append(r.registered, c)
	r.mu.Unlock()
	return nil
}

func (r *trackingRegistry) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

func (r *trackingRegistry) unregisterAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.registered {
		r.Unregister(c)
	}
	r.registered = nil
}

// scrapeShared scrapes h three times and checks the last exposition: it
// parses, passes promtool, counts no gathering error, and has each family
// once with the runtime families present.
func scrapeShared(t *testing.T, h http.Handler) {
	t.Helper()
	var body string
	for range 3 {
		var code int
		code, body = testkit.Scrape(t, h)
		require.Equal(t, http.StatusOK, code, body)
	}
	families, err := testkit.ParseExposition(body)
	require.NoError(t, err, "a family served twice does not parse")
	for _, m := range families["promhttp_metric_handler_errors_total"].GetMetric() {
		assert.Zero(t, m.GetCounter().GetValue(), "no scrape lost anything: %v", m.GetLabel())
	}
	require.Contains(t, families, "promhttp_metric_handler_errors_total")
	assert.Len(t, families["go_goroutines"].GetMetric(), 1, "served once, by client_golang's Go collector")
	assert.Contains(t, families["go_goroutines"].GetHelp(), "Number of goroutines that currently exist")
	assert.Contains(t, families, "go_memstats_alloc_bytes", "the Go collector's families")
	assert.Contains(t, families, "go_memory_used_bytes", "and ours, under the OpenTelemetry names")
	assert.Contains(t, families, "build_info")
	assert.Contains(t, families, "process_uptime_seconds")
	assert.Equal(t, 1, strings.Count(body, "# TYPE go_goroutines "))
	out, ok := promtool.CheckMetrics(t, []byte(body))
	assert.True(t, ok, "promtool: %s", out)
}

func TestSharedRegistryWithStandardCollectors(t *testing.T) {
	t.Run("Should count no gathering error with client_golang's Go and process collectors in the registry", func(t *testing.T) {
		for name, cs := range map[string][]prometheus.Collector{
			"Go and process collectors": {
				collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
			},
			"every runtime/metrics metric": {
				collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)),
				collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
			},
			"the Go collector alone": {collectors.NewGoCollector()},
		} {
			t.Run(name, func(t *testing.T) {
				reg := prometheus.NewRegistry()
				reg.MustRegister(cs...)
				svc := newService(t, enabled(monitoring.BackendPrometheus), monitoring.WithRegistry(reg))
				scrapeShared(t, svc.Handler())
			})
		}
	})

	t.Run("Should count no gathering error on client_golang's default registry, and leave it as it was", func(t *testing.T) {
		def, ok := prometheus.DefaultRegisterer.(*prometheus.Registry)
		require.True(t, ok, "client_golang's default registerer is a *Registry")
		before, err := prometheus.DefaultGatherer.Gather()
		require.NoError(t, err)
		reg := &trackingRegistry{Registry: def}
		t.Cleanup(func() {
			reg.unregisterAll()
			after, err := prometheus.DefaultGatherer.Gather()
			require.NoError(t, err)
			assert.Len(t, after, len(before), "the default registry is left as it was found")
		})
		svc := newService(t, enabled(monitoring.BackendPrometheus), monitoring.WithRegistry(reg))
		scrapeShared(t, svc.Handler())
	})

	t.Run("Should serve go_goroutines itself on a registry of its own", func(t *testing.T) {
		svc := newService(t, enabled(monitoring.BackendPrometheus))
		_, body := testkit.Scrape(t, svc.Handler())
		assert.Equal(t, 1, strings.Count(body, "# TYPE go_goroutines gauge"))
		assert.Contains(t, body, "\ngo_goroutines ")
	})
}
