package monitoring_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/otlptest"
	"github.com/compozy/monitoring/internal/testkit"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func tlsConfig(rcv *otlptest.Receiver) *monitoring.Config {
	cfg := enabled(monitoring.BackendOTLP)
	cfg.SystemMetrics = false
	cfg.OTLP.Endpoint, cfg.OTLP.Interval, cfg.OTLP.Timeout = rcv.URL, time.Hour, 2*time.Second
	return cfg
}

func TestOTLPOverTLS(t *testing.T) {
	t.Run("Should export to a collector whose certificate the ca_file signs", func(t *testing.T) {
		rcv, ca := otlptest.NewHTTPS(t, nil)
		cfg := tlsConfig(rcv)
		cfg.OTLP.CAFile = writeFile(t, "ca.pem", ca)
		svc := newService(t, cfg)
		testkit.Count(t, svc.Meter(), "shop.orders", 2)
		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.InDelta(t, 2.0, sumOf(rcv, "shop.orders"), 0)
	})
	t.Run("Should refuse a collector the system roots do not know", func(t *testing.T) {
		rcv, _ := otlptest.NewHTTPS(t, nil)
		svc, err := monitoring.NewMonitoringService(t.Context(), tlsConfig(rcv), monitoring.WithLogger(discard()))
		require.NoError(t, err)
		testkit.Count(t, svc.Meter(), "shop.orders", 1)
		require.Error(t, svc.ForceFlush(t.Context()))
		assert.Empty(t, rcv.Requests())
		_ = svc.Shutdown(t.Context())
	})
	t.Run("Should present the client certificate of mutual TLS", func(t *testing.T) {
		pool, cert, key := otlptest.ClientCert(t)
		rcv, ca := otlptest.NewHTTPS(t, pool)
		cfg := tlsConfig(rcv)
		cfg.OTLP.CAFile = writeFile(t, "ca.pem", ca)
		cfg.OTLP.ClientCertFile, cfg.OTLP.ClientKeyFile = writeFile(t, "cert.pem", cert), writeFile(t, "key.pem", key)
		svc := newService(t, cfg)
		testkit.Count(t, svc.Meter(), "shop.orders", 3)
		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.InDelta(t, 3.0, sumOf(rcv, "shop.orders"), 0)
	})
	t.Run("Should be refused by a mutual-TLS collector without the client certificate", func(t *testing.T) {
		pool, _, _ := otlptest.ClientCert(t)
		rcv, ca := otlptest.NewHTTPS(t, pool)
		cfg := tlsConfig(rcv)
		cfg.OTLP.CAFile = writeFile(t, "ca.pem", ca)
		svc, err := monitoring.NewMonitoringService(t.Context(), cfg, monitoring.WithLogger(discard()))
		require.NoError(t, err)
		testkit.Count(t, svc.Meter(), "shop.orders", 1)
		require.Error(t, svc.ForceFlush(t.Context()))
		assert.Empty(t, rcv.Requests())
		_ = svc.Shutdown(t.Context())
	})
	t.Run("Should name a CA file that is not a certificate", func(t *testing.T) {
		rcv, _ := otlptest.NewHTTPS(t, nil)
		cfg := tlsConfig(rcv)
		cfg.OTLP.CAFile = writeFile(t, "ca.pem", []byte("not a certificate"))
		_, err := monitoring.NewMonitoringService(t.Context(), cfg)
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "otlp.ca_file", fe.Field)
	})
	t.Run("Should refuse a FIFO as the CA file rather than block", func(t *testing.T) {
		cfg := tlsConfig(&otlptest.Receiver{URL: "https://127.0.0.1:1/v1/metrics"})
		fifo := filepath.Join(t.TempDir(), "ca.pem")
		require.NoError(t, syscall.Mkfifo(fifo, 0o600))
		cfg.OTLP.CAFile = fifo
		_, err := monitoring.NewMonitoringService(t.Context(), cfg)
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Contains(t, fe.Allowed, "regular file")
	})
}

func TestOTLPHeaders(t *testing.T) {
	t.Run("Should send the headers of the headers file, URL-decoded", func(t *testing.T) {
		rcv := otlptest.NewGRPC(t)
		cfg := tlsConfig(rcv)
		cfg.OTLP.Protocol = monitoring.OTLPProtocolGRPC
		cfg.OTLP.HeadersFile = writeFile(t, "headers", []byte("x-api-key=s3cr%20t, x-tenant=shop\n"))
		svc := newService(t, cfg)
		testkit.Count(t, svc.Meter(), "shop.orders", 1)
		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.Equal(t, "s3cr t", rcv.Header("x-api-key"))
		assert.Equal(t, "shop", rcv.Header("x-tenant"))
	})
	t.Run("Should send the headers of MONITORING_OTLP_HEADERS", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		t.Setenv("MONITORING_OTLP_HEADERS", "authorization=Bearer%20abc")
		cfg, err := monitoring.ParseConfig([]byte("enabled: true\nbackend: otlp\nsystem_metrics: false\notlp:\n  endpoint: " +
			rcv.URL + "\n  interval: 1h\n"))
		require.NoError(t, err)
		svc := newService(t, cfg)
		testkit.Count(t, svc.Meter(), "shop.orders", 1)
		require.NoError(t, svc.ForceFlush(t.Context()))
		assert.Equal(t, "Bearer abc", rcv.Header("authorization"))
	})
}
