package monitoring

import (
	"os"
	"strings"
)

// Values of [Config.Exemplars].
const (
	// ExemplarsTraceBased keeps, for each bucket of the latency
	// histograms, the latest measurement made in a sampled span: its trace
	// ID, span ID, value and time (the default).
	ExemplarsTraceBased = "trace_based"
	// ExemplarsOff keeps no exemplar, on the fast instruments and on
	// Meter()'s instruments alike, on either recording path.
	ExemplarsOff = "off"
)

// otelExemplarFilter is OpenTelemetry's variable for the SDK's exemplar
// filter; MONITORING_EXEMPLARS wins over it.
const otelExemplarFilter = "OTEL_METRICS_EXEMPLAR_FILTER"

func exemplarModes() []string { return []string{ExemplarsTraceBased, ExemplarsOff} }

// applyOTelExemplarFilter reads OTEL_METRICS_EXEMPLAR_FILTER into
// c.Exemplars unless MONITORING_EXEMPLARS is set: trace_based is
// trace_based, always_off is off, and always_on is trace_based too (an
// exemplar here is a link from a bucket to a trace, and a measurement made
// outside a sampled span has no trace to link to; keeping one for every
// measurement would also cost an allocation on every record of the fast
// path). Its values are read case-insensitively, as OpenTelemetry's enums
// are; blank is unset. Anything else is a [*FieldError] naming the variable.
func applyOTelExemplarFilter(c *Config) error {
	if _, ok := os.LookupEnv(EnvPrefix + "EXEMPLARS"); ok {
		return nil
	}
	value := strings.TrimSpace(os.Getenv(otelExemplarFilter))
	switch strings.ToLower(value) {
	case "":
	case "trace_based", "always_on":
		c.Exemplars = ExemplarsTraceBased
	case "always_off":
		c.Exemplars = ExemplarsOff
	default:
		return &FieldError{Field: "exemplars", Env: otelExemplarFilter, Value: shorten(value),
			Allowed: "must be trace_based, always_on (taken as trace_based) or always_off"}
	}
	return nil
}

// validateExemplars reports an exemplars value that is not one of ours;
// empty is trace_based, as in a Config built in code without it.
func (c *Config) validateExemplars() error {
	if c.Exemplars == "" {
		return nil
	}
	for _, m := range exemplarModes() {
		if c.Exemplars == m {
			return nil
		}
	}
	return &FieldError{Field: "exemplars", Env: EnvPrefix + "EXEMPLARS", Value: shorten(c.Exemplars),
		Allowed: "must be " + strings.Join(exemplarModes(), " or ") + " (empty is trace_based)"}
}
