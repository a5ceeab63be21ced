package monitoring_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
)

// A secret pasted into a _FILE variable by mistake: base64 holds "/", so it
// looks like a path, but names no file.
const misplacedSecret = "c2VjcmV0/dG9rZW4+aGVyZQ==/hunter2" //nolint:gosec // a test value, not a credential.

func TestMisplacedSecretNeverEchoed(t *testing.T) {
	cases := []struct {
		name, allowed string
		env           map[string]string
	}{
		{"given with the token too", "set only one of MONITORING_AUTH_TOKEN and auth_token_file",
			map[string]string{"MONITORING_AUTH_TOKEN": "a-token", "MONITORING_AUTH_TOKEN_FILE": misplacedSecret}},
		{"naming no readable file", "must name a readable file",
			map[string]string{"MONITORING_AUTH_TOKEN_FILE": misplacedSecret}},
		{"longer than 1 KiB", "at most 1024 bytes",
			map[string]string{"MONITORING_AUTH_TOKEN_FILE": strings.Repeat(misplacedSecret, 40)}},
	}
	for _, tc := range cases {
		t.Run("Should not echo a _FILE value "+tc.name+", and name the setting", func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := monitoring.ParseConfig([]byte("auth: bearer\n"))
			require.Error(t, err)
			assert.NotContains(t, err.Error(), misplacedSecret[:16])
			fes := fieldErrors(t, err)
			require.Len(t, fes, 1, err.Error())
			assert.Equal(t, "auth_token_file", fes[0].Field)
			assert.Equal(t, "MONITORING_AUTH_TOKEN_FILE", fes[0].Env, "the variable the value came from")
			assert.Contains(t, fes[0].Allowed, tc.allowed)
			assert.Contains(t, fes[0].Value, "not shown")
		})
	}

	for name, user := range map[string]string{`"user:password"`: "admin:" + misplacedSecret, "a line break": "admin\n" + misplacedSecret} {
		t.Run("Should not echo a basic-auth username holding "+name+", and name the setting", func(t *testing.T) {
			t.Setenv("MONITORING_AUTH_USERNAME", user)
			t.Setenv("MONITORING_AUTH_PASSWORD", "pw")
			_, err := monitoring.ParseConfig([]byte("auth: basic\n"))
			require.Error(t, err)
			assert.NotContains(t, err.Error(), misplacedSecret[:16])
			fes := fieldErrors(t, err)
			require.Len(t, fes, 1, err.Error())
			assert.Equal(t, "auth_username", fes[0].Field)
			assert.Equal(t, "MONITORING_AUTH_USERNAME", fes[0].Env)
			assert.Contains(t, fes[0].Value, "not shown")
		})
	}

	t.Run("Should show a _FILE value that is a path to an existing file", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("MONITORING_AUTH_TOKEN", "a-token")
		t.Setenv("MONITORING_AUTH_TOKEN_FILE", dir)
		_, err := monitoring.ParseConfig([]byte("auth: bearer\n"))
		fes := fieldErrors(t, err)
		require.Len(t, fes, 1, err.Error())
		assert.Equal(t, dir, fes[0].Value)
	})

	t.Run("Should name the setting of a missing password and of a missing token", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("auth: basic\nauth_username: u\n"))
		fes := fieldErrors(t, err)
		require.Len(t, fes, 1)
		assert.Equal(t, "auth", fes[0].Field, "the setting that asks for it")
		assert.Equal(t, "MONITORING_AUTH", fes[0].Env, "the key and the variable of one setting")
		assert.Equal(t, "basic", fes[0].Value)
		require.ErrorContains(t, err, "set MONITORING_AUTH_PASSWORD (Config.AuthPassword), or")
		require.ErrorContains(t, err, "auth_password_file (MONITORING_AUTH_PASSWORD_FILE, Config.AuthPasswordFile)")
		_, err = monitoring.ParseConfig([]byte("auth: bearer\n"))
		require.ErrorContains(t, err, "set MONITORING_AUTH_TOKEN (Config.AuthToken), or auth_token_file (MONITORING_AUTH_TOKEN_FILE, Config.AuthTokenFile)")
	})
}
