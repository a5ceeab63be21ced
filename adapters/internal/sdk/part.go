package sdk

import (
	"net/http"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/compozy/monitoring/port"
)

// Part is what one backend contributes to the shared MeterProvider: its
// reader, the views its conventions need, its exposition handler when it
// serves one, and, for a push backend, the exporter whose deliveries its
// status reports. A part whose backend failed to start carries Err and no
// reader; it is reported, and the others serve.
type Part struct {
	// Name is the backend's name, as configured.
	Name string
	// Reader collects for this backend; nil when Err is set.
	Reader sdkmetric.Reader
	// Views reshape streams for this backend's conventions. They apply to
	// the provider, hence to every reader.
	Views []sdkmetric.View
	// Handler is the exposition endpoint, nil for push backends.
	Handler http.Handler
	// Exporter reports the deliveries of a push backend; nil for pull.
	Exporter *TrackedExporter
	// Err is why the backend did not start.
	Err error
}

// Failed returns the part of a backend that could not start. When it would
// have served the exposition endpoint, that endpoint answers 503 with the
// reason, so that a scraper records the target as down.
func Failed(name string, err error, served bool) Part {
	p := Part{Name: name, Err: err}
	if served {
		msg := "monitoring unavailable: the " + name + " backend failed to start"
		p.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, msg, http.StatusServiceUnavailable)
		})
	}
	return p
}

// status is the part's own state.
func (p Part) status() port.BackendStatus {
	bs := port.BackendStatus{Name: p.Name, Healthy: p.Err == nil, Err: p.Err}
	if p.Exporter != nil {
		bs.LastExport, bs.LastError = p.Exporter.Deliveries()
	}
	return bs
}
