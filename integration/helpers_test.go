package integration_test

import (
	"testing"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/service"
)

// newService builds a service that must start without a config error and
// shuts it down when the test ends.
func newService(t *testing.T, cfg *monitoring.Config, opts ...monitoring.Option) *service.MonitoringService {
	t.Helper()
	svc, err := monitoring.NewMonitoringService(t.Context(), cfg, opts...)
	return testkit.Started(t, svc, err)
}

// enabled returns the default config, enabled, for backend.
func enabled(backend string) *monitoring.Config {
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	cfg.Backend = backend
	return &cfg
}
