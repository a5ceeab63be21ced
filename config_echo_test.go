package monitoring_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
)

// TestEchoedValuesBounded attacks the config errors with values that must
// not come back whole: a header pasted into auth, and huge values of the
// wrong type. Every value an error shows is bounded the same way.
func TestEchoedValuesBounded(t *testing.T) {
	t.Run("Should not echo an auth value that looks like a pasted header", func(t *testing.T) {
		for _, v := range []string{"Bearer S3CRET", "Basic dXNlcjpTM0NSRVQ=", "S3CRETS3CRETS3CRET", "bearer\tS3CRET"} {
			for name, load := range map[string]func() error{
				"YAML": func() error {
					_, err := monitoring.ParseConfig([]byte("enabled: true\nauth: '" + v + "'\n"))
					return err
				},
				"MONITORING_AUTH": func() error {
					t.Setenv("MONITORING_AUTH", v)
					_, err := monitoring.ParseConfig([]byte("enabled: true\n"))
					return err
				},
			} {
				err := load()
				require.Error(t, err, name)
				assert.NotContains(t, err.Error(), "S3CRET", name)
				assert.NotContains(t, err.Error(), "dXNlcjpTM0NSRVQ", name)
				fes := monitoring.FieldErrors(err)
				require.Len(t, fes, 1, name)
				assert.Equal(t, "auth", fes[0].Field)
				assert.NotContains(t, fes[0].Value, "S3CRET", name)
				assert.Contains(t, fes[0].Allowed, "bearer", "what is allowed is still said")
			}
		}
	})

	t.Run("Should still echo a short mistyped auth value", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("enabled: true\nauth: bearr\n"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"bearr"`)
	})

	big := strings.Repeat("A", 60000)
	for name, doc := range map[string]string{
		"a wrong-type value":                 "enabled: true\ncardinality_limit: " + big + "\n",
		"a wrong-type value under a backend": "enabled: true\nprometheus:\n  scrape_timeout: " + big + "\n",
		"a section that is not a mapping":    "enabled: true\nprometheus: " + big + "\n",
		"a too-long string":                  "enabled: true\nservice_name: " + big + "\n",
		"a bad backend":                      "enabled: true\nbackend: " + big + "\n",
	} {
		t.Run("Should bound the value shown for "+name, func(t *testing.T) {
			_, err := monitoring.ParseConfig([]byte(doc))
			require.Error(t, err)
			assert.Less(t, len(err.Error()), 1000, "a 60 KB value makes a short error")
			for _, fe := range monitoring.FieldErrors(err) {
				assert.LessOrEqual(t, len(fe.Value), 64, fe.Field)
			}
		})
	}

	t.Run("Should bound the value shown for a wrong-type variable", func(t *testing.T) {
		t.Setenv("MONITORING_CARDINALITY_LIMIT", big)
		_, err := monitoring.ParseConfig([]byte("enabled: true\n"))
		require.Error(t, err)
		assert.Less(t, len(err.Error()), 1000)
		for _, fe := range monitoring.FieldErrors(err) {
			assert.LessOrEqual(t, len(fe.Value), 64, fe.Field)
		}
	})
}
