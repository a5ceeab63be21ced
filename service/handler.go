package service

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

var errNoBackend = errors.New("no monitoring backend was configured")

// ExporterHandler serves the backend's exposition endpoint. When the backend
// failed to start, or the service is shut down, it answers 503 Service
// Unavailable with a one-line plain-text reason, so a scraper records the
// target as down while the application keeps serving. Backends with nothing
// to scrape (stdout, no-op) answer 404 with their own reason. With
// [WithBearerToken] or [WithBasicAuth], a request without the credentials
// is answered 401 before any of that.
func (s *MonitoringService) ExporterHandler() http.Handler {
	return s.exposition
}

func (s *MonitoringService) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if st := s.backendStatus(); st.Err != nil {
		http.Error(w, "monitoring unavailable: "+firstLine(st.Err.Error()), http.StatusServiceUnavailable)
		return
	}
	if s.handler == nil {
		http.Error(w, "monitoring backend has no exposition endpoint", http.StatusNotFound)
		return
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler { //nolint:errorlint // a sentinel compared as net/http does.
				panic(p)
			}
			s.logger.ErrorContext(r.Context(), "monitoring: exposition handler panicked", "panic", fmt.Sprint(p))
			http.Error(w, "monitoring exposition failed", http.StatusInternalServerError)
		}
	}()
	s.handler.ServeHTTP(w, r)
}

// backendHandler asks the backend for its handler once, surviving a panic.
func (s *MonitoringService) backendHandler() http.Handler {
	h, err := guard(s.backend.Handler)
	if err != nil {
		s.logger.Error("monitoring: backend handler unavailable", "error", err)
		return nil
	}
	return h
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
