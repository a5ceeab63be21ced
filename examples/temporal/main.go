// Command temporal is a complete Temporal worker instrumented with
// monitoring, to copy whole: configuration, the monitoring service, the
// worker interceptor (workflow and activity outcomes, replay-safe) and the
// SDK's own temporal_* metrics on the same backend, /metrics, an activity
// that records through port.Recorder, and a graceful shutdown.
//
// It needs a Temporal server; for a local one, install the Temporal CLI
// (go install github.com/temporalio/cli/cmd/temporal@v1.5.1) and run
// `temporal server start-dev`. Then:
//
//	go run ./examples/temporal                            # worker + 127.0.0.1:8080/metrics, server at 127.0.0.1:7233
//	go run ./examples/temporal -temporal host:port        # another server
//	curl -X POST 127.0.0.1:8080/orders/book && curl 127.0.0.1:8080/metrics
//
// Copy main.go (and monitoring.yaml): main_test.go uses this repository's
// internal test helpers, which another module cannot import.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	temporalinterceptor "go.temporal.io/sdk/interceptor"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/interceptor"
	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

//go:embed monitoring.yaml
var embeddedConfig []byte

// taskQueue is the queue the worker polls and the workflows are started on.
const taskQueue = "orders"

func main() {
	if err := start(); err != nil {
		fmt.Fprintln(os.Stderr, "temporal:", err)
		os.Exit(1)
	}
}

// start reads the flags and runs until SIGINT or SIGTERM. An error is
// printed once by main and exits 1: an invalid config, no Temporal server,
// an address that cannot be listened on, or a final flush of metrics that
// failed.
func start() error {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address of /metrics and POST /orders/{item}")
	temporalAddress := flag.String("temporal", "127.0.0.1:7233",
		"Temporal frontend (host:port); `temporal server start-dev` runs one on 127.0.0.1:7233")
	configPath := flag.String("config", "", "YAML config file (default: the embedded monitoring.yaml)")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	return run(ctx, func() (net.Listener, error) { return net.Listen("tcp", *addr) }, *temporalAddress, *configPath, logger)
}

// run connects to the Temporal server at temporalAddress, runs an
// instrumented worker and serves /metrics and POST /orders/{item} on the
// listener of listen until ctx is done; then it stops the server, the
// worker and monitoring, in that order. An invalid config, or no Temporal
// server, returns before anything listens.
func run(ctx context.Context, listen func() (net.Listener, error), temporalAddress, configPath string, logger *slog.Logger) (err error) {
	cfg, err := loadConfig(configPath) // defaults -> YAML -> MONITORING_* env -> Validate
	if err != nil {
		return err
	}
	mon, err := monitoring.NewMonitoringService(ctx, cfg, monitoring.WithLogger(logger))
	if err != nil {
		return err
	}
	defer func() { // last: after the worker has stopped
		if shutdown(mon) != nil {
			err = errors.Join(err, errFinalFlush) // monitoring has logged why at ERROR
		}
	}()

	dialCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := client.DialContext(dialCtx, client.Options{
		HostPort:       temporalAddress,
		MetricsHandler: interceptor.NewMetricsHandler(mon), // the SDK's own temporal_* metrics, same backend
		Logger:         temporallog.NewStructuredLogger(logger),
	})
	if err != nil {
		return fmt.Errorf("cannot connect to Temporal at %s (for a local server run `temporal server start-dev`, "+
			"or pass -temporal host:port): %w", temporalAddress, err)
	}
	defer c.Close()

	wi := interceptor.NewWorkerInterceptor(mon, interceptor.WithLogger(logger))
	wi.SetConfiguredWorkers(1)
	w := wi.Track(worker.New(c, taskQueue, worker.Options{
		Interceptors: []temporalinterceptor.WorkerInterceptor{wi},
	}), taskQueue) // Track is the start/stop hook the SDK does not give interceptors
	w.RegisterWorkflow(OrderWorkflow)
	w.RegisterActivityWithOptions(NewOrders(mon).Place, activity.RegisterOptions{Name: placeActivity})
	if err = w.Start(); err != nil {
		return fmt.Errorf("starting the worker on task queue %s: %w", taskQueue, err)
	}
	defer w.Stop()

	mux := http.NewServeMux()
	mon.MountMetrics(mux) // at cfg.Path; nothing when listen_address gives metrics a port of their own
	mux.HandleFunc("POST /orders/{item}", startOrder(c, logger))
	ln, err := listen() // only once config, Temporal and the worker are up: a failure exits before "listening"
	if err != nil {
		return err
	}
	logger.Info("listening", "address", "http://"+ln.Addr().String())
	return serve(ctx, ln, mux)
}

