package otlptest_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/compozy/monitoring/internal/otlptest"
)

func export(t *testing.T, url string) int {
	t.Helper()
	str := func(k, v string) *commonpb.KeyValue {
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
	}
	req := &colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricpb.ResourceMetrics{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str("service.name", "svc")}},
		ScopeMetrics: []*metricpb.ScopeMetrics{{Metrics: []*metricpb.Metric{{
			Name: "jobs", Unit: "{job}",
			Data: &metricpb.Metric_Sum{Sum: &metricpb.Sum{
				IsMonotonic: true, AggregationTemporality: metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA,
				DataPoints: []*metricpb.NumberDataPoint{{
					Attributes: []*commonpb.KeyValue{str("queue", "q")},
					Value:      &metricpb.NumberDataPoint_AsInt{AsInt: 7},
				}},
			}},
		}}}},
	}}}
	body, err := proto.Marshal(req)
	require.NoError(t, err)
	r, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	r.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestReceiver(t *testing.T) {
	t.Run("Should decode and keep an accepted export, flattened", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		require.Equal(t, http.StatusOK, export(t, rcv.URL))
		points := rcv.Points("jobs")
		require.Len(t, points, 1)
		p := points[0]
		assert.Equal(t, "{job}", p.Unit)
		assert.Equal(t, "sum", p.Kind)
		assert.True(t, p.Monotonic)
		assert.Equal(t, metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA, p.Temporality)
		assert.Equal(t, map[string]string{"queue": "q"}, p.Attrs)
		assert.Equal(t, "svc", p.Resource["service.name"])
		assert.InDelta(t, 7.0, p.Value, 0)
	})
	t.Run("Should refuse with 503 and keep nothing when unavailable, then accept again", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		rcv.SetMode(otlptest.Unavailable)
		assert.Equal(t, http.StatusServiceUnavailable, export(t, rcv.URL))
		assert.Empty(t, rcv.Requests())
		assert.Equal(t, 1, rcv.Refused())
		rcv.SetMode(otlptest.Accept)
		assert.Equal(t, http.StatusOK, export(t, rcv.URL))
		assert.Len(t, rcv.Requests(), 1)
	})
	t.Run("Should refuse what is not protobuf", func(t *testing.T) {
		rcv := otlptest.NewHTTP(t)
		resp, err := http.Post(rcv.URL, "application/x-protobuf", bytes.NewReader([]byte{0xff, 0xff})) //nolint:noctx // a test.
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
}
