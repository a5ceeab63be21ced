// Package monitoring is the composition root of the library: it loads the
// configuration (defaults, then a YAML file, then the standard OTEL_*
// variables, then MONITORING_* environment variables, then validation),
// builds the backends the configuration names on one MeterProvider (each
// adapter contributes its reader from a table in this package; one that
// cannot start degrades only itself), falls back to the no-op backend when
// none can start, and hands the result to the service layer, with the protection of the exposition
// endpoint the configuration asks for (credentials from the environment or
// files, never from the YAML file; see [Secret]).
//
// It is the only package that imports the adapters. Business code depends on
// [github.com/compozy/monitoring/port] alone and is handed the
// [service.MonitoringService] this package builds.
package monitoring
