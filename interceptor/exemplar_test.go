package interceptor_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	temporalinterceptor "go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/compozy/monitoring/interceptor"
	"github.com/compozy/monitoring/monitoringtest"
)

func TestActivityDurationExemplar(t *testing.T) {
	run := func(t *testing.T, sampler sdktrace.Sampler) ([]metricdata.Exemplar[float64], *tracetest.SpanRecorder) {
		t.Helper()
		spans := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler), sdktrace.WithSpanProcessor(spans))
		t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
		tracing, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{Tracer: tp.Tracer("test")})
		require.NoError(t, err)
		b := monitoringtest.New(t)
		wi := interceptor.NewWorkerInterceptor(b, interceptor.WithLogger(slog.New(slog.DiscardHandler)))
		env := newEnvFor(wi)
		// Temporal's tracing interceptor first: it puts the activity's span
		// in the context ours records with.
		env.SetWorkerOptions(worker.Options{Interceptors: []temporalinterceptor.WorkerInterceptor{
			tracing, wi}})
		env.ExecuteWorkflow("OrderWorkflow", 1200)
		require.True(t, env.IsWorkflowCompleted())
		require.NoError(t, env.GetWorkflowError())
		m, ok := b.Metric(t, "temporal.activity.duration")
		require.True(t, ok)
		points := m.Data.(metricdata.Histogram[float64]).DataPoints
		require.Len(t, points, 1)
		return points[0].Exemplars, spans
	}

	t.Run("Should keep the activity's sampled span as the duration's exemplar", func(t *testing.T) {
		exemplars, spans := run(t, sdktrace.AlwaysSample())
		var activitySpan sdktrace.ReadOnlySpan
		for _, s := range spans.Ended() {
			if strings.HasPrefix(s.Name(), "RunActivity") {
				activitySpan = s
			}
		}
		require.NotNil(t, activitySpan, "Temporal's tracing interceptor made the activity's span")
		require.Len(t, exemplars, 1)
		tid, sid := activitySpan.SpanContext().TraceID(), activitySpan.SpanContext().SpanID()
		assert.Equal(t, tid[:], exemplars[0].TraceID)
		assert.Equal(t, sid[:], exemplars[0].SpanID)
	})

	t.Run("Should keep none when the span is not sampled", func(t *testing.T) {
		exemplars, _ := run(t, sdktrace.NeverSample())
		assert.Empty(t, exemplars)
	})
}
