package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/internal/testkit"
)

// TestStartLogSaysWhereMetricsAre checks that the URL the demo logs at start
// is where metrics are really served: following it answers 200, or the log
// says "nowhere" with the reason.
func TestStartLogSaysWhereMetricsAre(t *testing.T) {
	const appAddr = "127.0.0.1:18080"
	start := func(t *testing.T, config string) metricsPlace {
		t.Helper()
		cfg, err := monitoring.ParseConfig([]byte(config))
		require.NoError(t, err)
		mon, err := monitoring.NewMonitoringService(t.Context(), cfg,
			monitoring.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { _ = mon.Shutdown(context.Background()) })
		return mon
	}

	t.Run("Should point at the metrics server when listen_address runs one", func(t *testing.T) {
		mon := start(t, "enabled: true\nlisten_address: 127.0.0.1:0\npath: /internal/metrics\n")
		got := metricsLocation(mon, appAddr)
		assert.Equal(t, "http://"+mon.MetricsAddr().String()+"/internal/metrics", got)
		code, _ := testkit.Get(t, nil, got, nil)
		assert.Equal(t, http.StatusOK, code, "the logged URL answers")
	})

	t.Run("Should point at the application's port when metrics are mounted there", func(t *testing.T) {
		mon := start(t, "enabled: true\npath: /internal/metrics\n")
		assert.Equal(t, "http://"+appAddr+"/internal/metrics", metricsLocation(mon, appAddr))
	})

	t.Run("Should say nowhere, with the bind error, when the metrics server could not listen", func(t *testing.T) {
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = busy.Close() })
		mon := start(t, "enabled: true\nlisten_address: "+busy.Addr().String()+"\n")
		got := metricsLocation(mon, appAddr)
		assert.True(t, strings.HasPrefix(got, "nowhere: "), got)
		assert.Contains(t, got, "address already in use")
		assert.NotContains(t, got, appAddr, "never the application's port, which serves no metrics")
	})

	t.Run("Should say nowhere when monitoring is disabled with a listen_address", func(t *testing.T) {
		mon := start(t, "listen_address: 127.0.0.1:0\n")
		got := metricsLocation(mon, appAddr)
		assert.True(t, strings.HasPrefix(got, "nowhere: "), got)
		assert.Contains(t, got, "disabled")
	})
}
