package monitoring

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSlogErrorHandler(t *testing.T) {
	t.Run("Should log a repeating error once per interval with the count held back", func(t *testing.T) {
		var buf bytes.Buffer
		clock := time.Unix(1000, 0)
		h := newSlogErrorHandler(slog.New(slog.NewTextHandler(&buf, nil)), time.Minute, func() time.Time { return clock })

		for range 100 {
			h.Handle(errors.New("disk full"))
		}
		h.Handle(errors.New("another problem"))
		assert.Equal(t, 2, strings.Count(buf.String(), "\n"), buf.String())

		clock = clock.Add(time.Minute)
		h.Handle(errors.New("disk full"))
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		assert.Len(t, lines, 3)
		assert.Contains(t, lines[2], "opentelemetry: disk full")
		assert.Contains(t, lines[2], "repeats_held_back=99")
	})

	t.Run("Should ignore a nil error and stay bounded in memory", func(t *testing.T) {
		var buf bytes.Buffer
		h := newSlogErrorHandler(slog.New(slog.NewTextHandler(&buf, nil)), time.Minute, time.Now)
		h.Handle(nil)
		assert.Empty(t, buf.String())
		for i := range 3 * maxTrackedErrors {
			h.Handle(errors.New(strings.Repeat("x", i%50) + string(rune('a'+i%26)) + time.Duration(i).String()))
		}
		assert.LessOrEqual(t, h.limit.Len(), maxTrackedErrors)
	})
}
