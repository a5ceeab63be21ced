// Package e2e proves the library against a real Prometheus server: it builds
// the demo service, scrapes it with Debian's prometheus binary, and checks
// through Prometheus' HTTP API that what was sent is exactly what was
// recorded, that the dashboard's and the alerts' queries work, and that a
// degraded service is seen as down while it keeps serving. The package holds
// only tests; they skip with an install hint when prometheus is absent.
package e2e
