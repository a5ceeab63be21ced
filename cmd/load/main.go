// Command load drives the demo service for a bounded time so its dashboards
// and alerts have something to show: a few workers cycle through the demo's
// routes (known and unknown orders, the slow route, the flaky route) and the
// command prints what it sent, by route and status, when it stops.
//
// The summary and the demo's /metrics agree: at the end of -duration no
// new request starts and those in flight are answered, so every request
// sent is tallied with the status the demo recorded. Only an interrupt
// (Ctrl-C) cuts requests short: they are tallied as "aborted", and the demo
// records them with error.type="client_aborted" and no status code (or with
// the status of an answer already on its way), never as a 5xx.
//
//	go run ./cmd/load -target http://127.0.0.1:8080 -duration 30s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run() error {
	target := flag.String("target", "http://127.0.0.1:8080", "the demo's base URL")
	duration := flag.Duration("duration", 30*time.Second, "how long to send requests (at most 10m)")
	workers := flag.Int("workers", 4, "concurrent clients (1 to 64)")
	flag.Parse()
	base, err := url.Parse(*target)
	if err != nil || base.Host == "" {
		return fmt.Errorf("-target %q is not a URL such as http://127.0.0.1:8080", *target)
	}
	if *duration <= 0 || *duration > 10*time.Minute {
		return fmt.Errorf("-duration %s must be between 0 and 10m", *duration)
	}
	if *workers < 1 || *workers > 64 {
		return fmt.Errorf("-workers %d must be between 1 and 64", *workers)
	}

	abort, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// The requests each worker cycles through.
	paths := []string{"/orders/book", "/orders/pen", "/orders/unicorn", "/flaky", "/flaky", "/slow"}
	loadFor(abort, *duration, &http.Client{Timeout: 10 * time.Second}, base, *workers, paths, os.Stdout)
	return nil
}

// loadFor sends requests for d, or until abort ends (an interrupt), and
// prints the tally with the time the run really took: an interrupted run
// says how long it ran, not the -duration it was given.
func loadFor(abort context.Context, d time.Duration, client *http.Client, base *url.URL, workers int, paths []string, out io.Writer) {
	send, cancel := context.WithTimeout(abort, d)
	defer cancel()
	start := time.Now()
	counts := generate(send, abort, client, base, workers, paths)
	counts.print(out, time.Since(start).Round(time.Millisecond))
}

// generate sends requests from workers goroutines, each cycling through
// paths, until send ends, and returns what was answered. A request in
// flight when send ends is answered and tallied; abort (an interrupt) cuts
// the requests in flight, tallied as "aborted" when they had been sent.
func generate(send, abort context.Context, client *http.Client, base *url.URL, workers int, paths []string) *tally {
	counts := newTally()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; send.Err() == nil; i++ {
				p := paths[i%len(paths)]
				code, sent, err := get(abort, client, base.JoinPath(p).String())
				switch {
				case err != nil && abort.Err() != nil:
					if sent {
						counts.add(p, "aborted")
					}
					return
				case err != nil:
					counts.add(p, "error")
				default:
					counts.add(p, fmt.Sprint(code))
				}
			}
		})
	}
	wg.Wait()
	return counts
}

// get sends a GET to u and reads the answer; sent reports whether the
// request was written to a connection, so the server may have seen it.
func get(ctx context.Context, c *http.Client, u string) (code int, sent bool, err error) {
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, false, err
	}
	code, err = do(c, req)
	return code, wrote.Load(), err
}

func do(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// tally counts responses by path and status.
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func newTally() *tally { return &tally{n: map[string]int{}} }

func (t *tally) add(path, status string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n[path+" "+status]++
}

// print writes the tally and the time it took, elapsed.
func (t *tally) print(w io.Writer, elapsed time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]string, 0, len(t.n))
	total := 0
	for k, v := range t.n {
		keys = append(keys, k)
		total += v
	}
	sort.Strings(keys)
	for _, k := range keys {
		_, _ = fmt.Fprintf(w, "%-24s %d\n", k, t.n[k])
	}
	_, _ = fmt.Fprintf(w, "%d requests in %s\n", total, elapsed)
}
