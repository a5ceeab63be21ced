package main

import (
	"net"

	"github.com/compozy/monitoring/port"
)

// metricsPlace is the part of *service.MonitoringService that says where
// the exposition handler is served.
type metricsPlace interface {
	metricsRouter
	MetricsAddr() net.Addr
	Status() port.Status
}

// metricsLocation says where the demo's metrics really are, for the start
// log: the metrics server's URL when one runs (listen_address), the
// application's URL when the handler is mounted on its router, and
// "nowhere: <reason>" otherwise (a metrics server that could not listen, or
// a listen_address while monitoring is disabled), so that the log never
// points at a URL that answers 404.
func metricsLocation(mon metricsPlace, appAddr string) string {
	path, _, mounted := mon.MetricsRoute()
	if addr := mon.MetricsAddr(); addr != nil {
		return "http://" + addr.String() + path
	}
	if mounted {
		return "http://" + appAddr + path
	}
	st := mon.Status()
	switch {
	case st.Err != nil:
		return "nowhere: " + st.Err.Error()
	case st.Reason != "":
		return "nowhere: " + st.Reason
	}
	return "nowhere: no metrics server runs and none is mounted on " + appAddr
}
