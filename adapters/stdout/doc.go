// Package stdout is the push backend for development and batch jobs: the
// OpenTelemetry SDK with its stdoutmetric exporter behind a periodic reader,
// writing each collection as JSON to an io.Writer (os.Stdout by default).
//
// ForceFlush and Shutdown write what was recorded since the last export.
// There is nothing to scrape: the exposition handler answers 404 and says so.
package stdout
