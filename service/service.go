package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/compozy/monitoring/internal/panics"
	"github.com/compozy/monitoring/port"
)

// MonitoringService wraps a backend with the guarantees business code relies
// on. It implements [port.Monitoring]; all its methods are safe for
// concurrent use.
type MonitoringService struct {
	backend     port.Monitoring
	logger      *slog.Logger
	handler     http.Handler
	meter       metric.Meter
	provider    metric.MeterProvider
	instruments port.Instruments
	exposition  http.Handler // the exposition handler, behind its authentication

	server *metricsServer // the metrics server of WithMetricsServer, if it runs
	// serverConfigured is true when WithMetricsServer asked for a server,
	// whether or not it runs: metrics then stay off the application's port.
	serverConfigured bool
	metricsPath      string // the path of the exposition endpoint
	pathErr          error  // why metricsPath cannot be a route, if it cannot
	serverErr        error  // why it does not, when it was asked for
	authErr          error  // why the credentials given refuse every scrape, if they do

	// logged remembers the instruments whose creation failed, to log once.
	logged sync.Map

	shutdownOnce sync.Once
	stopped      atomic.Bool
	shutdownDone chan struct{} // closed when the first Shutdown has returned
	shutdownErr  error         // written before shutdownDone is closed
}

var _ port.Monitoring = (*MonitoringService)(nil)

// New wraps backend. A nil backend is treated as a no-op one.
func New(backend port.Monitoring, opts ...Option) *MonitoringService {
	cfg := config{logger: slog.Default(), systemMetrics: true, now: time.Now, serverWriteTimeout: DefaultServerWriteTimeout}
	for _, opt := range opts {
		opt(&cfg)
	}
	s := &MonitoringService{backend: backend, logger: cfg.logger, shutdownDone: make(chan struct{})}
	if backend == nil {
		s.backend = nilBackend{}
	}
	s.handler = s.backendHandler()
	s.exposition = http.HandlerFunc(s.serveMetrics)
	if cfg.auth != nil {
		cfg.auth.logger = s.logger
		s.exposition = cfg.auth.wrap(s.exposition)
		if cfg.auth.unusable != nil {
			s.authErr = fmt.Errorf("metrics protection: %w: every scrape is refused", cfg.auth.unusable)
			s.logger.Error("monitoring: "+s.authErr.Error()+"; recording goes on", "reason", cfg.auth.unusable.Error())
		}
	}
	// The backend is asked once for each; a panic or a nil answer is
	// logged and replaced with a no-op.
	s.provider = safeProvider{MeterProvider: fromBackend(s, "backend meter provider", "", "a nil meter provider", s.backend.MeterProvider,
		func() metric.MeterProvider { return noop.MeterProvider{} }), s: s}
	s.meter = safeMeter{Meter: fromBackend(s, "backend meter", "", "a nil meter", s.backend.Meter,
		func() metric.Meter { return noop.Meter{} }), s: s}
	s.instruments = fromBackend(s, "backend instruments", "", "nil instruments", s.backend.Instruments,
		func() port.Instruments { return port.NoopInstruments{} })
	if cfg.systemMetrics {
		if err := s.startSystemMetrics(cfg); err != nil {
			s.logger.Error("monitoring: system metrics unavailable", "error", err)
		}
	}
	s.serverConfigured = cfg.serverAddr != ""
	s.metricsPath = cfg.metricsPath
	if s.serverConfigured && cfg.serverPath != "" {
		s.metricsPath = cfg.serverPath
	}
	if s.metricsPath == "" {
		s.metricsPath = DefaultMetricsPath
	}
	if why := checkMetricsPath(s.metricsPath); why != "" && !s.serverConfigured {
		s.pathErr = fmt.Errorf("metrics path %.64q %s", s.metricsPath, why)
		s.logger.Error("monitoring: the exposition handler cannot be mounted, recording goes on", "error", s.pathErr)
	}
	if cfg.serverAddr != "" && !cfg.serverIdle {
		s.server, s.serverErr = startMetricsServer(cfg.serverAddr, cfg.serverPath, cfg.serverWriteTimeout, s.exposition, s.logger)
		if s.serverErr != nil {
			s.logger.Error("monitoring: metrics server unavailable, recording goes on", "error", s.serverErr)
		}
	}
	return s
}

// Meter returns the backend's meter, wrapped so that its instrument
// constructors never return an error nor panic: an instrument that cannot be
// created is logged once and replaced by a working no-op one.
func (s *MonitoringService) Meter() metric.Meter { return s.meter }

