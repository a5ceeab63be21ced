//go:build race

package fast

// raceEnabled: the race detector's instrumentation is most of each add, so
// real contention is too rare to spread a sum (spreadAfter meetings in
// spreadWindow); the tests that need it to assert it without the detector
// (make test runs this package for GOARCH=386 without it).
const raceEnabled = true
