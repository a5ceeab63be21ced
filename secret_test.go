package monitoring_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/compozy/monitoring"
)

// configuredSecrets returns a Config holding both secrets.
func configuredSecrets() monitoring.Config {
	cfg := monitoring.DefaultConfig()
	cfg.Auth, cfg.AuthUsername = monitoring.AuthBasic, "scraper"
	cfg.AuthToken = monitoring.NewSecret(secretValue)
	cfg.AuthPassword = monitoring.NewSecret(secretValue)
	return cfg
}

// leaks reports the forms of the secret that out shows.
func leaks(out string) []string {
	var found []string
	decimal := make([]string, 0, 4) // how fmt prints a []byte
	for _, b := range []byte(secretValue)[:4] {
		decimal = append(decimal, strconv.Itoa(int(b)))
	}
	for _, form := range []string{secretValue, fmt.Sprintf("%x", secretValue), fmt.Sprintf("%X", secretValue),
		fmt.Sprintf("%q", secretValue)[1:12], strings.Join(decimal, " ")} {
		if strings.Contains(out, form) {
			found = append(found, form)
		}
	}
	return found
}

func TestSecretUnderEveryVerb(t *testing.T) {
	cfg := configuredSecrets()
	values := map[string]any{"Secret": cfg.AuthToken, "Config": cfg, "*Config": &cfg,
		"[]Secret": []monitoring.Secret{cfg.AuthToken}, "map": map[string]any{"s": cfg.AuthToken}}
	flags := []string{"", "+", "#", "-", " ", "0", "+#", "10.3", "-40", "#08"}

	t.Run("Should show no secret with any verb from ! to ~, with or without flags", func(t *testing.T) {
		for name, v := range values {
			for verb := '!'; verb <= '~'; verb++ {
				if verb == '%' {
					continue
				}
				for _, flag := range flags {
					format := "%" + flag + string(verb)
					out := fmt.Sprintf(format, v)
					assert.Empty(t, leaks(out), "fmt.Sprintf(%q, %s) = %.200q", format, name, out)
					werr := fmt.Errorf(format, v) //nolint:err113 // every verb, %w included, is the point.
					assert.Empty(t, leaks(werr.Error()), "fmt.Errorf(%q, %s)", format, name)
				}
			}
			assert.Empty(t, leaks(fmt.Sprint(v)+fmt.Sprintln(v)), name)
		}
	})

	t.Run("Should show no secret through gob, JSON, XML, YAML or slog", func(t *testing.T) {
		var shown bytes.Buffer
		for name, v := range values {
			if err := gob.NewEncoder(&shown).Encode(v); err != nil {
				shown.WriteString(err.Error())
			}
			j, err := json.Marshal(v)
			require.NoError(t, err, name)
			shown.Write(j)
			y, err := yaml.Marshal(v)
			require.NoError(t, err, name)
			shown.Write(y)
			x, _ := xml.Marshal(v) //nolint:errchkjson // a map is refused; the others must not leak.
			shown.Write(x)
			slog.New(slog.NewTextHandler(&shown, nil)).Info("config", "v", v)
			slog.New(slog.NewJSONHandler(&shown, nil)).Info("config", "v", v)
		}
		assert.Empty(t, leaks(shown.String()))
		assert.Contains(t, shown.String(), "[REDACTED]")
	})

	t.Run("Should read back a gob-encoded Config as the placeholder, which validation refuses", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, gob.NewEncoder(&buf).Encode(cfg))
		var back monitoring.Config
		require.NoError(t, gob.NewDecoder(&buf).Decode(&back))
		assert.Equal(t, "[REDACTED]", back.AuthPassword.Reveal())
		require.Error(t, back.Validate())
	})

	t.Run("Should keep the secret out of every value reflection reaches", func(t *testing.T) {
		// What a dumper (go-spew, pretty printers) walks: every field,
		// exported or not, through pointers, slices and maps.
		var found []string
		seen := map[uintptr]bool{}
		var walk func(path string, v reflect.Value)
		walk = func(path string, v reflect.Value) {
			switch v.Kind() {
			case reflect.String:
				if strings.Contains(v.String(), secretValue) {
					found = append(found, path)
				}
			case reflect.Pointer, reflect.Interface:
				if v.IsNil() {
					return
				}
				if v.Kind() == reflect.Pointer {
					if seen[v.Pointer()] {
						return
					}
					seen[v.Pointer()] = true
				}
				walk(path+".*", v.Elem())
			case reflect.Struct:
				for i := range v.NumField() {
					walk(path+"."+v.Type().Field(i).Name, v.Field(i))
				}
			case reflect.Slice, reflect.Array:
				if v.Type().Elem().Kind() == reflect.Uint8 {
					if bytes.Contains(v.Bytes(), []byte(secretValue)) {
						found = append(found, path)
					}
					return
				}
				for i := range v.Len() {
					walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
				}
			case reflect.Map:
				for _, k := range v.MapKeys() {
					walk(path+"[key]", k)
					walk(path+"[value]", v.MapIndex(k))
				}
			}
		}
		walk("Config", reflect.ValueOf(&cfg))
		assert.Empty(t, found, "the secret is reachable by reflection")
		assert.Equal(t, secretValue, cfg.AuthToken.Reveal())
	})
}
