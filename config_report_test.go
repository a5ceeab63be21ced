package monitoring_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring"
)

// TestOneReportForAWholeBadConfig checks that the loaders validate every
// stage (the YAML document, the environment, the validation, the files)
// whatever an earlier stage found, and return every problem at once, each a
// *monitoring.FieldError naming the key, the variable, the value and what is
// allowed, with the package's prefix once per problem.
func TestOneReportForAWholeBadConfig(t *testing.T) {
	type want struct{ field, env, value, allowed string }
	for _, tc := range []struct {
		name, yaml string
		env        map[string]string
		want       []want
	}{
		{
			name: "Should report an unknown key, a bad backend and a wrong type of one file together",
			yaml: "bogus: 1\nbackend: graphite\ncardinality_limit: abc\n",
			want: []want{
				{"bogus", "", "", "is not a key of the monitoring config"},
				{"cardinality_limit", "MONITORING_CARDINALITY_LIMIT", "abc", "must be a whole number"},
				{"backend", "MONITORING_BACKEND", "graphite", "must be one of prometheus, stdout, otlp, noop"},
			},
		},
		{
			name: "Should report a bad backend in the file and a variable of the wrong type together",
			yaml: "backend: graphite\n",
			env:  map[string]string{"MONITORING_CARDINALITY_LIMIT": "lots"},
			want: []want{
				{"cardinality_limit", "MONITORING_CARDINALITY_LIMIT", "lots", "must be a whole number"},
				{"backend", "MONITORING_BACKEND", "graphite", "must be one of"},
			},
		},
		{
			name: "Should report a bad value in the file and a bad value in a variable together",
			yaml: "backend: graphite\n",
			env:  map[string]string{"MONITORING_PROMETHEUS_NAMESPACE": "1-bad"},
			want: []want{
				{"backend", "MONITORING_BACKEND", "graphite", "must be one of"},
				{"prometheus.namespace", "MONITORING_PROMETHEUS_NAMESPACE", "1-bad", "must be empty or a Prometheus name"},
			},
		},
		{
			name: "Should report a secret in the file, a moved key and a wrong type together, each once",
			yaml: "auth_token: hunter2\nnamespace: shop\nsystem_metrics: maybe\n",
			env:  map[string]string{"MONITORING_NAMESPACE": "old"},
			want: []want{
				{"namespace", "MONITORING_PROMETHEUS_NAMESPACE", "shop", "has moved to prometheus.namespace"},
				{"auth_token", "MONITORING_AUTH_TOKEN", "[REDACTED]", "must not be in the YAML file"},
				{"system_metrics", "MONITORING_SYSTEM_METRICS", "maybe", "must be true or false"},
				{"prometheus.namespace", "MONITORING_NAMESPACE", "old", "MONITORING_NAMESPACE has moved"},
			},
		},
		{
			name: "Should report the missing token by auth, the setting that asks for it, beside a bad path",
			yaml: "auth: bearer\npath: metrics\n",
			want: []want{
				{"path", "MONITORING_PATH", "metrics", `must start with "/"`},
				{"auth", "MONITORING_AUTH", "bearer", "needs the token, which is missing: set MONITORING_AUTH_TOKEN (Config.AuthToken), or auth_token_file"},
			},
		},
		{
			name: "Should name the token variable that is set but empty",
			env:  map[string]string{"MONITORING_AUTH": "bearer", "MONITORING_AUTH_TOKEN": ""},
			want: []want{{"auth_token", "MONITORING_AUTH_TOKEN", "", "is set but empty, and auth is bearer: the token is missing"}},
		},
		{
			name: "Should name the password file variable that is set but empty",
			yaml: "auth: basic\nauth_username: scraper\n",
			env:  map[string]string{"MONITORING_AUTH_PASSWORD_FILE": ""},
			want: []want{{"auth_password_file", "MONITORING_AUTH_PASSWORD_FILE", "", "is set but empty, and auth is basic"}},
		},
		{
			name: "Should name the file setting of a token file that cannot be read, beside a bad backend",
			yaml: "auth: bearer\nbackend: graphite\n",
			env:  map[string]string{"MONITORING_AUTH_TOKEN_FILE": "/nonexistent/metrics-token"},
			want: []want{
				{"backend", "MONITORING_BACKEND", "graphite", "must be one of"},
				{"auth_token_file", "MONITORING_AUTH_TOKEN_FILE", "[not shown: not a path to an existing file]", "must name a readable file"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			path := writeConfig(t, tc.yaml)
			for origin, load := range map[string]func() (*monitoring.Config, error){
				"config YAML":         func() (*monitoring.Config, error) { return monitoring.ParseConfig([]byte(tc.yaml)) },
				"config file " + path: func() (*monitoring.Config, error) { return monitoring.LoadConfig(path) },
			} {
				cfg, err := load()
				require.Error(t, err, origin)
				assert.Nil(t, cfg, "a config that fails any rule is never half-applied")

				fes := monitoring.FieldErrors(err)
				got := make([]want, 0, len(fes))
				for _, fe := range fes {
					got = append(got, want{fe.Field, fe.Env, fe.Value, fe.Allowed})
				}
				require.Len(t, got, len(tc.want), "%s: %v", origin, err)
				for i, w := range tc.want {
					assert.Equal(t, w.field, got[i].field, err.Error())
					assert.Equal(t, w.env, got[i].env, err.Error())
					assert.Equal(t, w.value, got[i].value, err.Error())
					assert.Contains(t, got[i].allowed, w.allowed)
				}
				assert.Equal(t, everyFieldError(err), fes, "FieldErrors finds what errors.As finds in each joined error")

				// One problem a line, each with the package's prefix once,
				// and each an error errors.As turns into a FieldError.
				joined, ok := err.(interface{ Unwrap() []error })
				require.True(t, ok, "the problems are joined")
				require.Len(t, joined.Unwrap(), len(tc.want))
				for _, e := range joined.Unwrap() {
					var fe *monitoring.FieldError
					assert.ErrorAs(t, e, &fe)
				}
				lines := strings.Split(err.Error(), "\n")
				require.Len(t, lines, len(tc.want), err.Error())
				for _, line := range lines {
					assert.Equal(t, 1, strings.Count(line, "monitoring:"), "one prefix: %s", line)
					assert.Equal(t, 1, strings.Count(line, "invalid config"), "one prefix: %s", line)
					assert.NotContains(t, line, "hunter2", "a secret is never repeated")
				}
				// A problem of the document names its origin, on its own line.
				for i, fe := range fes {
					fromFile := strings.Contains(tc.yaml, fe.Field+":") ||
						(fe.Field == "cardinality_limit" && tc.env["MONITORING_CARDINALITY_LIMIT"] == "")
					if fromFile && fe.Field != "backend" && fe.Field != "path" && fe.Field != "auth" {
						assert.True(t, strings.HasSuffix(lines[i], "(in the "+origin+")"), lines[i])
					}
				}
			}
		})
	}

	t.Run("Should count the unknown keys past the first five with one prefix", func(t *testing.T) {
		doc := "a: 1\nb: 1\nc: 1\nd: 1\ne: 1\nf: 1\ng: 1\nbackend: graphite\n"
		_, err := monitoring.ParseConfig([]byte(doc))
		require.Error(t, err)
		assert.Len(t, monitoring.FieldErrors(err), 6, "five unknown keys and the backend")
		assert.Contains(t, err.Error(), "monitoring: config YAML: and 2 more unknown keys")
		for _, line := range strings.Split(err.Error(), "\n") {
			assert.Equal(t, 1, strings.Count(line, "monitoring:"), line)
		}
	})

	t.Run("Should report each duplicate key as a FieldError beside a bad variable", func(t *testing.T) {
		t.Setenv("MONITORING_SYSTEM_METRICS", "maybe")
		_, err := monitoring.ParseConfig([]byte("backend: stdout\npath: /a\nbackend: otlp\n"))
		fes := monitoring.FieldErrors(err)
		require.Len(t, fes, 2, err.Error())
		assert.Equal(t, "backend", fes[0].Field, "the key itself, without quotes")
		assert.Contains(t, fes[0].Allowed, "line 3 repeats line 1")
		assert.Equal(t, "MONITORING_SYSTEM_METRICS", fes[1].Env)
		for _, line := range strings.Split(err.Error(), "\n") {
			assert.Equal(t, 1, strings.Count(line, "monitoring:"), line)
		}
	})

	t.Run("Should suggest the known key an unknown key is a typo of", func(t *testing.T) {
		_, err := monitoring.ParseConfig([]byte("enable: true\nprometheus:\n  namspace: shop\nzzzzzzzz: 1\n"))
		fes := monitoring.FieldErrors(err)
		require.Len(t, fes, 3, err.Error())
		assert.Equal(t, "enable", fes[0].Field)
		assert.Contains(t, fes[0].Allowed, "did you mean enabled?")
		assert.Equal(t, "prometheus.namspace", fes[1].Field)
		assert.Contains(t, fes[1].Allowed, "did you mean prometheus.namespace?")
		assert.Equal(t, "zzzzzzzz", fes[2].Field)
		assert.NotContains(t, fes[2].Allowed, "did you mean", "no hint when no key is close")
	})

	t.Run("Should list every boolean form a variable accepts, and accept them", func(t *testing.T) {
		for _, v := range []string{"1", "t", "TRUE", "True", "true"} {
			t.Setenv("MONITORING_ENABLED", v)
			cfg, err := monitoring.ParseConfig(nil)
			require.NoError(t, err, v)
			assert.True(t, cfg.Enabled, v)
		}
		t.Setenv("MONITORING_ENABLED", "yes")
		_, err := monitoring.ParseConfig(nil)
		fes := monitoring.FieldErrors(err)
		require.Len(t, fes, 1, err)
		for _, form := range []string{"true", "false", "1", "0", "t", "f", "TRUE", "FALSE"} {
			assert.Contains(t, fes[0].Allowed, form, "the message lists what is accepted")
		}
	})

	t.Run("Should name the Config field of a missing credential for a config built in Go", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		cfg.Auth = monitoring.AuthBearer
		fes := monitoring.FieldErrors(cfg.Validate())
		require.Len(t, fes, 1)
		assert.Contains(t, fes[0].Allowed, "Config.AuthToken")
		assert.Contains(t, fes[0].Allowed, "MONITORING_AUTH_TOKEN")
		cfg.Auth, cfg.AuthUsername = monitoring.AuthBasic, "scraper"
		fes = monitoring.FieldErrors(cfg.Validate())
		require.Len(t, fes, 1)
		assert.Contains(t, fes[0].Allowed, "Config.AuthPassword")
	})

	t.Run("Should report a syntax error of the document beside a bad variable", func(t *testing.T) {
		t.Setenv("MONITORING_BACKEND", "graphite")
		_, err := monitoring.ParseConfig([]byte("backend: [unclosed\n"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "monitoring: config YAML: yaml:")
		fes := monitoring.FieldErrors(err)
		require.Len(t, fes, 1, err.Error())
		assert.Equal(t, "MONITORING_BACKEND", fes[0].Env)
	})

	t.Run("Should give the same report from Validate for a config built in Go", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		cfg.Backend, cfg.Path, cfg.CardinalityLimit = "graphite", "metrics", -1
		err := cfg.Validate()
		assert.Len(t, monitoring.FieldErrors(err), 3)
		var fe *monitoring.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "path", fe.Field, "errors.As gives the first")
	})
}