// startOrder answers POST /orders/{item} by running OrderWorkflow: 201 when
// the order is placed, 422 with a generic message when it is not (the
// workflow and run IDs go to the log, not to the client).
func startOrder(c client.Client, logger *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		run, err := c.ExecuteWorkflow(r.Context(), client.StartWorkflowOptions{TaskQueue: taskQueue},
			OrderWorkflow, r.PathValue("item"))
		if err == nil {
			err = run.Get(r.Context(), nil)
		}
		if err != nil {
			logger.WarnContext(r.Context(), "order not placed", "error", err)
			http.Error(w, "the order could not be placed", http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}
}

// placeActivity is the name the Place activity is registered under.
const placeActivity = "PlaceOrder"

// OrderWorkflow places an order for item through the PlaceOrder activity,
// once: an unknown item fails the workflow.
func OrderWorkflow(ctx workflow.Context, item string) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	return workflow.ExecuteActivity(ctx, placeActivity, item).Get(ctx, nil)
}

// loadConfig reads the file at path, or the embedded monitoring.yaml when
// path is empty; MONITORING_* variables win over both.
func loadConfig(path string) (*monitoring.Config, error) {
	if path == "" {
		return monitoring.ParseConfig(embeddedConfig)
	}
	return monitoring.LoadConfig(path)
}

// serve runs the HTTP server on ln until ctx is done or the server fails,
// then stops it gracefully.
func serve(ctx context.Context, ln net.Listener, handler http.Handler) error {
	return serveWith(ctx, ln, handler, serverLimits())
}

// limits bound what one client can hold: a connection (slow headers, a slow
// or missing body, a response it does not read, an idle keep-alive) and the
// shutdown (a request still under way when the grace ends).
type limits struct {
	readHeader, read, write, idle, grace time.Duration
	maxHeaderBytes                       int
}

// serverLimits are the limits of the library's own metrics server
// (service.WithMetricsServer). A scrape with the Prometheus backend's
// scrape timeout sets its own write deadline; the write timeout bounds the
// others.
func serverLimits() limits {
	return limits{
		readHeader:     5 * time.Second,
		read:           30 * time.Second,
		write:          service.DefaultServerWriteTimeout,
		idle:           2 * time.Minute,
		grace:          10 * time.Second,
		maxHeaderBytes: 16 << 10,
	}
}

// serveWith is serve with the limits l.
func serveWith(ctx context.Context, ln net.Listener, handler http.Handler, l limits) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: l.readHeader, // headers sent slowly
		ReadTimeout:       l.read,       // a body sent slowly, or never
		WriteTimeout:      l.write,      // a response the client does not read
		IdleTimeout:       l.idle,       // a keep-alive connection left open
		MaxHeaderBytes:    l.maxHeaderBytes,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-served: // the server failed
	case <-ctx.Done():
		err = stopServer(srv, served, l.grace)
	}
	return err
}

// stopServer stops srv gracefully: it waits for the requests under way as
// long as grace allows; past it, it closes their connections, so a client
// that never finishes its request cannot hold the exit. It returns once
// Serve (whose result served yields) has returned.
func stopServer(srv *http.Server, served <-chan error, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("http server: connections still open after the %v shutdown grace were closed: %w", grace, err),
			srv.Close())
	}
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(serveErr, err)
	}
	return err
}

// shutdown stops monitoring within a bound, flushing what a push backend
// still holds: a last push to an unreachable collector waits no longer.
func shutdown(mon port.Monitoring) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return mon.Shutdown(ctx)
}

// errFinalFlush says that monitoring's shutdown failed: the metrics of the
// last interval did not reach a push backend (an unreachable collector).
// Monitoring logs the cause at ERROR, so main does not print it again; the
// process still exits 1, so whoever runs it (systemd, Kubernetes, CI) sees
// that data was lost.
var errFinalFlush = errors.New("monitoring's final flush failed (the cause is logged above); exiting 1")

// ErrUnknownItem is returned for an item the catalogue does not hold.
var ErrUnknownItem = errors.New("unknown item")

// Orders is the application's business code, run as an activity. It
// depends on port.Recorder, the recording part of the port: it records, and
// cannot shut monitoring down; a unit test hands it mocks.NewMockRecorder
// or monitoringtest.New.
type Orders struct {
	catalogue        map[string]bool
	orders           metric.Int64Counter
	placed, rejected metric.MeasurementOption // attribute sets built once, not per call
}

// NewOrders creates the business instruments on rec's meter. The
// monitoring service's meter never fails: an instrument it cannot create is
// logged and replaced by a working no-op one, so the error is safe to drop.
func NewOrders(rec port.Recorder) *Orders {
	orders, _ := rec.Meter().Int64Counter("shop.orders",
		metric.WithUnit("{order}"), metric.WithDescription("Orders received, by outcome."))
	return &Orders{
		catalogue: map[string]bool{"book": true, "pen": true, "lamp": true},
		orders:    orders,
		placed:    metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "placed"))),
		rejected:  metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "rejected"))),
	}
}

// Place places an order for item and counts its outcome. The item never
// becomes an attribute: it comes from the client, and would be unbounded.
func (o *Orders) Place(ctx context.Context, item string) error {
	if !o.catalogue[item] {
		o.orders.Add(ctx, 1, o.rejected)
		return ErrUnknownItem
	}
	o.orders.Add(ctx, 1, o.placed)
	return nil
}
