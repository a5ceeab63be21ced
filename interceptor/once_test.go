package interceptor

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSeenRuns(t *testing.T) {
	t.Run("Should report a key new once", func(t *testing.T) {
		s := newSeenRuns(4)
		assert.True(t, s.first("a"))
		assert.False(t, s.first("a"))
		assert.True(t, s.first("b"))
	})

	t.Run("Should forget the oldest keys beyond its capacity, and only those", func(t *testing.T) {
		s := newSeenRuns(3)
		for i := range 5 {
			assert.True(t, s.first(fmt.Sprint(i)))
		}
		assert.Len(t, s.keys, 3)
		assert.False(t, s.first("4"))
		assert.False(t, s.first("3"))
		assert.False(t, s.first("2"))
		assert.True(t, s.first("0"), "the oldest was forgotten")
	})
}
