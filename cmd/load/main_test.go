package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGenerate(t *testing.T) {
	t.Run("Should cycle through the paths, tally every answer and stop at the deadline", func(t *testing.T) {
		var served atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			served.Add(1)
			if r.URL.Path == "/bad" {
				w.WriteHeader(http.StatusInternalServerError)
			}
		}))
		defer srv.Close()
		base, err := url.Parse(srv.URL)
		require.NoError(t, err)

		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		counts := generate(ctx, t.Context(), srv.Client(), base, 2, []string{"/good", "/bad"})

		require.Positive(t, counts.n["/good 200"])
		require.Positive(t, counts.n["/bad 500"])
		total := 0
		for _, n := range counts.n {
			total += n
		}
		// The deadline cuts no request: every request served is answered and
		// tallied once.
		assert.Equal(t, served.Load(), int64(total), "every answer tallied once")
		var out strings.Builder
		counts.print(&out, 200*time.Millisecond)
		assert.Contains(t, out.String(), "requests in 200ms")
	})
}

func TestInterruptedRunPrintsElapsed(t *testing.T) {
	t.Run("Should print the time the run took, not -duration, when interrupted", func(t *testing.T) {
		abort, interrupt := context.WithCancel(t.Context())
		defer interrupt()
		var once sync.Once
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			once.Do(interrupt) // Ctrl-C as soon as the first request arrives
		}))
		defer srv.Close()
		base, err := url.Parse(srv.URL)
		require.NoError(t, err)

		const duration = 10 * time.Minute
		start := time.Now()
		var out strings.Builder
		loadFor(abort, duration, srv.Client(), base, 1, []string{"/a"}, &out)
		took := time.Since(start)

		m := regexp.MustCompile(`(?m)^\d+ requests in (\S+)$`).FindStringSubmatch(out.String())
		require.Len(t, m, 2, "a summary line in %q", out.String())
		elapsed, err := time.ParseDuration(m[1])
		require.NoError(t, err)
		assert.NotContains(t, out.String(), duration.String())
		assert.LessOrEqual(t, elapsed, took.Round(time.Millisecond), "the elapsed time, at most what the run took")
	})
}
