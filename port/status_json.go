package port

import (
	"encoding/json"
	"time"
)

// statusJSON is the JSON form of a [Status]: errors as their text, since
// an error value has no fields of its own to encode.
type statusJSON struct {
	Backend  string              `json:"backend"`
	Enabled  bool                `json:"enabled"`
	Healthy  bool                `json:"healthy"`
	Reason   string              `json:"reason,omitempty"`
	Err      string              `json:"error,omitempty"`
	Backends []backendStatusJSON `json:"backends,omitempty"`
}

// backendStatusJSON is the JSON form of a [BackendStatus].
type backendStatusJSON struct {
	Name       string `json:"name"`
	Healthy    bool   `json:"healthy"`
	Err        string `json:"error,omitempty"`
	LastError  string `json:"last_error,omitempty"`
	LastExport string `json:"last_export,omitempty"`
}

// MarshalJSON encodes the status for a health endpoint: backend, enabled,
// healthy, reason (left out when empty), error (the text of Err, left out
// when nil) and backends, each
// as [BackendStatus.MarshalJSON] writes it.
func (s Status) MarshalJSON() ([]byte, error) {
	out := statusJSON{Backend: s.Backend, Enabled: s.Enabled, Healthy: s.Healthy, Reason: s.Reason, Err: errText(s.Err)}
	for _, b := range s.Backends {
		out.Backends = append(out.Backends, b.toJSON())
	}
	return json.Marshal(out) //nolint:wrapcheck // plain strings and booleans: it cannot fail.
}

// MarshalJSON encodes one backend's status: name, healthy, error (why it
// is not healthy), last_error (why its last export failed) and last_export
// (RFC 3339), each left out when empty, so that a failing push is visible.
func (b BackendStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(b.toJSON()) //nolint:wrapcheck // plain strings and booleans: it cannot fail.
}

func (b BackendStatus) toJSON() backendStatusJSON {
	out := backendStatusJSON{Name: b.Name, Healthy: b.Healthy, Err: errText(b.Err), LastError: errText(b.LastError)}
	if !b.LastExport.IsZero() {
		out.LastExport = b.LastExport.Format(time.RFC3339Nano)
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
