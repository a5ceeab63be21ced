// Package sdk holds what the adapters built on the OpenTelemetry SDK share:
// the resource, the one provider every configured backend reads (each
// contributes a [Part]: its reader, views and handler; the fast registry is a
// producer on every reader), the delivery tracking of push backends,
// the identity checks every meter's instruments share with the fast ones
// (identity.go), second-scale buckets for histograms in seconds, and an idempotent
// lifecycle that flushes and stops the backends in parallel.
//
// It is internal to the adapters: business code never sees it, and no
// adapter reaches another through it.
package sdk
