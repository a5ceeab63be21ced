package interceptor_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	temporalinterceptor "go.temporal.io/sdk/interceptor"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/interceptor"
)

// Greet is the example's workflow.
func Greet(_ workflow.Context, name string) (string, error) { return "hello " + name, nil }

// Instrument a Temporal worker: append the interceptor to the worker's
// options. In a service the worker is worker.New(client, taskQueue,
// worker.Options{...}); here the SDK's test environment runs one workflow.
// NewMetricsHandler(mon), set as client.Options.MetricsHandler, sends the
// SDK's own temporal_* metrics to the same backend.
func ExampleNewWorkerInterceptor() {
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	mon, _ := monitoring.NewMonitoringService(context.Background(), &cfg)
	defer func() { _ = mon.Shutdown(context.Background()) }()

	wi := interceptor.NewWorkerInterceptor(mon)
	options := worker.Options{Interceptors: []temporalinterceptor.WorkerInterceptor{wi}}

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(temporallog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(options)
	env.RegisterWorkflow(Greet)
	env.ExecuteWorkflow(Greet, "Ada")

	rec := httptest.NewRecorder()
	mon.ExporterHandler().ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "temporal_workflow_ended_total") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// temporal_workflow_ended_total{namespace="default-test-namespace",outcome="completed",task_queue="default-test-taskqueue",workflow_type="Greet"} 1
}
