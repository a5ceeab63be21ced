package service

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/compozy/monitoring/internal/ratelog"
)

// deniedLogInterval is how often refused scrapes are logged at most: a
// scanner hammering the endpoint must not flood the log.
const deniedLogInterval = time.Minute

// authenticator guards the exposition endpoint. Credentials are kept as
// SHA-256 digests and compared in constant time, so neither their content
// nor their length shows in the time a refusal takes; they are never
// logged.
type authenticator struct {
	challenge string // the WWW-Authenticate header of a refusal
	allow     func(r *http.Request) (ok bool, reason string)
	// unusable says why the credentials given can accept no request (an
	// empty secret, a username basic authentication cannot carry), or nil.
	unusable error

	logger *slog.Logger
	denied *ratelog.Limiter // at most one line per deniedLogInterval
}

// bearerAuth accepts requests carrying "Authorization: Bearer <token>". An
// empty token accepts nothing: a protection that was asked for is never
// silently dropped.
func bearerAuth(token string) func(*http.Request) (bool, string) {
	want := sha256.Sum256([]byte(token))
	usable := bearerUnusable(token) == nil
	return func(r *http.Request) (bool, string) {
		scheme, got, found := strings.Cut(r.Header.Get("Authorization"), " ")
		if !found || !strings.EqualFold(scheme, "Bearer") || got == "" {
			return false, "missing bearer token"
		}
		sum := sha256.Sum256([]byte(got))
		if !usable || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			return false, "wrong bearer token"
		}
		return true, ""
	}
}

// basicAuth accepts requests carrying the username and password with HTTP
// basic authentication. Both are compared, whatever the first comparison
// says, and an empty password accepts nothing.
func basicAuth(username, password string) func(*http.Request) (bool, string) {
	wantUser, wantPass := sha256.Sum256([]byte(username)), sha256.Sum256([]byte(password))
	usable := basicUnusable(username, password) == nil
	return func(r *http.Request) (bool, string) {
		user, pass, ok := r.BasicAuth()
		if !ok {
			return false, "missing basic credentials"
		}
		gotUser, gotPass := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
		userOK := subtle.ConstantTimeCompare(gotUser[:], wantUser[:])
		passOK := subtle.ConstantTimeCompare(gotPass[:], wantPass[:])
		if userOK&passOK != 1 || !usable {
			return false, "wrong basic credentials"
		}
		return true, ""
	}
}

// basicUnusable says why basic credentials can accept no request, as the
// config loader refuses them: an empty username or password, or a username
// with ":" (the separator of user and password on the wire) or a line
// break.
func basicUnusable(username, password string) error {
	switch {
	case strings.TrimSpace(username) == "":
		return errors.New("the basic-auth username is empty or blank")
	case strings.ContainsAny(username, ":\r\n"):
		return errors.New("the basic-auth username contains a colon or a line break")
	}
	return secretUnusable("basic-auth password", password)
}

// bearerUnusable says why a bearer token can accept no request, as the
// config loader refuses it.
func bearerUnusable(token string) error { return secretUnusable("bearer token", token) }

// redactedPlaceholder is what the root package's Secret prints in place of
// a secret: a Config printed or marshalled and read back must never make
// it the credential.
const redactedPlaceholder = "[REDACTED]"

// secretUnusable refuses what the config loader refuses in a secret: empty
// or blank (the loader trims surrounding whitespace, so a blank secret is
// empty), or the [REDACTED] placeholder.
func secretUnusable(what, secret string) error {
	switch strings.TrimSpace(secret) {
	case "":
		return errors.New("the " + what + " is empty or blank")
	case redactedPlaceholder:
		return errors.New("the " + what + " is the " + redactedPlaceholder + " placeholder a printed Config shows")
	}
	return nil
}

// wrap answers 401 with the challenge to requests that are not allowed,
// before anything of the endpoint, its status included, is revealed.
func (a *authenticator) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, reason := a.allow(r); !ok {
			a.logDenied(r, reason)
			w.Header().Set("WWW-Authenticate", a.challenge)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// logDenied logs a refusal at most once per interval, with the number held
// back since the last line. It names the reason and the client, never what
// the client sent.
func (a *authenticator) logDenied(r *http.Request, reason string) {
	ok, held := a.denied.Allow()
	if !ok {
		return
	}
	a.logger.WarnContext(r.Context(), "monitoring: metrics request refused",
		"reason", reason, "remote", r.RemoteAddr, "refusals_held_back", held)
}
