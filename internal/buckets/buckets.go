// Package buckets holds the default histogram boundaries, once, for every
// layer that needs them: the HTTP middleware's duration histogram, the fast
// instruments and the SDK meters' histograms declared without boundaries.
// It is a leaf package: it imports nothing of this module.
package buckets

// Seconds returns the boundaries, in seconds, that the OpenTelemetry HTTP
// semantic conventions advise for http.server.request.duration, from 5 ms to
// 10 s: the default of every histogram in seconds (the SDK's own defaults
// are millisecond-shaped). Each call returns a new slice.
func Seconds() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
}

// Default returns the boundaries of a histogram declared without any:
// [Seconds] for unit "s", the OpenTelemetry SDK's defaults otherwise. Each
// call returns a new slice.
func Default(unit string) []float64 {
	if unit == "s" {
		return Seconds()
	}
	return []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}
}
