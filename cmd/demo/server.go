package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/compozy/monitoring/service"
)

// limits bound what one client can hold: a connection (slow headers, a slow
// or missing body, a response it does not read, an idle keep-alive) and the
// shutdown (a request still under way when the grace ends).
type limits struct {
	readHeader, read, write, idle, grace time.Duration
	maxHeaderBytes                       int
}

// serverLimits are the limits of the library's own metrics server
// (service.WithMetricsServer), with the write timeout lengthened by slow,
// how long GET /slow waits before it writes. A scrape with the Prometheus
// backend's scrape timeout sets its own write deadline.
func serverLimits(slow time.Duration) limits {
	return limits{
		readHeader:     5 * time.Second,
		read:           30 * time.Second,
		write:          service.DefaultServerWriteTimeout + slow,
		idle:           2 * time.Minute,
		grace:          10 * time.Second,
		maxHeaderBytes: 16 << 10,
	}
}

// newServer is the demo's HTTP server over handler, with the limits l.
func newServer(handler http.Handler, l limits) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: l.readHeader, // headers sent slowly
		ReadTimeout:       l.read,       // a body sent slowly, or never
		WriteTimeout:      l.write,      // a response the client does not read
		IdleTimeout:       l.idle,       // a keep-alive connection left open
		MaxHeaderBytes:    l.maxHeaderBytes,
	}
}

// serve runs srv on ln until ctx is done or the server fails, then stops it
// within grace (see stopServer).
func serve(ctx context.Context, ln net.Listener, srv *http.Server, grace time.Duration, logger *slog.Logger) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served: // the server failed
		return err
	case <-ctx.Done():
		logger.Info("shutting down")
		return stopServer(srv, served, grace)
	}
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
