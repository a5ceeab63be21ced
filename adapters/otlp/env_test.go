package otlp_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/compozy/monitoring/adapters/otlp"
	"github.com/compozy/monitoring/internal/otlptest"
	"github.com/compozy/monitoring/port"
)

// otelEnv sets every variable through which the OpenTelemetry exporter
// would pick compression and headers by itself.
func otelEnv(t *testing.T, compression string) {
	t.Helper()
	for _, signal := range []string{"", "METRICS_"} {
		t.Setenv("OTEL_EXPORTER_OTLP_"+signal+"COMPRESSION", compression)
		t.Setenv("OTEL_EXPORTER_OTLP_"+signal+"HEADERS", "x-from-env=leaked")
	}
}

func TestOptionsAreTheOnlySource(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		t.Run("Should send uncompressed and without the OTEL_* headers when the options give none", func(t *testing.T) {
			otelEnv(t, "gzip")
			a := newAdapter(t, protocol, rcv)
			a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(1, port.Values{})
			require.NoError(t, flush(t, a))
			assert.Empty(t, rcv.Compression(), "OTEL_EXPORTER_OTLP_COMPRESSION is not ours to read")
			assert.Empty(t, rcv.Header("x-from-env"), "OTEL_EXPORTER_OTLP_HEADERS is not ours to read")
		})
		t.Run("Should compress and send only the options' headers when the environment says otherwise", func(t *testing.T) {
			otelEnv(t, "none")
			a := newAdapter(t, protocol, rcv, otlp.WithGzip(), otlp.WithHeaders(map[string]string{"x-api-key": "k"}))
			a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(1, port.Values{})
			require.NoError(t, flush(t, a))
			assert.Equal(t, "gzip", rcv.Compression())
			assert.Equal(t, "k", rcv.Header("x-api-key"))
			assert.Empty(t, rcv.Header("x-from-env"))
		})
	})
}

func TestShutdownClosesTheConnection(t *testing.T) {
	transports(t, func(t *testing.T, protocol string, rcv *otlptest.Receiver) {
		t.Run("Should leave no connection to a collector that stays up", func(t *testing.T) {
			before := goleak.IgnoreCurrent() // the receiver's own goroutines
			a, err := otlp.New(t.Context(), otlp.WithProtocol(protocol), otlp.WithEndpoint(rcv.URL),
				otlp.WithInterval(time.Hour), otlp.WithLogger(slog.New(slog.DiscardHandler)))
			require.NoError(t, err)
			a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(1, port.Values{})
			require.NoError(t, flush(t, a))
			require.NoError(t, a.Shutdown(t.Context()))
			goleak.VerifyNone(t, before)
		})
	})
}
