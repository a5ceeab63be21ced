// Package sdk holds what the adapters built on the OpenTelemetry SDK share:
// the resource, the provider with its cardinality limit, second-scale
// buckets for histograms in seconds, the identity checks every meter's
// instruments share with the fast ones (identity.go), and an idempotent
// lifecycle.
//
// It is internal to the adapters: business code never sees it, and no
// adapter reaches another through it.
package sdk