// MeterProvider returns the backend's provider, wrapped so that the meters
// it hands out behave as [MonitoringService.Meter] does. Give it to
// libraries instrumented with OpenTelemetry.
func (s *MonitoringService) MeterProvider() metric.MeterProvider { return s.provider }

// Handler is [MonitoringService.ExporterHandler], so the service satisfies
// the port.
func (s *MonitoringService) Handler() http.Handler { return s.ExporterHandler() }

// Status reports the backend's status; once the service is shut down it
// reports [port.ErrShutdown]. A metrics server of [WithMetricsServer] that
// could not listen makes it unhealthy, with that error, and so do
// credentials that refuse every scrape (see [WithBasicAuth]).
func (s *MonitoringService) Status() port.Status {
	st := s.backendStatus()
	if st.Err == nil && s.serverErr != nil {
		st.Healthy, st.Err = false, s.serverErr
	}
	if st.Err == nil && s.authErr != nil {
		st.Healthy, st.Err = false, s.authErr
	}
	return st
}

// backendStatus is the backend's status, or [port.ErrShutdown] once the
// service is shut down.
func (s *MonitoringService) backendStatus() port.Status {
	st, err := guard(s.backend.Status)
	if err != nil {
		st = port.Status{Backend: "unknown", Err: err}
	}
	if s.stopped.Load() {
		st.Enabled, st.Healthy, st.Err = false, false, port.ErrShutdown
	}
	return st
}

// ForceFlush asks the backend to export what was recorded. It does nothing
// after Shutdown. A failure is logged and returned, never panicked.
func (s *MonitoringService) ForceFlush(ctx context.Context) error {
	if s.stopped.Load() {
		return nil
	}
	if err := call(func() error { return s.backend.ForceFlush(ctx) }); err != nil {
		s.logger.ErrorContext(ctx, "monitoring: flush failed", "error", err)
		return fmt.Errorf("monitoring: flush: %w", err)
	}
	return nil
}

// Shutdown flushes and stops the backend once, with ctx. Later and
// concurrent calls wait for that first one and return its result, or their
// own ctx's error if it ends first. The first call honours ctx's deadline as
// far as the backend does.
func (s *MonitoringService) Shutdown(ctx context.Context) error {
	first := false
	s.shutdownOnce.Do(func() {
		first = true
		s.stopped.Store(true)
	})
	if !first {
		select {
		case <-s.shutdownDone:
			return s.shutdownErr
		case <-ctx.Done():
			return fmt.Errorf("monitoring: shutdown: %w", ctx.Err())
		}
	}
	defer close(s.shutdownDone)
	// The backend first: its final flush must not wait behind a scraper
	// that holds a connection to the metrics server open. Scrapes answer
	// 503 from now on anyway.
	errs := []error{call(func() error { return s.backend.Shutdown(ctx) })}
	if s.server != nil {
		errs = append(errs, s.server.shutdown(ctx))
	}
	if err := errors.Join(errs...); err != nil {
		s.logger.ErrorContext(ctx, "monitoring: shutdown failed", "error", err)
		s.shutdownErr = fmt.Errorf("monitoring: shutdown: %w", err)
	}
	return s.shutdownErr
}

// fromBackend calls get for something of the backend's that business code
// will hold (its meter, its provider, its instruments, one fast
// instrument), surviving a panic. A panic or a nil answer (nilAnswer says
// what it was: "a nil meter") is logged once for kind and name ("using a
// no-op <kind> instead") and replaced with fallback(), so what business
// code holds is never nil and never panics.
func fromBackend[T any](s *MonitoringService, kind, name, nilAnswer string, get, fallback func() T) T {
	v, err := guard(get)
	if err == nil && any(v) == nil {
		err = errors.New("the backend returned " + nilAnswer)
	}
	if err != nil {
		s.logOnce(kind, name, err)
		return fallback()
	}
	return v
}

// guard calls f and turns a panic into an error.
func guard[T any](f func() T) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("monitoring backend panicked: %w", panics.Error(r))
		}
	}()
	return f(), nil
}

// call calls f and returns its error, or the panic it raised as one.
func call(f func() error) error {
	err, panicked := guard(f)
	if panicked != nil {
		return panicked
	}
	return err
}

// logOnce logs a failure the first time it happens for kind and name.
func (s *MonitoringService) logOnce(kind, name string, err error) {
	if _, seen := s.logged.LoadOrStore(kind+"\x00"+name, struct{}{}); seen {
		return
	}
	s.logger.Error("monitoring: using a no-op "+kind+" instead", "name", name, "error", err)
}
