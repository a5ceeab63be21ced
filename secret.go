package monitoring

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// redacted is what a [Secret] shows of itself.
const redacted = "[REDACTED]"

// Secret is a credential of the configuration. It prints, logs and
// marshals as [REDACTED] whatever the verb or encoder, so that a Config
// can be logged or dumped without leaking it; [Secret.Reveal] is the only
// way to its value.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String returns [REDACTED], or nothing when the secret is empty.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString is String, for %#v.
func (s Secret) GoString() string { return s.String() }

// Format writes String whatever the verb, %x and %q included.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue is String, for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes String.
func (s Secret) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(s.String())
	if err != nil {
		return nil, fmt.Errorf("monitoring: encoding a secret: %w", err)
	}
	return b, nil
}

// MarshalYAML encodes String.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalText encodes String.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
