package otlp_test

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/adapters/otlp"
	"github.com/compozy/monitoring/internal/otlptest"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
)

func TestCollectorDownThenBack(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		t.Run("Should carry every record made while refused in the first cumulative export after", func(t *testing.T) {
			logs := &testkit.Buffer{}
			a := newAdapter(t, protocol, rcv, otlp.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
			jobs := a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Bind(port.Values{})

			rcv.SetMode(otlptest.Unavailable)
			jobs.Add(5)
			require.Error(t, flush(t, a), "503 / UNAVAILABLE until the export timeout")
			st := a.Status().Backends[0]
			assert.True(t, st.Healthy)
			require.Error(t, st.LastError)
			assert.Contains(t, logs.String(), "export failed")
			assert.Positive(t, rcv.Refused())

			rcv.SetMode(otlptest.Accept)
			jobs.Add(2)
			require.NoError(t, flush(t, a))
			assert.InDelta(t, 7.0, last(t, rcv, "jobs", "", "").Value, 0, "nothing recorded while down is lost")
			assert.InDelta(t, 1.0, last(t, rcv, "monitoring.export.failures", "backend", "otlp").Value, 0)
			assert.InDelta(t, 0.0, total(rcv, "monitoring.export.dropped_points", "backend", "otlp"), 0,
				"a cumulative export that failed loses nothing")
			assert.NoError(t, a.Status().Backends[0].LastError, "the recovery clears the error")
			assert.Contains(t, logs.String(), "exports resumed")
		})
	})
}

func TestDeltaLostPointsAreCounted(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		a := newAdapter(t, protocol, rcv, otlp.WithTemporality(otlp.TemporalityDelta))
		jobs := a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Bind(port.Values{})
		hist := a.Instruments().HistogramVec(port.Desc{Name: "wait", Unit: "s"}).Bind(port.Values{})

		rcv.SetMode(otlptest.Unavailable)
		jobs.Add(5)
		hist.Record(1)
		require.Error(t, flush(t, a))
		rcv.SetMode(otlptest.Accept)
		jobs.Add(2)
		require.NoError(t, flush(t, a))

		assert.InDelta(t, 2.0, total(rcv, "jobs", "", ""), 0, "a delta export carries what came after the failed one")
		assert.InDelta(t, 2.0, total(rcv, "monitoring.export.dropped_points", "backend", "otlp"), 0,
			"the lost delta points (jobs and wait) are counted")
		assert.InDelta(t, 1.0, total(rcv, "monitoring.export.failures", "backend", "otlp"), 0)
	})
}

func TestHangingCollector(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		a := newAdapter(t, protocol, rcv, otlp.WithTimeout(time.Minute))
		jobs := a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Bind(port.Values{})
		sdkJobs, err := a.Meter().Int64Counter("sdk.jobs")
		require.NoError(t, err)
		rcv.SetMode(otlptest.Hang)

		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		flushed := make(chan error, 1)
		go func() { flushed <- a.ForceFlush(ctx) }()
		<-rcv.Arrived() // the export is held by the receiver now
		for range 10_000 {
			jobs.Inc() // recording goes on while the export hangs
			sdkJobs.Add(t.Context(), 1)
		}
		require.Error(t, <-flushed, "ForceFlush returns at its deadline")

		sctx, scancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer scancel()
		start := time.Now()
		err = a.Shutdown(sctx)
		assert.Less(t, time.Since(start), 5*time.Second, "Shutdown returns at its deadline")
		if err != nil {
			assert.True(t, strings.Contains(err.Error(), "deadline") || strings.Contains(err.Error(), "context"), err.Error())
		}
	})
}

func TestCollectorRestarted(t *testing.T) {
	t.Run("Should deliver everything to a collector restarted on the same address", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		addr := rcv.Addr()
		a := newAdapter(t, otlp.ProtocolHTTP, rcv)
		jobs := a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Bind(port.Values{})
		jobs.Add(1)
		require.NoError(t, flush(t, a))

		rcv.Close()
		jobs.Add(10)
		require.Error(t, flush(t, a))

		again := otlptest.NewHTTPAt(t, addr)
		jobs.Add(100)
		require.NoError(t, flush(t, a))
		assert.InDelta(t, 111.0, last(t, again, "jobs", "", "").Value, 0)
	})
}

// flush calls ForceFlush with a deadline past the export timeout, so that
// the export's own outcome, not the caller's deadline, decides the result.
func flush(t *testing.T, a *otlp.Adapter) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	return a.ForceFlush(ctx)
}

func TestBoundedWhileDown(t *testing.T) {
	t.Run("Should hold no more goroutines after many failed exports than after one", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		rcv.Close()
		a := newAdapter(t, otlp.ProtocolHTTP, rcv)
		jobs := a.Instruments().CounterVec(port.Desc{Name: "jobs", Keys: []string{"n"}})
		jobs.Add(1, port.Values{"0"})
		require.Error(t, flush(t, a))
		before := runtime.NumGoroutine()
		for i := range 50 {
			jobs.Add(1, port.Values{strconv.Itoa(i % 10)})
			require.Error(t, flush(t, a))
		}
		assert.LessOrEqual(t, runtime.NumGoroutine(), before+2, "nothing piles up while the collector is down")
		again := otlptest.NewHTTPAt(t, rcv.Addr())
		require.NoError(t, flush(t, a))
		assert.Len(t, again.Points("jobs"), 10, "one point per series, however many exports failed")
	})
}

func TestFailureMessages(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		t.Run("Should say that a failed delta export loses its points, not that they are carried", func(t *testing.T) {
			logs := &testkit.Buffer{}
			a := newAdapter(t, protocol, rcv, otlp.WithTemporality(otlp.TemporalityDelta),
				otlp.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
			rcv.SetMode(otlptest.Unavailable)
			a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(1, port.Values{})
			require.Error(t, flush(t, a))
			assert.Contains(t, logs.String(), "delta points are lost")
			assert.NotContains(t, logs.String(), "cumulative series are carried")
		})
		t.Run("Should keep the collector's refusal in the error of a flush whose deadline ends first", func(t *testing.T) {
			a := newAdapter(t, protocol, rcv, otlp.WithTimeout(time.Minute))
			rcv.SetMode(otlptest.Unavailable)
			a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(1, port.Values{})
			ctx, cancel := context.WithCancel(t.Context())
			flushed := make(chan error, 1)
			base := rcv.Refused()
			go func() { flushed <- a.ForceFlush(ctx) }()
			for rcv.Refused() < base+2 {
				<-rcv.Arrived() // a retry: the first attempt's refusal reached the exporter
			}
			cancel()
			err := <-flushed
			rcv.SetMode(otlptest.Accept) // the export still retrying ends now, not at its timeout
			require.Error(t, err)
			assert.ErrorIs(t, err, context.Canceled)
			if protocol == otlp.ProtocolHTTP {
				assert.Contains(t, err.Error(), "503")
			} else {
				assert.Contains(t, err.Error(), "Unavailable")
			}
		})
	})
}
