package service

import (
	"log/slog"
	"time"

	"github.com/compozy/monitoring/internal/ratelog"
)

type config struct {
	logger        *slog.Logger
	systemMetrics bool
	version       string
	commit        string
	now           func() time.Time
	auth          *authenticator
	serverAddr    string
	serverPath    string
	serverIdle    bool
	metricsPath   string
	// serverWriteTimeout is the metrics server's WriteTimeout.
	serverWriteTimeout time.Duration
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

// WithBearerToken protects the exposition handler: a request must carry
// "Authorization: Bearer <token>", or it is answered 401 before anything of
// the endpoint is revealed. The token is compared in constant time and never
// logged.
//
// A token the config loader refuses (empty, blank, or the [REDACTED]
// placeholder of a printed Config) cannot fail the option (options never
// fail, and the service always starts): it refuses every request, is
// logged once by [New], and makes [MonitoringService.Status] unhealthy with
// the reason.
func WithBearerToken(token string) Option {
	return func(c *config) {
		c.auth = &authenticator{challenge: `Bearer realm="metrics"`, allow: bearerAuth(token),
			unusable: bearerUnusable(token), denied: ratelog.New(deniedLogInterval)}
	}
}

// WithBasicAuth protects the exposition handler with HTTP basic
// authentication, as [WithBearerToken] does with a token. Credentials the
// config loader refuses (an empty username, a username with ":" or a line
// break, which basic authentication cannot carry, a password the loader
// refuses as it refuses a token) refuse
// every request, are logged once and make Status unhealthy, as an empty
// token does.
func WithBasicAuth(username, password string) Option {
	return func(c *config) {
		c.auth = &authenticator{challenge: `Basic realm="metrics", charset="UTF-8"`, allow: basicAuth(username, password),
			unusable: basicUnusable(username, password), denied: ratelog.New(deniedLogInterval)}
	}
}

// WithMetricsServer serves the exposition handler at path (empty:
// /metrics) on a server of its own, listening on addr (host:port; port 0
// picks a free one, see
// [MonitoringService.MetricsAddr]), so that metrics need not share the
// application's public port. [MonitoringService.Shutdown] stops it, after
// the backend's final flush. When addr cannot be listened on, or path does
// not start with "/", the failure is logged and reported by Status;
// recording goes on.
func WithMetricsServer(addr, path string) Option {
	return func(c *config) { c.serverAddr, c.serverPath = addr, path }
}

// WithMetricsServerIdle keeps the metrics server of [WithMetricsServer]
// from starting while still counting it as configured: nothing listens on
// its address, and [MonitoringService.MountMetrics] and
// [MonitoringService.MetricsRoute] still mount nothing on the application's
// router, so metrics never move to the application's port. The root package
// uses it when monitoring is disabled by configuration, where there is
// nothing to serve.
func WithMetricsServerIdle() Option {
	return func(c *config) { c.serverIdle = true }
}

// WithMetricsPath sets the path [MonitoringService.MountMetrics] and
// [MonitoringService.MetricsRoute] mount the exposition handler at on the
// application's router; empty keeps [DefaultMetricsPath]. The path of
// [WithMetricsServer], when that is given, wins.
func WithMetricsPath(path string) Option {
	return func(c *config) { c.metricsPath = path }
}

// WithServerWriteTimeout sets the write timeout of the metrics server of
// [WithMetricsServer]: the longest a response may take to write, so that a
// client that does not read cannot hold a connection, and the response it
// was sent, for longer. An exposition handler with a timeout of its own
// sets its connection's write deadline itself (the Prometheus backend's
// scrape timeout, plus a second to deliver a 503); this timeout bounds the
// other responses, and every scrape when that timeout is off. Zero or less
// keeps [DefaultServerWriteTimeout].
func WithServerWriteTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.serverWriteTimeout = d
		}
	}
}
