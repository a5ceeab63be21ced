package service

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	otelruntime "go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// SystemScopeName is the instrumentation scope of the system metrics.
const SystemScopeName = "github.com/compozy/monitoring/service"

// startSystemMetrics registers the metrics every service exposes:
//   - build.info [build_info]: 1, with the version, the commit and the Go
//     version of the binary;
//   - process.uptime [process_uptime_seconds]: seconds since the service
//     was built;
//   - the Go runtime metrics of go.opentelemetry.io/contrib/instrumentation/runtime
//     (go.memory.used, go.goroutine.count, go.memory.gc.goal, ...).
//
// All are observed at collection time: nothing runs in the background.
func (s *MonitoringService) startSystemMetrics(cfg config) error {
	meter := s.provider.Meter(SystemScopeName)
	version, commit := BuildInfo(cfg.version, cfg.commit)
	info := metric.WithAttributeSet(attribute.NewSet(
		attribute.String("version", version),
		attribute.String("commit", commit),
		attribute.String("go_version", runtime.Version()),
	))
	started := cfg.now()
	buildGauge, _ := meter.Int64ObservableGauge("build.info",
		metric.WithDescription("Build information: always 1, with the version, commit and Go version as attributes."))
	uptime, _ := meter.Float64ObservableGauge("process.uptime",
		metric.WithDescription("Seconds since the process started its monitoring."), metric.WithUnit("s"))
	if _, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(buildGauge, 1, info)
		o.ObserveFloat64(uptime, time.Since(started).Seconds())
		return nil
	}, buildGauge, uptime); err != nil {
		return fmt.Errorf("registering build info and uptime: %w", err)
	}
	if err := otelruntime.Start(otelruntime.WithMeterProvider(s.provider)); err != nil {
		return fmt.Errorf("starting the Go runtime metrics: %w", err)
	}
	return nil
}

// BuildInfo fills in the version and the commit from the binary's own build
// information where the caller gave none.
func BuildInfo(version, commit string) (string, string) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		for _, setting := range bi.Settings {
			if commit == "" && setting.Key == "vcs.revision" {
				commit = setting.Value
			}
		}
	}
	if version == "" {
		version = "unknown"
	}
	if commit == "" {
		commit = "unknown"
	}
	return version, commit
}
