package panics_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/compozy/monitoring/internal/panics"
)

func recovered(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

func TestError(t *testing.T) {
	t.Run("Should keep an error panic findable through a wrap", func(t *testing.T) {
		err := fmt.Errorf("the writer panicked: %w", panics.Error(recovered(func() { panic(io.ErrClosedPipe) })))
		assert.ErrorIs(t, err, io.ErrClosedPipe)
		assert.EqualError(t, err, "the writer panicked: io: read/write on closed pipe")
	})

	t.Run("Should write any other value as %v", func(t *testing.T) {
		assert.EqualError(t, panics.Error(recovered(func() { panic("boom") })), "boom")
		assert.EqualError(t, panics.Error(recovered(func() { panic(42) })), "42")
		assert.EqualError(t, panics.Error(struct{ A int }{7}), "{7}")
	})

	t.Run("Should return nil when nothing panicked", func(t *testing.T) {
		assert.NoError(t, panics.Error(recovered(func() {})))
		var target interface{ Unwrap() error }
		assert.NotErrorAs(t, panics.Error("x"), &target, "a non-error value wraps nothing")
	})
}
