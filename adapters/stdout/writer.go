package stdout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/compozy/monitoring/internal/ratelog"
)

// DefaultErrorInterval is how often a writer that keeps failing is reported
// again after the first failure was logged.
const DefaultErrorInterval = time.Minute

// exporter encodes each collection with stdoutmetric into memory and hands
// the bytes to a [latestWriter]: the reader's goroutine never waits on the
// user's writer, so a writer that blocks cannot stall the reader, its
// ForceFlush or its Shutdown past their deadlines.
type exporter struct {
	sdkmetric.Exporter // stdoutmetric, writing into frame

	mu     sync.Mutex // one export at a time owns frame
	frame  *bytes.Buffer
	out    *latestWriter
	finite *finiteFilter
}

// newExporter wraps encode, an exporter that writes into frame.
func newExporter(encode sdkmetric.Exporter, frame *bytes.Buffer, out *latestWriter, finite *finiteFilter) *exporter {
	return &exporter{Exporter: encode, frame: frame, out: out, finite: finite}
}

// Export encodes rm, less the points JSON cannot carry, and queues it for
// the writer without waiting for it.
func (e *exporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.frame.Reset()
	if err := e.Exporter.Export(ctx, e.finite.filter(rm)); err != nil {
		return err //nolint:wrapcheck // the SDK's reader reports it as it is.
	}
	e.out.offer(bytes.Clone(e.frame.Bytes()))
	return nil
}

// ForceFlush waits until the writer has taken the last export, or ctx ends.
func (e *exporter) ForceFlush(ctx context.Context) error {
	return e.out.wait(ctx)
}

// Shutdown waits for the writer to take the last export, as long as ctx
// allows, then stops the writer's goroutine.
func (e *exporter) Shutdown(ctx context.Context) error {
	shutdownErr := e.Exporter.Shutdown(ctx)
	return errors.Join(shutdownErr, e.out.close(ctx))
}

// latestWriter writes frames to the user's writer from a goroutine of its
// own. It keeps only the newest frame not yet written: each export carries
// cumulative totals, so a frame that a slow writer never took is superseded
// by the next one and nothing recorded is lost. A failed write is not
// retried for the same reason; failures are logged once when they start,
// again at most every errorInterval while they go on, and once on recovery.
type latestWriter struct {
	w      io.Writer
	logger *slog.Logger
	limit  *ratelog.Limiter // failure lines, at most one per interval

	mu       sync.Mutex
	pending  []byte
	offered  uint64        // frames offered so far
	taken    uint64        // frames written or failed so far
	lastErr  error         // result of the last write
	progress chan struct{} // closed and replaced whenever taken moves
	wake     chan struct{} // a frame is pending
	stop     chan struct{} // closed by close
	stopOnce sync.Once
	exited   chan struct{} // closed when the goroutine returns

	// Owned by the goroutine.
	failing  bool
	failures int // failed writes since failing started
}

func newLatestWriter(w io.Writer, logger *slog.Logger, every time.Duration) *latestWriter {
	lw := &latestWriter{
		w: w, logger: logger, limit: ratelog.New(every),
		progress: make(chan struct{}), wake: make(chan struct{}, 1),
		stop: make(chan struct{}), exited: make(chan struct{}),
	}
	go lw.run()
	return lw
}

// offer replaces the pending frame with p and wakes the goroutine.
func (lw *latestWriter) offer(p []byte) {
	lw.mu.Lock()
	lw.pending = p
	lw.offered++
	lw.mu.Unlock()
	select {
	case lw.wake <- struct{}{}:
	default:
	}
}

// wait returns once every frame offered before the call was taken, with the
// last write's error, or ctx's error if the writer is still busy when ctx
// ends.
func (lw *latestWriter) wait(ctx context.Context) error {
	lw.mu.Lock()
	target := lw.offered
	for lw.taken < target {
		progress := lw.progress
		lw.mu.Unlock()
		select {
		case <-progress:
		case <-lw.exited:
			return errors.New("stdout backend: the writer is closed")
		case <-ctx.Done():
			return fmt.Errorf("stdout backend: the writer has not taken the last export: %w", context.Cause(ctx))
		}
		lw.mu.Lock()
	}
	err := lw.lastErr
	lw.mu.Unlock()
	if err != nil {
		return fmt.Errorf("stdout backend: writing the last export: %w", err)
	}
	return nil
}

// close waits, as long as ctx allows, for the pending frame to be written,
// then stops the goroutine. A goroutine stuck in the user's Write returns
// once that Write does, after writing the last frame if it is still
// pending.
func (lw *latestWriter) close(ctx context.Context) error {
	err := lw.wait(ctx)
	lw.stopOnce.Do(func() { close(lw.stop) })
	return err
}

func (lw *latestWriter) run() {
	defer close(lw.exited)
	for {
		select {
		case <-lw.stop:
			// Shutdown's deadline may have passed with the last frame
			// still pending: write it, in case the writer came back.
			lw.writePending()
			return
		case <-lw.wake:
			lw.writePending()
		}
	}
}

// writePending writes the pending frame, if there is one.
func (lw *latestWriter) writePending() {
	lw.mu.Lock()
	frame, upTo := lw.pending, lw.offered
	lw.pending = nil
	lw.mu.Unlock()
	if frame == nil {
		return
	}
	err := write(lw.w, frame)
	lw.report(err)
	lw.mu.Lock()
	lw.taken, lw.lastErr = upTo, err
	close(lw.progress)
	lw.progress = make(chan struct{})
	lw.mu.Unlock()
}

// write writes p whole, turning a short write into an error, and turning a
// panic in the user's writer into one too.
func write(w io.Writer, p []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("the writer panicked: %w", e)
			} else {
				err = fmt.Errorf("the writer panicked: %v", r)
			}
		}
	}()
	n, err := w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return err
}

// report logs the start of a run of failures, a reminder at most every
// interval while it lasts, and its end.
func (lw *latestWriter) report(err error) {
	switch {
	case err == nil && lw.failing:
		lw.logger.Warn("monitoring: stdout writer recovered, exports resume", "failed_exports", lw.failures)
		lw.failing, lw.failures = false, 0
		lw.limit.Reset()
	case err == nil:
	case !lw.failing:
		lw.failing, lw.failures = true, 1
		lw.limit.Allow() // the first failure of a run is always due
		lw.logger.Error("monitoring: stdout writer failing, exports are dropped until it recovers "+
			"(totals are cumulative, the next good export carries them)", "error", err)
	default:
		lw.failures++
		if ok, held := lw.limit.Allow(); ok {
			// failures_held_back counts the failures since the last line,
			// this one included.
			lw.logger.Error("monitoring: stdout writer still failing", "error", err,
				"failed_exports", lw.failures, "failures_held_back", held+1)
		}
	}
}
