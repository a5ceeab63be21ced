package monitoring_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/compozy/monitoring"
	"github.com/compozy/monitoring/port"
)

func TestExemplarsConfig(t *testing.T) {
	t.Run("Should keep trace-based exemplars by default", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig(nil)
		require.NoError(t, err)
		assert.Equal(t, monitoring.ExemplarsTraceBased, cfg.Exemplars)
		assert.Equal(t, monitoring.ExemplarsTraceBased, monitoring.DefaultConfig().Exemplars)
	})

	t.Run("Should read exemplars from YAML and MONITORING_EXEMPLARS, the variable winning", func(t *testing.T) {
		cfg, err := monitoring.ParseConfig([]byte("exemplars: off\n"))
		require.NoError(t, err)
		assert.Equal(t, monitoring.ExemplarsOff, cfg.Exemplars, "YAML's off is the string off, not false")
		t.Setenv("MONITORING_EXEMPLARS", "trace_based")
		cfg, err = monitoring.ParseConfig([]byte("exemplars: off\n"))
		require.NoError(t, err)
		assert.Equal(t, monitoring.ExemplarsTraceBased, cfg.Exemplars)
	})

	for _, tc := range []struct{ value, want string }{
		{"trace_based", monitoring.ExemplarsTraceBased},
		{"always_off", monitoring.ExemplarsOff},
		{"always_on", monitoring.ExemplarsTraceBased},
		{" ALWAYS_OFF ", monitoring.ExemplarsOff},
		{"  ", monitoring.ExemplarsTraceBased},
	} {
		t.Run("Should read OTEL_METRICS_EXEMPLAR_FILTER="+tc.value+" as "+tc.want, func(t *testing.T) {
			t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", tc.value)
			cfg, err := monitoring.ParseConfig(nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, cfg.Exemplars)
		})
	}

	t.Run("Should put OTEL_METRICS_EXEMPLAR_FILTER below MONITORING_EXEMPLARS and above YAML", func(t *testing.T) {
		t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", "always_off")
		cfg, err := monitoring.ParseConfig([]byte("exemplars: trace_based\n"))
		require.NoError(t, err)
		assert.Equal(t, monitoring.ExemplarsOff, cfg.Exemplars)
		t.Setenv("MONITORING_EXEMPLARS", "trace_based")
		cfg, err = monitoring.ParseConfig(nil)
		require.NoError(t, err)
		assert.Equal(t, monitoring.ExemplarsTraceBased, cfg.Exemplars)
	})

	t.Run("Should ignore a bad OTEL_METRICS_EXEMPLAR_FILTER when MONITORING_EXEMPLARS is set", func(t *testing.T) {
		t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", "sometimes")
		t.Setenv("MONITORING_EXEMPLARS", "off")
		cfg, err := monitoring.ParseConfig(nil)
		require.NoError(t, err)
		assert.Equal(t, monitoring.ExemplarsOff, cfg.Exemplars)
	})

	for _, tc := range []struct {
		name, yaml, env, envValue, wantField, wantEnv, wantValue string
	}{
		{"a YAML value", "exemplars: always\n", "", "", "exemplars", "MONITORING_EXEMPLARS", "always"},
		{"YAML's false", "exemplars: false\n", "", "", "exemplars", "MONITORING_EXEMPLARS", "false"},
		{"a blank MONITORING_EXEMPLARS", "", "MONITORING_EXEMPLARS", " ", "exemplars", "MONITORING_EXEMPLARS", " "},
		{"MONITORING_EXEMPLARS", "", "MONITORING_EXEMPLARS", "On", "exemplars", "MONITORING_EXEMPLARS", "On"},
		{"an OTEL_METRICS_EXEMPLAR_FILTER value", "", "OTEL_METRICS_EXEMPLAR_FILTER", "sometimes", "exemplars",
			"OTEL_METRICS_EXEMPLAR_FILTER", "sometimes"},
	} {
		t.Run("Should refuse "+tc.name+" that is not allowed, naming the key, the variable and the value", func(t *testing.T) {
			if tc.env != "" {
				t.Setenv(tc.env, tc.envValue)
			}
			_, err := monitoring.ParseConfig([]byte(tc.yaml))
			fes := fieldErrors(t, err)
			require.Len(t, fes, 1, err.Error())
			assert.Equal(t, tc.wantField, fes[0].Field)
			assert.Equal(t, tc.wantEnv, fes[0].Env)
			assert.Equal(t, tc.wantValue, fes[0].Value)
			assert.Contains(t, fes[0].Allowed, "trace_based")
		})
	}

	t.Run("Should refuse a Config built in code with an exemplars value not allowed", func(t *testing.T) {
		cfg := monitoring.DefaultConfig()
		cfg.Enabled, cfg.Exemplars = true, "sometimes"
		_, err := monitoring.NewMonitoringService(t.Context(), &cfg)
		fes := fieldErrors(t, err)
		require.Len(t, fes, 1)
		assert.Equal(t, "exemplars", fes[0].Field)
	})
}

