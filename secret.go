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
// marshals as [REDACTED] whatever the verb, flag or encoder, so that a
// Config can be logged or dumped without leaking it; [Secret.Reveal] is the
// only way to its value.
//
// The value is not a field that reflection can reach: it is held by a
// closure behind a pointer, so what fmt prints of a verb it considers bad
// (%p, %w outside Errorf), what encoding/gob, go-spew or any dumper walks,
// is an address, never the secret. Copies of a Secret share its value; the
// zero Secret is the empty one. Build one with [NewSecret]; the environment
// sets one through [Secret.UnmarshalText].
type Secret struct {
	h *secretHolder
}

// secretHolder keeps the value in a closure: reflection sees a func.
type secretHolder struct {
	reveal func() string
}

// NewSecret returns a Secret holding value; an empty value gives the zero
// Secret.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{h: &secretHolder{reveal: func() string { return value }}}
}

// Reveal returns the secret's value.
func (s Secret) Reveal() string {
	if s.h == nil {
		return ""
	}
	return s.h.reveal()
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// String returns [REDACTED], or nothing when the secret is empty.
func (s Secret) String() string {
	if s.IsZero() {
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

// MarshalText encodes String; encoding/gob and encoding/xml use it too.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText sets the secret to text: how the environment gives it. A
// [REDACTED] read back from a printed or encoded Config stays that
// placeholder, which [Config.Validate] refuses as a credential.
func (s *Secret) UnmarshalText(text []byte) error {
	*s = NewSecret(string(text))
	return nil
}

// GobEncode encodes String for encoding/gob.
func (s Secret) GobEncode() ([]byte, error) { return []byte(s.String()), nil }

// GobDecode is [Secret.UnmarshalText] for encoding/gob.
func (s *Secret) GobDecode(data []byte) error { return s.UnmarshalText(data) }
