package middleware_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/compozy/monitoring/middleware"
	"github.com/compozy/monitoring/monitoringtest"
)

// TestKnownMethodsHostile attacks WithKnownMethods with the conventions'
// placeholder and a flood of bad values.
func TestKnownMethodsHostile(t *testing.T) {
	t.Run("Should refuse _OTHER as a known method: it takes no slot of the 64", func(t *testing.T) {
		// A method named _OTHER would be recorded as the placeholder of the
		// unknown ones; listed, it must not take a real method's slot.
		list := []string{"_OTHER"}
		for i := range 64 {
			list = append(list, fmt.Sprintf("M%d", i))
		}
		checkMethods(t, convRouters["net/http"], []middleware.Option{middleware.WithKnownMethods(list...)},
			[]string{"M63", "_OTHER", "PROPFIND"}, []string{"M63", "_OTHER", "_OTHER"})
	})

	t.Run("Should log _OTHER as refused, naming it", func(t *testing.T) {
		var logs bytes.Buffer
		middleware.HTTP(monitoringtest.New(t), middleware.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
			middleware.WithKnownMethods("_OTHER", "GET"))(http.NotFoundHandler())
		assert.Contains(t, logs.String(), "_OTHER")
		assert.Contains(t, logs.String(), "placeholder")
	})

	t.Run("Should log one line for 10,000 bad values, with the count and the first few", func(t *testing.T) {
		var logs bytes.Buffer
		many := []string{"_OTHER", "BAD METHOD", strings.Repeat("X", 1<<20) + " "}
		for i := range 10000 {
			many = append(many, fmt.Sprintf("M%d", i))
		}
		middleware.HTTP(monitoringtest.New(t), middleware.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
			middleware.WithKnownMethods(many...))(http.NotFoundHandler())
		assert.Equal(t, 1, strings.Count(logs.String(), "\n"), "one summary line: %.500s", logs.String())
		assert.Contains(t, logs.String(), "9939 values refused", "3 bad and 10,000-64 past the limit")
		assert.Contains(t, logs.String(), "_OTHER")
		assert.Contains(t, logs.String(), "BAD METHOD")
		assert.Contains(t, logs.String(), "M64")
		assert.NotContains(t, logs.String(), "M100")
		assert.Less(t, logs.Len(), 2000, "a value is shown bounded")
	})
}
