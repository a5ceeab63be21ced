package monitoring_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/otlptest"
)

// FuzzParseConfig feeds the loader arbitrary YAML and environment values: it
// must never panic, whatever it accepts must validate, and a service must
// start from it, without a panic, and shut down.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("enabled: true\nbackend: prometheus\n"), "true", "/metrics", "2000", "30s", "4", "none")
	f.Add([]byte("bogus: 1\n"), "", "", "", "", "", "")
	f.Add([]byte("backend: [1, 2]\n---\nx: y\n"), "maybe", "metrics?x", "-1", "1ns", "-3", "oauth")
	f.Add([]byte("cardinality_limit: 99999999999999999999999\nstdout: {interval: 9999999h}\n"), "", " ", "lots", "soon",
		"9223372036854775807", "bearer")
	f.Add([]byte("\x00\xff: !!binary"), "1", "/", "0", "1s", "1024", "basic")
	f.Add([]byte("enabled: true\nbackend: stdout\nauth_token: x\n"), "true", "/m", "1000000", "24h", "1025", "")
	f.Add([]byte("enabled: true\nprometheus:\n  max_concurrent_scrapes: 1000000000000\n  scrape_timeout: 1000000h\n"),
		"true", "/{x", "1000001", "0s", "0", "none")
	// Duplicate keys, at the top and nested: the decoder alone is quadratic
	// on them.
	f.Add([]byte(strings.Repeat("x: 1\n", 300)), "", "", "", "", "", "")
	f.Add([]byte("backend: a\nbackend: b\nprometheus: {x: 1, x: 2}\ncardinality_limit:\n  y: 1\n  y: 1\n"),
		"true", "/metrics", "1", "1s", "1", "bearer")
	f.Add([]byte("enabled: true\nbackend: [prometheus, otlp]\notlp:\n  protocol: grpc\n"), "true", "/m", "10", "1s", "1", "")
	// Keys that moved under their backend's key, and a backend's key that
	// is not a mapping.
	f.Add([]byte("namespace: shop\nscrape_timeout: 1s\nstdout_interval: 5s\nprometheus: 3\nstdout: [1]\n"),
		"true", "/m", "1", "1s", "1", "")
	f.Add([]byte("enabled: true\nbackend: [prometheus, stdout]\nprometheus:\n  namespace: shop\nstdout:\n  interval: 1h\n"),
		"true", "/m", "1", "1s", "1", "")
	// The only collector a fuzzer talks to: in process, on 127.0.0.1.
	rcv := otlptest.NewHTTP(f)
	rcv.SetMode(otlptest.Discard)
	f.Fuzz(func(t *testing.T, data []byte, enabled, path, limit, interval, scrapes, auth string) {
		for k, v := range map[string]string{
			"MONITORING_ENABLED": enabled, "MONITORING_PATH": path,
			"MONITORING_CARDINALITY_LIMIT": limit, "MONITORING_STDOUT_INTERVAL": interval,
			"MONITORING_PROMETHEUS_MAX_CONCURRENT_SCRAPES": scrapes, "MONITORING_AUTH": auth,
		} {
			if v == "" || strings.ContainsRune(v, 0) { // a real environment holds no NUL
				continue
			}
			t.Setenv(k, v)
		}
		cfg, err := monitoring.ParseConfig(data)
		if err != nil {
			if cfg != nil {
				t.Fatalf("an error with a config: %v", err)
			}
			var fe *monitoring.FieldError
			if errors.As(err, &fe) && fe.Field == "" {
				t.Fatalf("a field error that names no field: %v", err)
			}
			return
		}
		if verr := cfg.Validate(); verr != nil {
			t.Fatalf("accepted a config that does not validate: %v", verr)
		}
		cfg.ListenAddress = "" // no sockets from a fuzzer
		if slices.Contains(cfg.Backends(), monitoring.BackendOTLP) {
			cfg.OTLP = monitoring.DefaultConfig().OTLP // nor a collector elsewhere
			cfg.OTLP.Endpoint = rcv.URL
		}
		svc, err := monitoring.NewMonitoringService(context.Background(), cfg,
			monitoring.WithWriter(io.Discard), monitoring.WithoutOTelErrorHandler(),
			monitoring.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatalf("a config the loader accepted was refused by the constructor: %v", err)
		}
		if err := svc.Shutdown(context.Background()); err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	})
}
