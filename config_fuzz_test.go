package monitoring_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/compozy/monitoring"
)

// FuzzParseConfig feeds the loader arbitrary YAML and environment values: it
// must never panic, and whatever it accepts must validate.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("enabled: true\nbackend: prometheus\n"), "true", "/metrics", "2000", "30s")
	f.Add([]byte("bogus: 1\n"), "", "", "", "")
	f.Add([]byte("backend: [1, 2]\n---\nx: y\n"), "maybe", "metrics?x", "-1", "1ns")
	f.Add([]byte("cardinality_limit: 99999999999999999999999\nstdout_interval: 9999999h\n"), "", " ", "lots", "soon")
	f.Add([]byte("\x00\xff: !!binary"), "1", "/", "0", "1s")
	f.Fuzz(func(t *testing.T, data []byte, enabled, path, limit, interval string) {
		for k, v := range map[string]string{
			"MONITORING_ENABLED": enabled, "MONITORING_PATH": path,
			"MONITORING_CARDINALITY_LIMIT": limit, "MONITORING_STDOUT_INTERVAL": interval,
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
	})
}
