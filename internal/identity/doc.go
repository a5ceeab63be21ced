// Package identity holds the rules that keep the exported numbers true at
// creation time, in one place for both recording paths (the fast
// instruments and the OpenTelemetry meter):
//
//   - one identity per instrument: declaring it again with another kind,
//     unit, buckets, keys or description is refused;
//   - one owner per exported name: names are compared as the Prometheus
//     exporter writes them (after its translation and the namespace,
//     histogram suffixes included, and a counter's OpenMetrics family
//     name, without "_total"), across both paths;
//   - one attribute-key rule: keys the exposition cannot carry (reserved,
//     dropped, or rewritten into a collision) are refused;
//   - a help text for every family.
//
// A [Table] is kept per backend; the fast registry and the meter wrapper of
// the SDK adapters both claim their instruments on it. Nothing here runs
// on the record path. It imports nothing of this module, so every layer
// may use it.
package identity
