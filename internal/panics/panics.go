// Package panics turns a recovered panic value into an error, once for
// every layer that survives a panic of code it does not own (a backend, a
// user's writer, a registry). It is a leaf package: it imports nothing of
// this module.
package panics

import "fmt"

// Error returns the recovered value p as an error: p itself when it is one
// (so errors.Is and errors.As still find it through a wrapping %w), its
// fmt %v text otherwise. It returns nil for nil.
func Error(p any) error {
	switch v := p.(type) {
	case nil:
		return nil
	case error:
		return v
	default:
		return fmt.Errorf("%v", v)
	}
}
