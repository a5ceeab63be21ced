package testkit

import (
	"encoding/json"
	"strings"
	"testing"
)

// LastStdoutSum returns the sum of the data points of the metric name in the
// last JSON document the stdout backend wrote into out, and whether the
// metric was there. It fails the test when out holds no document or one
// that does not decode.
func LastStdoutSum(t testing.TB, out, name string) (float64, bool) {
	t.Helper()
	type doc struct {
		ScopeMetrics []struct {
			Metrics []struct {
				Name string `json:"Name"`
				Data struct {
					DataPoints []struct {
						Value float64 `json:"Value"`
					} `json:"DataPoints"`
				} `json:"Data"`
			} `json:"Metrics"`
		} `json:"ScopeMetrics"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var last *doc
	for dec.More() {
		var d doc
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("decoding the stdout backend's output: %v", err)
		}
		last = &d
	}
	if last == nil {
		t.Fatalf("the stdout backend wrote nothing")
	}
	for _, sm := range last.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				total := 0.0
				for _, dp := range m.Data.DataPoints {
					total += dp.Value
				}
				return total, true
			}
		}
	}
	return 0, false
}
