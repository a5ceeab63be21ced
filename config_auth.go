package monitoring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// validateAuth checks that the credentials match the chosen protection:
// one source for each credential it needs, none it would ignore. A
// credential given while Auth is none is refused, because the operator who
// gave it believes the endpoint protected.
func (c *Config) validateAuth() []error {
	var errs []error
	bad := func(field, envName, value, allowed string) {
		errs = append(errs, &FieldError{Field: field, Env: EnvPrefix + envName, Value: value, Allowed: allowed})
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
		errs = append(errs, oneSource("token", "AUTH_TOKEN", "auth_token_file", c.AuthToken, c.AuthTokenFile)...)
		if password || c.AuthUsername != "" {
			bad("auth", "AUTH", c.Auth, "must be basic for a username or password to be used: "+
				"remove them, or set auth to basic")
		}
	case AuthBasic:
		if c.AuthUsername == "" || strings.ContainsAny(c.AuthUsername, ":\r\n") {
			bad("auth_username", "AUTH_USERNAME", c.AuthUsername,
				`must not be empty nor contain ":" or a line break when auth is basic`)
		}
		errs = append(errs, oneSource("password", "AUTH_PASSWORD", "auth_password_file", c.AuthPassword, c.AuthPasswordFile)...)
		if token {
			bad("auth", "AUTH", c.Auth, "must be bearer for a token to be used: remove it, or set auth to bearer")
		}
	default:
		bad("auth", "AUTH", c.Auth, "must be one of "+strings.Join(authModes(), ", "))
	}
	return errs
}

// oneSource requires exactly one of the variable envName and the file key
// fileKey to give the credential what.
func oneSource(what, envName, fileKey string, value Secret, file string) []error {
	fe := func(allowed string) []error {
		return []error{&FieldError{Field: fileKey, Env: EnvPrefix + envName, Value: file, Allowed: allowed}}
	}
	switch {
	case value.IsZero() && file == "":
		return fe("the " + what + " is missing: set " + EnvPrefix + envName + " or " + fileKey)
	case !value.IsZero() && file != "":
		return fe("set only one of " + EnvPrefix + envName + " and " + fileKey)
	case !value.IsZero() && strings.TrimSpace(value.Reveal()) == "":
		return []error{&FieldError{
			Field: strings.TrimSuffix(fileKey, "_file"), Env: EnvPrefix + envName, Value: redacted,
			Allowed: "must not be blank",
		}}
	case strings.TrimSpace(value.Reveal()) == redacted:
		// A Config printed or marshalled, then read back: the placeholder
		// must never become the credential.
		return []error{&FieldError{
			Field: strings.TrimSuffix(fileKey, "_file"), Env: EnvPrefix + envName, Value: redacted,
			Allowed: "must be the secret itself, not the " + redacted + " placeholder a printed Config shows",
		}}
	}
	return nil
}

// credentials are the secrets of the chosen protection, read from the
// environment or from their files.
type credentials struct {
	token, username, password string
}

// credentials reads what Auth needs. A file that cannot be read, is empty
// or is too large is a [*FieldError] naming the file key and the file; the
// secret itself never appears in an error.
func (c *Config) credentials() (credentials, error) {
	switch c.Auth {
	case AuthBearer:
		token, err := secretFrom(c.AuthToken, "auth_token_file", "AUTH_TOKEN_FILE", c.AuthTokenFile)
		return credentials{token: token}, err
	case AuthBasic:
		password, err := secretFrom(c.AuthPassword, "auth_password_file", "AUTH_PASSWORD_FILE", c.AuthPasswordFile)
		return credentials{username: c.AuthUsername, password: password}, err
	default:
		return credentials{}, nil
	}
}

// secretFrom returns value, or the content of file, without surrounding
// whitespace either way: an HTTP client sends neither, and a secret mounted
// from Kubernetes often ends with a newline.
func secretFrom(value Secret, field, envName, file string) (string, error) {
	if file == "" {
		return strings.TrimSpace(value.Reveal()), nil
	}
	shown := file
	if !strings.ContainsRune(file, os.PathSeparator) {
		// Not path-like: it may be the secret itself, set in the wrong
		// variable. An error must not carry it into the logs.
		shown = redacted
	}
	bad := func(allowed string) error {
		return &FieldError{Field: field, Env: EnvPrefix + envName, Value: shown, Allowed: allowed}
	}
	info, err := os.Stat(file)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return "", bad("must name a readable file: " + err.Error())
	}
	if !info.Mode().IsRegular() {
		// A FIFO or a device would block the start, a directory fail it.
		kind := "special file"
		if info.IsDir() {
			kind = "directory"
		}
		return "", bad("must name a regular file, not a " + kind)
	}
	f, err := os.Open(file) //nolint:gosec // the path is the operator's choice.
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return "", bad("must name a readable file: " + err.Error())
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFileSize+1))
	switch {
	case err != nil:
		return "", bad("must name a readable file: " + err.Error())
	case len(data) > maxSecretFileSize:
		return "", bad(fmt.Sprintf("must hold a secret of at most %d bytes", maxSecretFileSize))
	}
	secret := string(bytes.TrimSpace(data))
	if secret == "" {
		return "", bad("must not be empty")
	}
	return secret, nil
}
