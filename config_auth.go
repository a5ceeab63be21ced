package monitoring

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode"

	"github.com/compozy/monitoring/internal/safefile"
)

// validateAuth checks that the credentials match the chosen protection:
// one source for each credential it needs, none it would ignore. A
// credential given while Auth is none is refused, because the operator who
// gave it believes the endpoint protected.
func (c *Config) validateAuth() []error {
	var errs []error
	bad := func(field, envName, value, allowed string) {
		if field == "auth" {
			value = shownAuth(value)
		}
		errs = append(errs, &FieldError{Field: field, Env: EnvPrefix + envName, Value: shorten(value), Allowed: allowed})
	}
	token := !c.AuthToken.IsZero() || c.AuthTokenFile != ""
	password := !c.AuthPassword.IsZero() || c.AuthPasswordFile != ""
	switch c.Auth {
	case AuthNone, "":
		if token || password || c.AuthUsername != "" {
			bad("auth", "AUTH", c.Auth, "must be bearer or basic when credentials are given "+
				"(the endpoint would stay open): set it, or remove the credentials")
		}
	case AuthBearer:
		errs = append(errs, c.tokenSource().validate()...)
		if password || c.AuthUsername != "" {
			bad("auth", "AUTH", c.Auth, "must be basic for a username or password to be used: "+
				"remove them, or set auth to basic")
		}
	case AuthBasic:
		if strings.TrimSpace(c.AuthUsername) == "" || strings.ContainsAny(c.AuthUsername, ":\r\n") {
			// "user:password" in the username variable is a common slip: a
			// value with a colon or a line break is never shown.
			shown := c.AuthUsername
			if strings.ContainsAny(shown, ":\r\n") {
				shown = "[not shown: it may hold a password]"
			}
			bad("auth_username", "AUTH_USERNAME", shown,
				`must not be empty or blank nor contain ":" or a line break when auth is basic`)
		}
		errs = append(errs, c.passwordSource().validate()...)
		if token {
			bad("auth", "AUTH", c.Auth, "must be bearer for a token to be used: remove it, or set auth to bearer")
		}
	default:
		bad("auth", "AUTH", c.Auth, "must be one of "+strings.Join(authModes(), ", "))
	}
	return errs
}

// hiddenAuth stands for an auth value that is not shown in an error.
const hiddenAuth = "[not shown: it may hold a credential]"

// shownAuth is the auth value as an error may show it: a value with
// whitespace in it, or longer than the longest mode, is a header pasted in
// by mistake ("Bearer <token>") or a credential, and is never echoed.
func shownAuth(v string) string {
	longest := 0
	for _, m := range authModes() {
		longest = max(longest, len(m))
	}
	if len(v) > longest || strings.IndexFunc(v, unicode.IsSpace) >= 0 {
		return hiddenAuth
	}
	return v
}

// secretSource is a credential and its two ways in: an environment
// variable holding it, or a file key (and its variable) naming a file that
// holds it. Every credential of the configuration is read through one, so
// each is validated, read and reported the same way.
type secretSource struct {
	what    string // what the secret is, in words: "token"
	envName string // the variable holding it, without EnvPrefix: "AUTH_TOKEN"
	fileKey string // the YAML key naming its file: "auth_token_file"
	fileEnv string // that key's variable, without EnvPrefix: "AUTH_TOKEN_FILE"
	// goField and goFileField are the fields of [Config] that hold the
	// secret and its file, named for a Config built in Go: "AuthToken".
	goField, goFileField string
	value                Secret
	file                 string
	// mode is the setting that asks for the secret, named when it is
	// missing: auth (MONITORING_AUTH) and its value.
	mode, modeEnv, modeValue string
}

// settings names both ways in, for a message.
func (s secretSource) settings() string {
	return EnvPrefix + s.envName + " (Config." + s.goField + "), or " + s.fileKey + " (" + EnvPrefix + s.fileEnv +
		", Config." + s.goFileField + ")"
}

// fileError is a [*FieldError] about the file setting. Its value is shown
// only when it is plainly a path to an existing file: a secret pasted into
// the file variable by mistake must not reach the logs.
func (s secretSource) fileError(allowed string) error {
	return &FieldError{Field: s.fileKey, Env: EnvPrefix + s.fileEnv, Value: shownPath(s.file), Allowed: allowed}
}

