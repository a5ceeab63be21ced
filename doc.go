// Package monitoring is the composition root of the library: it loads the
// configuration (defaults, then a YAML file, then MONITORING_* environment
// variables, then validation), builds the backend the configuration names,
// falls back to the no-op backend when that one cannot start, and hands the
// result to the service layer, with the protection of the exposition
// endpoint the configuration asks for (credentials from the environment or
// files, never from the YAML file; see [Secret]).
//
// It is the only package that imports the adapters. Business code depends on
// [github.com/compozy/monitoring/port] alone and is handed the
// [service.MonitoringService] this package builds.
package monitoring
