// Command demo is a small service wired with the monitoring library: an
// orders API whose business layer records through the port, and the
// exposition endpoint a Prometheus server scrapes.
//
//	go run ./cmd/demo                 # embedded config: Prometheus on /metrics
//	go run ./cmd/demo -config my.yaml # a config file; MONITORING_* env still wins
//	go run ./cmd/demo -temporal 127.0.0.1:7233 # also run an instrumented Temporal worker
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/cmd/demo/shop"
)

//go:embed config.yaml
var defaultConfig []byte

// version and commit are stamped by the Makefile with -ldflags "-X
// main.version=... -X main.commit=..."; build_info falls back to the
// binary's own build information when they are empty.
var version, commit string

// refusingRegistry refuses every collector: -simulate-backend-failure uses it
// to show what a backend that cannot start looks like.
type refusingRegistry struct{ *prometheus.Registry }

func (refusingRegistry) Register(prometheus.Collector) error {
	return errors.New("simulated backend failure (-simulate-backend-failure)")
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	configPath := flag.String("config", "", "YAML config file (default: the embedded one)")
	temporalAddress := flag.String("temporal", os.Getenv("TEMPORAL_ADDRESS"),
		"Temporal frontend address (host:port); when set, the demo also runs an instrumented worker")
	slow := flag.Duration("slow", 200*time.Millisecond, "how long GET /slow takes")
	flakyEvery := flag.Int64("flaky-every", 5, "every n-th GET /flaky fails with a 500 (0: never)")
	simulateFailure := flag.Bool("simulate-backend-failure", false,
		"make the Prometheus backend fail to start, to see the degraded mode: /metrics answers 503")
	flag.Parse()
	// What build_info will report, so the log line says the same.
	buildVersion, buildCommit := monitoring.BuildInfo(version, commit)

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	opts := []monitoring.Option{monitoring.WithLogger(logger), monitoring.WithBuildInfo(buildVersion, buildCommit)}
	if *simulateFailure {
		opts = append(opts, monitoring.WithRegistry(refusingRegistry{prometheus.NewRegistry()}))
	}
	mon, err := monitoring.NewMonitoringService(ctx, cfg, opts...)
	if err != nil {
		return err
	}
	// Shutdown is idempotent: this covers the early returns below.
	defer func() { _ = mon.Shutdown(context.Background()) }()

	orders := shop.New(mon)
	// With a listen_address, metrics are served there, off the public port:
	// MetricsRoute then hands no handler to mount.
	tp := newTracerProvider()
	defer func() { _ = tp.Shutdown(context.Background()) }()
	engine := newEngine(mon, orders, routes{slow: *slow, flakyEvery: *flakyEvery, tracer: tp}.withMetrics(mon))

	if *temporalAddress != "" {
		c, stopWorker, err := temporalWorker(ctx, *temporalAddress, mon, orders, logger)
		if err != nil {
			return err
		}
		defer stopWorker()
		engine.POST("/workflows/orders/:item", workflowRoute(logger,
			func(ctx context.Context, item string) (shop.Order, error) {
				run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: demoQueue}, OrderWorkflow, item)
				if err != nil {
					return shop.Order{}, fmt.Errorf("%w: %w", errWorkflowStart, err)
				}
				var order shop.Order
				return order, run.Get(ctx, &order)
			}))
		logger.Info("temporal worker running", "address", *temporalAddress, "task_queue", demoQueue)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *addr, err)
	}
	l := serverLimits(*slow)
	srv := newServer(engine, l)
	st := mon.Status()
	logger.Info("demo listening",
		"orders", "http://"+ln.Addr().String()+"/orders/book",
		"metrics", metricsLocation(mon, ln.Addr().String()),
		"backend", st.Backend, "enabled", st.Enabled, "healthy", st.Healthy, "version", buildVersion, "commit", buildCommit)
	if st.Reason != "" {
		logger.Warn("demo: monitoring records nothing", "reason", st.Reason)
	}
	// One line a script can wait for: the address actually bound.
	fmt.Fprintf(os.Stdout, "listening on http://%s\n", ln.Addr())

	err = serve(ctx, ln, srv, l.grace, logger)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), l.grace)
	defer cancel()
	return errors.Join(err, mon.Shutdown(shutdownCtx))
}

func loadConfig(path string) (*monitoring.Config, error) {
	if path != "" {
		return monitoring.LoadConfig(path)
	}
	return monitoring.ParseConfig(defaultConfig)
}
