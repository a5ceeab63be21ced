package port

import "fmt"

// ValidateName reports whether name follows the OpenTelemetry API's
// instrument name syntax, which every backend accepts: a letter, then at
// most 254 letters, digits, '_', '.', '-' or '/'. The service and the fast
// instruments check it before a name reaches a backend.
func ValidateName(name string) error {
	if name == "" || len(name) > 255 {
		return fmt.Errorf("invalid instrument name %q: must be 1 to 255 characters", name)
	}
	for i, c := range []byte(name) {
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if i == 0 && !letter {
			return fmt.Errorf("invalid instrument name %q: must start with a letter", name)
		}
		if !letter && (c < '0' || c > '9') && c != '_' && c != '.' && c != '-' && c != '/' {
			return fmt.Errorf("invalid instrument name %q: only letters, digits and _ . - / are allowed", name)
		}
	}
	return nil
}
