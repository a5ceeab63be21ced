package identity

import (
	"fmt"
	"strings"

	"github.com/prometheus/otlptranslator"
)

// Strategy is the translation the Prometheus adapter gives its exporter,
// and so the one every name and key is judged by.
func Strategy() otlptranslator.TranslationStrategyOption {
	return otlptranslator.UnderscoreEscapingWithSuffixes
}

// Namer computes what the Prometheus exporter makes of an instrument's
// name and attribute keys, with the exporter's own translator library, so
// that the two never disagree.
type Namer struct {
	metric otlptranslator.MetricNamer
	label  otlptranslator.LabelNamer
}

// NewNamer returns the namer of an exporter configured with namespace and
// strategy. As the exporter does, the namespace is first escaped as a
// label name; one it cannot escape is an error.
func NewNamer(namespace string, strategy otlptranslator.TranslationStrategyOption) (Namer, error) {
	label := otlptranslator.LabelNamer{UTF8Allowed: !strategy.ShouldEscape()}
	if namespace != "" {
		ns, err := label.Build(namespace)
		if err != nil {
			return Namer{}, fmt.Errorf("namespace %q: %w", namespace, err)
		}
		namespace = ns
	}
	return Namer{metric: otlptranslator.NewMetricNamer(namespace, strategy), label: label}, nil
}

// DefaultNamer is the namer of [Strategy] without a namespace.
func DefaultNamer() Namer {
	n, _ := NewNamer("", Strategy()) // no namespace: nothing to fail on.
	return n
}

// Exported returns the family name the exporter gives an instrument.
func (n Namer) Exported(name, unit string, kind Kind) (string, error) {
	out, err := n.metric.Build(otlptranslator.Metric{Name: name, Unit: unit, Type: kind.metricType()})
	if err != nil {
		return "", fmt.Errorf("the exporter cannot name %q: %w", name, err)
	}
	return out, nil
}

// sample is a name a family puts in an exposition.
type sample struct {
	name string
	// openMetrics is true for a name only OpenMetrics uses: a counter's
	// family name without "_total".
	openMetrics bool
}

// samples returns every name a family of kind called exported puts in an
// exposition, in the text format or in OpenMetrics (which Prometheus
// negotiates): a histogram's _bucket, _count and _sum series collide with
// families of those names (client_golang refuses the scrape then), and a
// counter x_total is the family x in OpenMetrics, where a gauge x would
// declare the family x twice.
func samples(exported string, kind Kind) []sample {
	switch kind {
	case Histogram:
		return []sample{{name: exported}, {name: exported + "_bucket"}, {name: exported + "_count"}, {name: exported + "_sum"}}
	case Counter:
		if family, ok := strings.CutSuffix(exported, "_total"); ok && family != "" {
			return []sample{{name: exported}, {name: family, openMetrics: true}}
		}
	}
	return []sample{{name: exported}}
}

// Help is the help text of a family declared without a description:
// Prometheus tooling (promtool check metrics) wants one on every family.
// It names the kind and the unit, not the name, which the family's own
// name already says in its exported form.
func Help(kind Kind, unit string) string {
	if unit == "" || unit == "1" {
		return fmt.Sprintf("A %s, declared without a description.", kind)
	}
	return fmt.Sprintf("A %s in %s, declared without a description.", kind, unit)
}