// validate requires exactly one way in, and a secret that is neither blank
// nor the [REDACTED] placeholder.
func (s secretSource) validate() []error {
	switch {
	case s.value.IsZero() && s.file == "":
		// The setting the operator used is named: the variable that is set
		// but empty (a secret missing from the environment it was meant to
		// come from), else the one that asks for the secret.
		for _, name := range []string{s.envName, s.fileEnv} {
			if value, set := os.LookupEnv(EnvPrefix + name); set && strings.TrimSpace(value) == "" {
				field := strings.ToLower(name)
				if name == s.envName {
					field = strings.TrimSuffix(s.fileKey, "_file")
				}
				return []error{&FieldError{
					Field: field, Env: EnvPrefix + name, Value: value,
					Allowed: "is set but empty, and " + s.mode + " is " + s.modeValue + ": the " + s.what +
						" is missing: set " + s.settings(),
				}}
			}
		}
		return []error{&FieldError{
			Field: s.mode, Env: s.modeEnv, Value: s.modeValue,
			Allowed: "needs the " + s.what + ", which is missing: set " + s.settings(),
		}}
	case !s.value.IsZero() && s.file != "":
		return []error{s.fileError("set only one of " + EnvPrefix + s.envName + " and " + s.fileKey)}
	case !s.value.IsZero() && strings.TrimSpace(s.value.Reveal()) == "":
		return []error{&FieldError{
			Field: strings.TrimSuffix(s.fileKey, "_file"), Env: EnvPrefix + s.envName, Value: redacted,
			Allowed: "must not be blank",
		}}
	case strings.TrimSpace(s.value.Reveal()) == redacted:
		// A Config printed or marshalled, then read back: the placeholder
		// must never become the credential.
		return []error{&FieldError{
			Field: strings.TrimSuffix(s.fileKey, "_file"), Env: EnvPrefix + s.envName, Value: redacted,
			Allowed: "must be the secret itself, not the " + redacted + " placeholder a printed Config shows",
		}}
	}
	return nil
}

// read returns the secret, from the variable or from the file, without
// surrounding whitespace either way: an HTTP client sends neither, and a
// secret mounted from Kubernetes often ends with a newline. The file is
// opened without blocking and must be a regular file of at most 64 KiB
// (see [safefile.Read]). A file that cannot be used is a [*FieldError]
// naming the file setting; the secret never appears in an error.
func (s secretSource) read() (string, error) {
	if s.file == "" {
		return strings.TrimSpace(s.value.Reveal()), nil
	}
	data, err := safefile.Read(s.file, maxSecretFileSize)
	var notRegular *safefile.NotRegularError
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &notRegular):
		return "", s.fileError("must name a regular file, not a " + notRegular.Kind())
	case errors.Is(err, safefile.ErrTooLarge):
		return "", s.fileError(fmt.Sprintf("must hold a secret of at most %d bytes", maxSecretFileSize))
	case errors.As(err, &pathErr):
		return "", s.fileError("must name a readable file: " + pathErr.Err.Error())
	case err != nil:
		return "", s.fileError("must name a readable file: " + err.Error())
	}
	secret := string(bytes.TrimSpace(data))
	if secret == "" {
		return "", s.fileError("must not be empty")
	}
	return secret, nil
}

// hiddenPath stands for a file setting that is not shown.
const hiddenPath = "[not shown: not a path to an existing file]"

// shownPath returns path when it is plainly a path to something that
// exists (it holds a separator, and Lstat finds it), else [hiddenPath]: a
// value that is not may be a secret set in the wrong variable.
func shownPath(path string) string {
	if path == "" {
		return ""
	}
	if len(path) > maxStringLength || !strings.ContainsAny(path, "/"+string(os.PathSeparator)) {
		return hiddenPath
	}
	if _, err := os.Lstat(path); err != nil {
		return hiddenPath
	}
	return path
}

// tokenSource and passwordSource are the credentials of auth.
func (c *Config) tokenSource() secretSource {
	return secretSource{what: "token", envName: "AUTH_TOKEN", fileKey: "auth_token_file",
		fileEnv: "AUTH_TOKEN_FILE", goField: "AuthToken", goFileField: "AuthTokenFile", value: c.AuthToken, file: c.AuthTokenFile,
		mode: "auth", modeEnv: EnvPrefix + "AUTH", modeValue: c.Auth}
}

func (c *Config) passwordSource() secretSource {
	return secretSource{what: "password", envName: "AUTH_PASSWORD", fileKey: "auth_password_file",
		fileEnv: "AUTH_PASSWORD_FILE", goField: "AuthPassword", goFileField: "AuthPasswordFile", value: c.AuthPassword, file: c.AuthPasswordFile,
		mode: "auth", modeEnv: EnvPrefix + "AUTH", modeValue: c.Auth}
}

// credentials are the secrets of the chosen protection, read from the
// environment or from their files.
type credentials struct {
	token, username, password string
}

// credentials reads what Auth needs (see [secretSource.read]).
func (c *Config) credentials() (credentials, error) {
	switch c.Auth {
	case AuthBearer:
		token, err := c.tokenSource().read()
		return credentials{token: token}, err
	case AuthBasic:
		password, err := c.passwordSource().read()
		return credentials{username: c.AuthUsername, password: password}, err
	default:
		return credentials{}, nil
	}
}
