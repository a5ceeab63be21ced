// Package integration holds tests only: those that drive several packages of
// this module together through the root's public API, the way an
// application wires them (monitoring.NewMonitoringService, its options, the
// middleware, the interceptor, the fast instruments), and judge the result
// at the exposition (parsed, and passed through promtool) or a collector.
//
// What is here: attribute values bounded under hostile HTTP and Temporal
// traffic (attributes_test.go), nothing lost under load and concurrent
// scraping (load_test.go, concurrency_test.go), one identity per exported
// name across both recording paths and other instrumentations
// (identity*_test.go, meterkeys_test.go, middleware_coexist_test.go,
// differential_test.go against client_golang), the HTTP metrics and the fast
// instruments on a real backend (middleware_test.go, fast_test.go), the
// exposition's naming (promtool_naming_test.go), a shared registry
// (sharedregistry_test.go) and slow scrapers (slowreader_test.go).
//
// What is not: each package's own behaviour is tested beside it, and the
// root's tests keep to the root (config, construction, fallback, each config
// field reaching its adapter).
package integration
