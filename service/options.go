package service

import (
	"log/slog"
	"time"
)

type config struct {
	logger        *slog.Logger
	systemMetrics bool
	version       string
	commit        string
	now           func() time.Time
}

// Option configures a [MonitoringService].
type Option func(*config)

// WithLogger sets where monitoring problems are logged; the default is
// slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithSystemMetrics turns the system metrics (build info, process uptime,
// Go runtime) on or off; they are on by default.
func WithSystemMetrics(on bool) Option {
	return func(c *config) { c.systemMetrics = on }
}

// WithBuildInfo sets the version and the commit that build_info reports.
// Empty values fall back to what the binary knows of itself
// (debug.ReadBuildInfo), then to "unknown".
func WithBuildInfo(version, commit string) Option {
	return func(c *config) { c.version, c.commit = version, commit }
}
