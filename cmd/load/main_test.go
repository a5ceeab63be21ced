package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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
