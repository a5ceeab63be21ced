package service_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/service"
)

func TestSystemMetrics(t *testing.T) {
	t.Run("Should expose build info, uptime and the Go runtime by default", func(t *testing.T) {
		fb := newFakeBackend(t)
		service.New(fb, service.WithBuildInfo("v1.2.3", "abc123"), service.WithLogger(discardLogger()))
		rm := fb.collectAll(t)

		info, ok := findMetric(rm, "build.info")
		require.True(t, ok)
		points := info.Data.(metricdata.Gauge[int64]).DataPoints
		require.Len(t, points, 1)
		assert.Equal(t, int64(1), points[0].Value)
		for key, want := range map[string]string{"version": "v1.2.3", "commit": "abc123", "go_version": runtime.Version()} {
			got, _ := points[0].Attributes.Value(attributeKey(key))
			assert.Equal(t, want, got.AsString(), key)
		}

		uptime, ok := findMetric(rm, "process.uptime")
		require.True(t, ok)
		assert.Equal(t, "s", uptime.Unit)
		assert.GreaterOrEqual(t, uptime.Data.(metricdata.Gauge[float64]).DataPoints[0].Value, 0.0)

		goroutines, ok := findMetric(rm, "go.goroutine.count")
		require.True(t, ok, "the Go runtime metrics are registered")
		assert.Positive(t, goroutines.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
	})

	t.Run("Should fall back to unknown for what the binary does not know", func(t *testing.T) {
		fb := newFakeBackend(t)
		service.New(fb, service.WithLogger(discardLogger()))
		info, ok := findMetric(fb.collectAll(t), "build.info")
		require.True(t, ok)
		attrs := info.Data.(metricdata.Gauge[int64]).DataPoints[0].Attributes
		version, _ := attrs.Value("version")
		commit, _ := attrs.Value("commit")
		// A test binary has no module version and, built without VCS
		// stamping, no revision.
		assert.NotEmpty(t, version.AsString())
		assert.NotEmpty(t, commit.AsString())
	})

	t.Run("Should register nothing when turned off", func(t *testing.T) {
		fb := newFakeBackend(t)
		service.New(fb, service.WithSystemMetrics(false))
		assert.Empty(t, metricNames(fb.collectAll(t)))
	})

	t.Run("Should survive a backend that records nothing", func(t *testing.T) {
		assert.NotPanics(t, func() { service.New(nil, service.WithLogger(discardLogger())) })
	})
}

func attributeKey(k string) attribute.Key { return attribute.Key(k) }
