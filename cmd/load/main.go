// Command load drives the demo service for a bounded time so its dashboards
// and alerts have something to show: a few workers cycle through the demo's
// routes (known and unknown orders, the slow route, the flaky route) and the
// command prints what it sent, by route and status, when it stops.
//
//	go run ./cmd/load -target http://127.0.0.1:8080 -duration 30s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"sync"
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

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()

	// The requests each worker cycles through.
	paths := []string{"/orders/book", "/orders/pen", "/orders/unicorn", "/flaky", "/flaky", "/slow"}
	counts := generate(ctx, &http.Client{Timeout: 10 * time.Second}, base, *workers, paths)
	counts.print(os.Stdout, *duration)
	return nil
}

// generate sends requests from workers goroutines, each cycling through
// paths, until ctx ends, and returns what was answered.
func generate(ctx context.Context, client *http.Client, base *url.URL, workers int, paths []string) *tally {
	counts := newTally()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; ctx.Err() == nil; i++ {
				p := paths[i%len(paths)]
				code, err := get(ctx, client, base.JoinPath(p).String())
				switch {
				case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
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

func get(ctx context.Context, c *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
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

func (t *tally) print(w io.Writer, d time.Duration) {
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
	_, _ = fmt.Fprintf(w, "%d requests in %s\n", total, d)
}