func TestExemplarsOnTheBackends(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	// scrape records in ctx on a fast histogram and on Meter()'s float and
	// integer histograms, Meter() on the recording path meter, and scrapes
	// in OpenMetrics.
	scrape := func(t *testing.T, ctx context.Context, mode, meter string) string {
		t.Helper()
		cfg := monitoring.DefaultConfig()
		cfg.Enabled, cfg.Exemplars, cfg.Meter = true, mode, meter
		svc, err := monitoring.NewMonitoringService(t.Context(), &cfg)
		require.NoError(t, err)
		t.Cleanup(func() { _ = svc.Shutdown(context.Background()) })
		svc.Instruments().HistogramVec(port.Desc{Name: "fast.duration", Unit: "s"}).RecordContext(ctx, 0.3, port.Values{})
		h, err := svc.Meter().Float64Histogram("meter.duration", metric.WithUnit("s"))
		require.NoError(t, err)
		h.Record(ctx, 0.3)
		sizes, err := svc.Meter().Int64Histogram("meter.size", metric.WithUnit("By"), metric.WithExplicitBucketBoundaries(100, 1000))
		require.NoError(t, err)
		sizes.Record(ctx, 512)
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
		rec := httptest.NewRecorder()
		svc.ExporterHandler().ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		return rec.Body.String()
	}
	for _, meter := range []string{monitoring.MeterFast, monitoring.MeterSDK} {
		t.Run("Should show the exemplars of the fast histograms and of Meter() (meter: "+meter+") with trace_based", func(t *testing.T) {
			body := scrape(t, ctx, monitoring.ExemplarsTraceBased, meter)
			assert.Regexp(t, `fast_duration_seconds_bucket\{le="0\.5"\} 1 # \{.*trace_id="`+tid.String(), body)
			assert.Regexp(t, `meter_duration_seconds_bucket\{le="0\.5"\} 1 # \{.*trace_id="`+tid.String(), body)
			assert.Regexp(t, `meter_size_bytes_bucket\{le="1000(\.0)?"\} 1 # \{.*trace_id="`+tid.String()+`".*\} 512(\.0)? `, body)
		})
		t.Run("Should keep none for a remote span context alone, IDs a client wrote (meter: "+meter+")", func(t *testing.T) {
			remote := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true}))
			body := scrape(t, remote, monitoring.ExemplarsTraceBased, meter)
			assert.Contains(t, body, "fast_duration_seconds_count 1")
			assert.Contains(t, body, "meter_duration_seconds_count 1")
			assert.NotContains(t, body, tid.String())
		})
		t.Run("Should show none on either path with off (meter: "+meter+")", func(t *testing.T) {
			body := scrape(t, ctx, monitoring.ExemplarsOff, meter)
			assert.Contains(t, body, "fast_duration_seconds_count 1")
			assert.Contains(t, body, "meter_duration_seconds_count 1")
			assert.Contains(t, body, "meter_size_bytes_count 1")
			assert.NotContains(t, body, tid.String())
			assert.NotContains(t, body, "# {")
		})
	}
	t.Run("Should keep none on the SDK path with off even when OTEL_METRICS_EXEMPLAR_FILTER says always_on", func(t *testing.T) {
		t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", "always_on") // read by the SDK itself unless told otherwise
		body := scrape(t, ctx, monitoring.ExemplarsOff, monitoring.MeterSDK)
		assert.NotContains(t, body, "# {")
	})
}
