package monitoring

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"

	"github.com/compozy/monitoring/adapters/otlp"
	"github.com/compozy/monitoring/internal/otlptest"
	"github.com/compozy/monitoring/internal/testkit"
	"github.com/compozy/monitoring/port"
)

func TestExportFailureLoggedOnce(t *testing.T) {
	t.Run("Should log a failed periodic export once, not again through OpenTelemetry's error handler", func(t *testing.T) {
		logs := &testkit.Buffer{}
		logger := slog.New(slog.NewTextHandler(logs, nil))
		handler := newSlogErrorHandler(logger, time.Minute, time.Now)
		handled := make(chan error, 16)
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			handler.Handle(err)
			select {
			case handled <- err:
			default:
			}
		}))
		t.Cleanup(func() { otel.SetErrorHandler(newSlogErrorHandler(slog.Default(), OTelErrorInterval, time.Now)) })

		rcv := otlptest.NewHTTP(t)
		rcv.SetMode(otlptest.Unavailable)
		a, err := otlp.New(t.Context(), otlp.WithEndpoint(rcv.URL), otlp.WithInterval(10*time.Millisecond),
			otlp.WithTimeout(50*time.Millisecond), otlp.WithLogger(logger))
		require.NoError(t, err)
		a.Instruments().CounterVec(port.Desc{Name: "jobs"}).Add(1, port.Values{})

		handedOver := <-handled // the periodic reader handed the failure to the global handler
		rcv.SetMode(otlptest.Accept)
		require.NoError(t, a.Shutdown(context.Background()))
		assert.Contains(t, handedOver.Error(), "failed to upload metrics")
		assert.Equal(t, 1, strings.Count(logs.String(), "monitoring: export failed"), logs.String())
		assert.NotContains(t, logs.String(), "opentelemetry: failed to upload metrics", "logged once, by the backend")
	})

	t.Run("Should still log an OpenTelemetry error that no backend logged", func(t *testing.T) {
		logs := &testkit.Buffer{}
		h := newSlogErrorHandler(slog.New(slog.NewTextHandler(logs, nil)), time.Hour, time.Now)
		h.Handle(context.DeadlineExceeded)
		assert.Contains(t, logs.String(), "opentelemetry: context deadline exceeded")
	})
}
