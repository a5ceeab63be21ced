package port_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/port"
)

// Fast instruments are declared once with their attribute keys and recorded
// with no error and no allocation: bind the values known up front, or pass
// them per call in the order of the keys.
func ExampleInstruments() {
	ctx := context.Background()
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, err := monitoring.NewMonitoringService(ctx, &cfg)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer func() { _ = mon.Shutdown(ctx) }()
	queue, outcome, elapsed := "reports", "failed", 250*time.Millisecond

	in := mon.Instruments()
	jobs := in.CounterVec(port.Desc{Name: "jobs.processed", Description: "Jobs processed, by queue and outcome.",
		Unit: "{job}", Keys: []string{"queue", "outcome"}})
	latency := in.HistogramVec(port.Desc{Name: "job.duration", Description: "Time taken by a job.",
		Unit: "s", Keys: []string{"queue"}})

	ok := jobs.Bind(port.Values{"emails", "ok"}) // bound once: about client_golang's Inc
	ok.Inc()
	jobs.Add(1, port.Values{queue, outcome}) // values per call, in key order: no attribute.Set
	latency.Record(elapsed.Seconds(), port.Values{queue})

	rec := httptest.NewRecorder()
	mon.ExporterHandler().ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, cfg.Path, nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "jobs_processed_total") || strings.HasPrefix(sc.Text(), "job_duration_seconds_count") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// job_duration_seconds_count{queue="reports"} 1
	// jobs_processed_total{outcome="failed",queue="reports"} 1
	// jobs_processed_total{outcome="ok",queue="emails"} 1
}
