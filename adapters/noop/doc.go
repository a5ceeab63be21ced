// Package noop is the backend that records nothing: OpenTelemetry's no-op
// meter provider. It serves when monitoring is disabled, and in place of a
// backend that could not start, in which case its status carries the reason.
package noop
