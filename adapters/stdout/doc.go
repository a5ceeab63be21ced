// Package stdout is the push backend for development and batch jobs: the
// OpenTelemetry SDK with its stdoutmetric exporter behind a periodic reader,
// writing each collection as JSON to an io.Writer (os.Stdout by default).
//
// ForceFlush and Shutdown write what was recorded since the last export.
// The writer is called from a goroutine of the adapter's own, so a writer
// that fails or blocks never stalls recording, and ForceFlush and Shutdown
// return at their context's deadline; failures are logged rate-limited.
// There is nothing to scrape: the exposition handler answers 404 and says so.
package stdout
