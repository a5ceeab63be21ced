package prometheus

import (
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// reservedLabels are the label names the exposition format gives a meaning
// of its own: a histogram's bucket bound and a summary's quantile. A series
// that carries one as an attribute (recorded through the OpenTelemetry
// meter, whose keys show only when a value is recorded) makes the
// exposition unparseable on a histogram (le="x",le="0.005"): a Prometheus
// server then drops the whole scrape and marks the target down.
var reservedLabels = map[string]string{
	"le":       "it holds a histogram's bucket bounds",
	"quantile": "it holds a summary's quantiles",
}

// withoutReservedLabels gathers from next and leaves out the series that
// carry a reserved label, so that one wrong attribute never costs the rest
// of the scrape; each family and label left out is logged once. The work
// is done at scrape time only: the record path is untouched.
func withoutReservedLabels(next prometheus.Gatherer, logger *slog.Logger) prometheus.Gatherer {
	return &reservedLabelGatherer{next: next, logger: logger}
}

type reservedLabelGatherer struct {
	next   prometheus.Gatherer
	logger *slog.Logger
	logged sync.Map // family name + label -> struct{}
}

// Gather returns next's families without the series that carry a
// reserved label, and next's error unchanged.
func (g *reservedLabelGatherer) Gather() ([]*dto.MetricFamily, error) {
	families, err := g.next.Gather()
	kept := families[:0]
	for _, mf := range families {
		metrics := mf.GetMetric()
		n := 0
		for _, m := range metrics {
			if label := g.reserved(m); label != "" {
				g.logOnce(mf.GetName(), label, len(metrics))
				continue
			}
			metrics[n] = m
			n++
		}
		if n == 0 && len(metrics) > 0 {
			continue
		}
		mf.Metric = metrics[:n]
		kept = append(kept, mf)
	}
	return kept, err //nolint:wrapcheck // promhttp reads the registry's own errors.
}

// reserved returns the first reserved label of m, or "".
func (g *reservedLabelGatherer) reserved(m *dto.Metric) string {
	for _, l := range m.GetLabel() {
		if _, ok := reservedLabels[l.GetName()]; ok {
			return l.GetName()
		}
	}
	return ""
}

func (g *reservedLabelGatherer) logOnce(family, label string, series int) {
	if _, seen := g.logged.LoadOrStore(family+"\x00"+label, struct{}{}); seen {
		return
	}
	g.logger.Error("prometheus: series with a reserved label left out of every scrape "+
		"(an attribute recorded through the OpenTelemetry meter; drop it from the records)",
		"family", family, "label", label, "why", reservedLabels[label], "series_in_family", series)
}
