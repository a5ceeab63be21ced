// Package stdout is the push backend for development and batch jobs: the
// OpenTelemetry SDK with its stdoutmetric exporter behind a periodic reader,
// writing each collection as JSON to an io.Writer (os.Stdout by default).
//
// ForceFlush and Shutdown write what was recorded since the last export.
// The writer is called from a goroutine of the adapter's own, so a writer
// that fails or blocks never stalls recording, and ForceFlush and Shutdown
// return at their context's deadline; failures are logged rate-limited.
// JSON cannot carry NaN or an infinity: a data point holding one (a gauge
// set to +Inf, a histogram sum that became NaN, or an attribute value such
// as attribute.Float64("ratio", math.NaN()) on the point or its exemplar) is
// left out of the frame whole and its metric logged once, and the rest of
// the frame is written, so one such value never stops the exports. The
// fast instruments' attribute values are strings and integers, always
// finite; the resource's come from strings.
// There is nothing to scrape: the exposition handler answers 404 and says so.
package stdout
