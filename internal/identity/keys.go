package identity

import (
	"errors"
	"fmt"
	"strings"
)

// CheckKeys is the attribute-key rule, the same for every recording path
// whose keys are known at creation: it refuses, saying why, a key that
// is empty or not printable ASCII (0x20..0x7e), that the exporter would drop (a name of
// underscores only), that is reserved once translated (a "__" prefix,
// "quantile", "le", the exporter's otel_scope_* labels and
// the SDK's otel_metric_overflow), or two keys that the exporter would
// turn into the same label.
func (n Namer) CheckKeys(keys []string) error {
	labels := make(map[string]string, len(keys))
	for _, k := range keys {
		if k == "" {
			return errors.New("a key is empty")
		}
		for i := range len(k) {
			if k[i] > 0x7e || k[i] < 0x20 {
				return fmt.Errorf("key %q: only printable ASCII is allowed (the exporter rewrites other characters to '_')", k)
			}
		}
		label, err := n.label.Build(k)
		if err != nil {
			return fmt.Errorf("key %q: the exporter would drop it on every scrape: %w", k, err)
		}
		why := reserved(label)
		if why == "" {
			why = reserved(k) // "__x" escapes to "_x", but is reserved as written
		}
		if why != "" {
			return fmt.Errorf("key %q: the label %q is reserved (%s)", k, label, why)
		}
		if prev, ok := labels[label]; ok {
			return fmt.Errorf("keys %q and %q: both become the label %q, the exporter would merge their values", prev, k, label)
		}
		labels[label] = k
	}
	return nil
}

// reserved says why label cannot be one of ours, or "".
func reserved(label string) string {
	switch {
	case strings.HasPrefix(label, "__"):
		return `Prometheus reserves the "__" prefix`
	case label == "le":
		return "it holds a histogram's bucket bounds; promtool refuses it on any other family"
	case label == "quantile":
		return "it holds a summary's quantiles"
	case label == "otel_metric_overflow":
		return "it marks the series past the cardinality limit"
	case strings.HasPrefix(label, "otel_scope_"):
		return "the exporter adds the otel_scope_* labels"
	default:
		return ""
	}
}
