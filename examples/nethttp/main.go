// Command nethttp is a complete net/http service instrumented with
// monitoring, to copy whole: configuration, the monitoring service, the
// metrics endpoint on the application's mux, the HTTP middleware, business
// code that records through port.Recorder, an HTTP server whose timeouts
// no slow or idle client can outlast, and a graceful shutdown that
// flushes the backend.
//
//	go run ./examples/nethttp                        # 127.0.0.1:8080, the embedded monitoring.yaml
//	go run ./examples/nethttp -config my.yaml        # a config file; MONITORING_* variables still win
//	curl -X POST 127.0.0.1:8080/orders/book && curl 127.0.0.1:8080/metrics
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

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/port"
	"github.com/compozy/monitoring/service"
)

//go:embed monitoring.yaml
var embeddedConfig []byte

func main() {
	if err := start(); err != nil {
		fmt.Fprintln(os.Stderr, "nethttp:", err)
		os.Exit(1)
	}
}

// start reads the flags and runs until SIGINT or SIGTERM. An error is
// printed once by main and exits 1: an invalid config, an address that
// cannot be listened on, or a final flush of metrics that failed.
func start() error {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	configPath := flag.String("config", "", "YAML config file (default: the embedded monitoring.yaml)")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	return run(ctx, func() (net.Listener, error) { return net.Listen("tcp", *addr) }, *configPath, logger)
}

// run builds the application from the config at configPath, then listens
// (with listen) and serves until ctx is done, then shuts it down. An
// invalid config returns before anything listens.
func run(ctx context.Context, listen func() (net.Listener, error), configPath string, logger *slog.Logger) error {
	cfg, err := loadConfig(configPath) // defaults -> YAML -> MONITORING_* env -> Validate
	if err != nil {
		return err // the one monitoring error to handle: an invalid config, naming each bad field
	}
	mon, err := monitoring.NewMonitoringService(ctx, cfg, monitoring.WithLogger(logger))
	if err != nil {
		return err
	}
	defer shutdown(mon) // idempotent: covers the early returns too

	mux := http.NewServeMux()
	mon.MountMetrics(mux)    // at cfg.Path; nothing when listen_address gives metrics a port of their own
	orders := NewOrders(mon) // business code takes port.Recorder
	mux.HandleFunc("POST /orders/{item}", orders.Handle)
	handler := middleware.HTTP(mon, middleware.WithSkipPaths(cfg.Path))(mux) // route: "/orders/{item}"

	ln, err := listen() // only once the config is valid: a bad one exits before "listening"
	if err != nil {
		return err
	}
	logger.Info("listening", "address", "http://"+ln.Addr().String())
	return serve(ctx, ln, handler, mon)
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
// then stops it gracefully and shuts monitoring down, which flushes what a
// push backend still holds.
func serve(ctx context.Context, ln net.Listener, handler http.Handler, mon port.Monitoring) error {
	return serveWith(ctx, ln, handler, mon, serverLimits())
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
func serveWith(ctx context.Context, ln net.Listener, handler http.Handler, mon port.Monitoring, l limits) error {
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
	stopCtx, cancel := context.WithTimeout(context.Background(), l.grace)
	defer cancel()
	if mon.Shutdown(stopCtx) != nil {
		// Monitoring has logged why at ERROR; say only that it happened.
		err = errors.Join(err, errFinalFlush)
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

// errFinalFlush says that monitoring's shutdown failed: the metrics of the
// last interval did not reach a push backend (an unreachable collector).
// Monitoring logs the cause at ERROR, so main does not print it again; the
// process still exits 1, so whoever runs it (systemd, Kubernetes, CI) sees
// that data was lost.
var errFinalFlush = errors.New("monitoring's final flush failed (the cause is logged above); exiting 1")

// shutdown stops monitoring within a bound: a last push to an unreachable
// collector waits no longer than this.
func shutdown(mon port.Monitoring) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = mon.Shutdown(ctx)
}

// ErrUnknownItem is returned for an item the catalogue does not hold.
var ErrUnknownItem = errors.New("unknown item")

// Orders is the application's business code. It depends on port.Recorder,
// the recording part of the port: it records, and cannot shut monitoring
// down; a unit test hands it mocks.NewMockRecorder or monitoringtest.New.
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

// Handle answers POST /orders/{item}: 201 for a placed order, 404 for an
// unknown item.
func (o *Orders) Handle(w http.ResponseWriter, r *http.Request) {
	if err := o.Place(r.Context(), r.PathValue("item")); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusCreated)
}
