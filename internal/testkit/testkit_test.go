package testkit_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/testkit"
)

func TestBuffer(t *testing.T) {
	t.Run("Should keep every line whole under concurrent writers and readers", func(t *testing.T) {
		const writers, lines = 8, 200
		var buf testkit.Buffer
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for n := range lines {
					// One Write per line, as a logger does: each must land whole.
					_, err := fmt.Fprintf(&buf, "writer=%d line=%d;\n", w, n)
					assert.NoError(t, err)
				}
			})
		}
		// A reader polls while the writers write (-race watches both sides).
		wg.Go(func() {
			for range 50 {
				_ = buf.String()
				_ = buf.Lines()
			}
		})
		wg.Wait()

		got := buf.Lines()
		require.Len(t, got, writers*lines)
		for w := range writers {
			mine := buf.LinesContaining("writer=" + strconv.Itoa(w) + " ")
			assert.Len(t, mine, lines, "writer %d", w)
		}
		for _, l := range got {
			assert.Regexp(t, `^writer=\d+ line=\d+;$`, l)
		}
	})

	t.Run("Should report the bytes written and return them in order", func(t *testing.T) {
		var buf testkit.Buffer
		var w io.Writer = &buf
		n, err := w.Write([]byte("first\n"))
		require.NoError(t, err)
		assert.Equal(t, 6, n)
		_, err = io.WriteString(w, "second")
		require.NoError(t, err)
		assert.Equal(t, "first\nsecond", buf.String())
	})

	t.Run("Should split lines and leave the empty ones out", func(t *testing.T) {
		var buf testkit.Buffer
		_, _ = io.WriteString(&buf, "\nalpha\n\n\nbeta\ngamma")
		assert.Equal(t, []string{"alpha", "beta", "gamma"}, buf.Lines())

		var empty testkit.Buffer
		assert.Empty(t, empty.Lines())
	})

	t.Run("Should return the lines that contain every one of the strings", func(t *testing.T) {
		var buf testkit.Buffer
		_, _ = io.WriteString(&buf,
			"level=ERROR msg=export err=timeout\n"+
				"level=INFO msg=export\n"+
				"level=ERROR msg=shutdown err=timeout\n"+
				"level=ERROR msg=export err=refused\n")

		assert.Equal(t, []string{
			"level=ERROR msg=export err=timeout",
			"level=ERROR msg=export err=refused",
		}, buf.LinesContaining("level=ERROR", "msg=export"))
		assert.Equal(t, []string{"level=ERROR msg=export err=timeout"},
			buf.LinesContaining("msg=export", "err=timeout", "level=ERROR"))
		assert.Empty(t, buf.LinesContaining("level=ERROR", "msg=missing"))
		assert.Len(t, buf.LinesContaining(), 4, "no strings asked for: every line matches")
	})
}

func TestFreePort(t *testing.T) {
	t.Run("Should return a port that can be listened on at 127.0.0.1", func(t *testing.T) {
		port := testkit.FreePort(t)
		require.Positive(t, port)
		require.LessOrEqual(t, port, 65535)

		var lc net.ListenConfig
		l, err := lc.Listen(t.Context(), "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		require.NoError(t, err, "FreePort must hand back a port it has released")
		assert.Equal(t, port, l.Addr().(*net.TCPAddr).Port)
		require.NoError(t, l.Close())
	})

	t.Run("Should not return a port that is already taken", func(t *testing.T) {
		var lc net.ListenConfig
		held, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer func() { assert.NoError(t, held.Close()) }()
		taken := held.Addr().(*net.TCPAddr).Port

		for range 5 {
			assert.NotEqual(t, taken, testkit.FreePort(t))
		}
	})
}

// errorRecorder is a testing.TB that keeps what Errorf reports.
type errorRecorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *errorRecorder) Helper() {}

func (r *errorRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestGet(t *testing.T) {
	t.Run("Should return the status and the body, sending the headers given", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer x" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusTeapot)
			_, _ = io.WriteString(w, "short and stout")
		}))
		defer srv.Close()
		status, body := testkit.Get(t, srv.Client(), srv.URL, http.Header{"Authorization": {"Bearer x"}})
		assert.Equal(t, http.StatusTeapot, status)
		assert.Equal(t, "short and stout", body)
		status, _ = testkit.Get(t, srv.Client(), srv.URL, nil)
		assert.Equal(t, http.StatusUnauthorized, status)
	})

	t.Run("Should report a failed request with Errorf and give the status 0", func(t *testing.T) {
		rec := &errorRecorder{TB: t}
		status, body := testkit.Get(rec, nil, "http://127.0.0.1:"+strconv.Itoa(testkit.FreePort(t))+"/", nil)
		assert.Equal(t, 0, status)
		assert.Empty(t, body)
		require.Len(t, rec.errors, 1)
		assert.Contains(t, rec.errors[0], "connection refused")
	})
}
