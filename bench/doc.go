// Package bench holds the benchmarks that compare this module with the
// libraries a user would otherwise pick, in the same process and run:
// `make bench` runs them and prints benchstat tables, one column per
// implementation (sub-benchmarks impl=...).
package bench
