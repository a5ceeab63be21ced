package monitoring_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/compozy/monitoring"
)

// With no configuration, monitoring is disabled: the no-op backend serves,
// healthy, and records nothing.
func ExampleNewMonitoringService() {
	ctx := context.Background()
	mon, err := monitoring.NewMonitoringService(ctx, nil)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer func() { _ = mon.Shutdown(ctx) }()

	st := mon.Status() // port.Status{Backend, Enabled, Healthy, Reason, Err, Backends}
	fmt.Println("backend:", st.Backend)
	fmt.Println("healthy:", st.Healthy)
	fmt.Println("enabled:", st.Enabled)
	// Output:
	// backend: noop
	// healthy: true
	// enabled: false
}

// The Prometheus backend serves what the service's meter records, with
// OpenTelemetry names translated to Prometheus ones.
func ExampleNewMonitoringService_prometheus() {
	ctx := context.Background()
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	cfg.ServiceName = "orders"
	mon, err := monitoring.NewMonitoringService(ctx, &cfg)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer func() { _ = mon.Shutdown(ctx) }()

	requests, _ := mon.Meter().Int64Counter("demo.requests")
	requests.Add(ctx, 3)

	rec := httptest.NewRecorder()
	mon.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, cfg.Path, nil))
	fmt.Println("status:", rec.Code)
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "demo_requests_total") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// status: 200
	// demo_requests_total 3
}

// ParseConfig reads a YAML document held in memory over the defaults; the
// MONITORING_* environment variables, when set, would win over it.
func ExampleParseConfig() {
	cfg, err := monitoring.ParseConfig([]byte(`
enabled: true
backend: stdout
service_name: billing
stdout:
  interval: 30s
`))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(cfg.Enabled, cfg.Backend, cfg.ServiceName, cfg.Stdout.Interval, cfg.Path)
	// Output:
	// true stdout billing 30s /metrics
}

// Without a file, LoadConfig starts from the defaults.
func ExampleLoadConfig() {
	cfg, err := monitoring.LoadConfig("")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(cfg.Enabled, cfg.Backend, cfg.Path, cfg.ServiceName)
	// Output:
	// false prometheus /metrics unknown_service
}

// An invalid value is reported with its field, its environment variable and
// what would be accepted.
func ExampleConfig_Validate() {
	cfg := monitoring.DefaultConfig()
	cfg.Backend = "graphite"
	fmt.Println(cfg.Validate())
	// Output:
	// monitoring: invalid config: backend (MONITORING_BACKEND) is "graphite": must be one of prometheus, stdout, otlp, noop; or several of prometheus, stdout, otlp separated by commas
}

// Each bad field is a *FieldError that errors.As finds.
func ExampleFieldError() {
	cfg := monitoring.DefaultConfig()
	cfg.Path = "metrics"
	var fe *monitoring.FieldError
	if errors.As(cfg.Validate(), &fe) {
		fmt.Println(fe.Field, fe.Env, fe.Value)
	}
	// Output:
	// path MONITORING_PATH metrics
}

// A Secret shows [REDACTED] whatever prints or encodes it; Reveal is the
// only way to its value.
func ExampleNewSecret() {
	token := monitoring.NewSecret("hunter2")
	fmt.Printf("%v %s %q %x %#v\n", token, token, token, token, token)
	fmt.Println(token.Reveal(), token.IsZero(), monitoring.Secret{}.IsZero())
	// Output:
	// [REDACTED] [REDACTED] [REDACTED] [REDACTED] [REDACTED]
	// hunter2 false true
}

// The protections of service.WithBearerToken, WithBasicAuth,
// WithMetricsServer and WithServerWriteTimeout are service.Options, which
// NewMonitoringService does not take: through it, set the Config fields
// that the YAML keys auth, auth_token_file (or MONITORING_AUTH_TOKEN),
// auth_username, listen_address and server_write_timeout fill, and it
// passes those options to the service it builds.
func ExampleNewMonitoringService_bearerToken() {
	ctx := context.Background()
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	cfg.Auth = monitoring.AuthBearer                              // service.WithBearerToken
	cfg.AuthToken = monitoring.NewSecret("token-from-your-vault") // or cfg.AuthTokenFile
	// cfg.ListenAddress = "127.0.0.1:9464"                       // service.WithMetricsServer
	mon, err := monitoring.NewMonitoringService(ctx, &cfg)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer func() { _ = mon.Shutdown(ctx) }()

	for _, authorization := range []string{"", "Bearer token-from-your-vault"} {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, cfg.Path, nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		mon.ExporterHandler().ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	// Output:
	// 401 Bearer realm="metrics"
	// 200
}

// A bad config is reported whole: every problem of the document, the
// environment and the validation, each a *FieldError.
func ExampleFieldErrors() {
	_, err := monitoring.ParseConfig([]byte("bogus: 1\nbackend: graphite\ncardinality_limit: abc\n"))
	for _, fe := range monitoring.FieldErrors(err) {
		fmt.Printf("%s %q\n", fe.Field, fe.Value)
	}
	// Output:
	// bogus ""
	// cardinality_limit "abc"
	// backend "graphite"
}

// A config that gives settings but not enabled: true records nothing:
// NewMonitoringService logs these at WARN, and the status says so.
func ExampleConfig_IgnoredSettings() {
	cfg, err := monitoring.ParseConfig([]byte("backend: stdout\nservice_name: orders\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.IgnoredSettings())
	// Output: [backend service_name]
}
