package port_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/compozy/monitoring/port"
)

func TestValidateName(t *testing.T) {
	t.Run("Should accept the OpenTelemetry instrument name syntax", func(t *testing.T) {
		for _, name := range []string{"a", "http.server.request.duration", "A_b-c/d.e9", strings.Repeat("x", 255)} {
			assert.NoError(t, port.ValidateName(name), name)
		}
	})

	t.Run("Should refuse anything else, saying why", func(t *testing.T) {
		for name, why := range map[string]string{
			"": "1 to 255", strings.Repeat("x", 256): "1 to 255", "9lives": "start with a letter",
			"_x": "start with a letter", "a b": "only letters", "a:b": "only letters", "é": "start with a letter",
		} {
			err := port.ValidateName(name)
			if assert.Error(t, err, name) {
				assert.Contains(t, err.Error(), why, name)
			}
		}
	})
}
