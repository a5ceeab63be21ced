package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// Limits of the metrics server: a client cannot hold a connection open by
// sending its headers slowly, idling, or sending large headers.
const (
	serverReadHeaderTimeout = 5 * time.Second
	serverReadTimeout       = 30 * time.Second
	serverIdleTimeout       = 2 * time.Minute
	serverMaxHeaderBytes    = 16 << 10
)

// DefaultServerWriteTimeout is the metrics server's write timeout unless
// [WithServerWriteTimeout] sets another: the longest a response may take to
// write, a client that does not read included. An exposition handler with a
// timeout of its own (the Prometheus backend's scrape timeout) sets its
// connection's write deadline itself, so this bounds the responses of the
// others, and every scrape when that timeout is off.
const DefaultServerWriteTimeout = time.Minute

// metricsServer serves the exposition handler on a listener of its own.
type metricsServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{} // closed when Serve has returned
}

// startMetricsServer listens on addr and serves h at path, and only there.
func startMetricsServer(addr, path string, writeTimeout time.Duration, h http.Handler, logger *slog.Logger) (*metricsServer, error) {
	if path == "" {
		path = "/metrics"
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("metrics server: the path %q does not start with /", path)
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics server: %w", err)
	}
	ms := &metricsServer{ln: ln, done: make(chan struct{})}
	ms.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				http.NotFound(w, r)
				return
			}
			h.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: serverReadHeaderTimeout,
		ReadTimeout:       serverReadTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       serverIdleTimeout,
		MaxHeaderBytes:    serverMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		defer close(ms.done)
		if err := ms.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Error("monitoring: metrics server stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
	return ms, nil
}

// shutdown stops accepting scrapes and waits for the ones under way, as long
// as ctx allows; past it, their connections are closed and ctx's error is
// returned.
func (ms *metricsServer) shutdown(ctx context.Context) error {
	err := ms.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("metrics server: connections still open at the deadline were closed: %w", err),
			ms.srv.Close())
	}
	<-ms.done // Serve returns as soon as the listener is closed
	return err
}

// MetricsAddr returns the address the metrics server of
// [WithMetricsServer] listens on, or nil when there is none (not asked for,
// or it could not listen).
func (s *MonitoringService) MetricsAddr() net.Addr {
	if s.server == nil {
		return nil
	}
	return s.server.ln.Addr()
}
