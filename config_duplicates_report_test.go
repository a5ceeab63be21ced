package monitoring_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
)

// TestDuplicateKeysReportedWithTheRest holds the promise of one report for
// a whole bad config when the document also repeats a key: the duplicate
// does not hide the other problems of the file.
func TestDuplicateKeysReportedWithTheRest(t *testing.T) {
	fields := func(err error) []string {
		var out []string
		for _, fe := range monitoring.FieldErrors(err) {
			out = append(out, strings.Trim(fe.Field, `"`))
		}
		return out
	}

	t.Run("Should report a repeated key, an unknown key and a wrong type at once", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("enabled: true\nenabled: true\nbogus_key: 1\ncardinality_limit: lots\n"))
		require.Error(t, err)
		got := fields(err)
		assert.Contains(t, got, "enabled", err.Error())
		assert.Contains(t, got, "bogus_key", err.Error())
		assert.Contains(t, got, "cardinality_limit", err.Error())
	})

	t.Run("Should report a repeated key under a backend and a bad value beside it", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("enabled: true\nbackend: graphite\nprometheus:\n  namespace: a\n  namespace: b\n" +
			"  scrape_timeout: soon\n"))
		require.Error(t, err)
		got := fields(err)
		assert.Contains(t, got, "namespace", err.Error())
		assert.Contains(t, got, "prometheus.scrape_timeout", err.Error())
		assert.Contains(t, got, "backend", err.Error())
	})

	t.Run("Should still report a secret written in the file beside a repeated key", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("enabled: true\nenabled: false\nauth_token: S3CRET\n"))
		require.Error(t, err)
		assert.Contains(t, fields(err), "auth_token", err.Error())
		assert.NotContains(t, err.Error(), "S3CRET")
	})
}
