package service

import "log/slog"

type config struct {
	logger *slog.Logger
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
