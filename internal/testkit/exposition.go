package testkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/otel/metric"
)

// Shutdowner is what [Started] shuts down when the test ends: a monitoring
// service, a backend.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}

// Started is the one place a test's service construction is checked: it
// fails the test at once when err is not nil or svc is nil, and shuts svc
// down when the test ends, reporting a failed shutdown. Use it on what a
// constructor returned:
//
//	svc, err := monitoring.NewMonitoringService(t.Context(), cfg)
//	svc = testkit.Started(t, svc, err)
func Started[S Shutdowner](t testing.TB, svc S, err error) S {
	t.Helper()
	if err != nil {
		t.Fatalf("starting: %v", err)
	}
	var zero S
	if any(svc) == any(zero) {
		t.Fatalf("starting: no error, and nothing started")
	}
	t.Cleanup(func() {
		if err := svc.Shutdown(context.Background()); err != nil {
			t.Errorf("shutting down: %v", err)
		}
	})
	return svc
}

// Scrape calls h as a Prometheus server would (GET /metrics) and returns the
// status code and the body.
func Scrape(t testing.TB, h http.Handler) (status int, body string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
	return rec.Code, rec.Body.String()
}

// ParseExposition parses a Prometheus text exposition into its families by
// name. An exposition without a single family is an error too: every
// handler of this module serves at least its own promhttp counters. It
// returns an error rather than failing a test, so that it may run on any
// goroutine.
func ParseExposition(body string) (map[string]*dto.MetricFamily, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parsing the exposition: %w", err)
	}
	if len(families) == 0 {
		return nil, errors.New("an empty exposition")
	}
	return families, nil
}

// Families scrapes h and returns the exposition parsed, failing the test
// unless the answer is 200 and parses.
func Families(t testing.TB, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := Scrape(t, h)
	if status != http.StatusOK {
		t.Fatalf("scrape: status %d, want 200: %s", status, body)
	}
	families, err := ParseExposition(body)
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	return families
}

// CounterTotal is the sum of a counter family's series; 0 for a family that
// is nil or not a counter.
func CounterTotal(f *dto.MetricFamily) float64 {
	total := 0.0
	for _, m := range f.GetMetric() {
		total += m.GetCounter().GetValue()
	}
	return total
}

// HistogramSamples is the number of observations across a histogram
// family's series; 0 for a family that is nil or not a histogram.
func HistogramSamples(f *dto.MetricFamily) uint64 {
	var total uint64
	for _, m := range f.GetMetric() {
		total += m.GetHistogram().GetSampleCount()
	}
	return total
}

// Labels returns a series' labels as a map from name to value.
func Labels(m *dto.Metric) map[string]string {
	out := make(map[string]string, len(m.GetLabel()))
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// Count creates the counter name on m, failing the test if m refuses it, and
// adds n to it.
func Count(t testing.TB, m metric.Meter, name string, n int64) metric.Int64Counter {
	t.Helper()
	c, err := m.Int64Counter(name)
	if err != nil || c == nil {
		t.Fatalf("counter %q: %v", name, err)
	}
	c.Add(context.Background(), n)
	return c
}
