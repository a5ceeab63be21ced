// Package port is the contract between business code and monitoring.
//
// Business code, middleware and interceptors depend on [Recorder] (the
// recording part of [Monitoring]) and on nothing else of this module, so the
// backend that records and exports metrics (Prometheus, stdout, no-op, or a
// mock in unit tests) can be swapped without touching them, and none of them
// can shut it down: only the code that owns the backend holds a Monitoring.
// A Recorder offers two ways to record: the
// OpenTelemetry meter, for everything the metric API can express, and
// [Instruments], the fast path, for counting in tight loops at
// client_golang's speed with no allocation. The package imports only the
// standard library and the OpenTelemetry metric API.
package port
