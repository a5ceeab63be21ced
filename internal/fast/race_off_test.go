//go:build !race

package fast

// raceEnabled: see race_on_test.go.
const raceEnabled = false
