package monitoring

import (
	"bytes"
	"errors"
	"fmt"
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
	t.Run("Should not log every error when more distinct messages than it remembers cycle", func(t *testing.T) {
		var buf bytes.Buffer
		clock := time.Unix(1000, 0)
		h := newSlogErrorHandler(slog.New(slog.NewTextHandler(&buf, nil)), time.Minute, func() time.Time { return clock })
		for range 10 {
			for i := range maxTrackedErrors + 1 {
				h.Handle(fmt.Errorf("export failed: collector %d unreachable", i))
			}
		}
		assert.LessOrEqual(t, strings.Count(buf.String(), "\n"), maxTrackedErrors+1,
			"one line per remembered message and one for the others, per interval")
		assert.Equal(t, 1, strings.Count(buf.String(), "other_messages=true"), "the others' line says so")

		buf.Reset()
		for i := range 1000 { // a varying part (an ephemeral port) in every message
			h.Handle(fmt.Errorf("read tcp 127.0.0.1:%d->10.0.0.1:4318: connection reset by peer", 40000+i))
		}
		assert.Zero(t, strings.Count(buf.String(), "\n"), "held back with the others within the interval")
	})
}
