package identity_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/internal/identity"
)

func TestNamer(t *testing.T) {
	t.Run("Should name families as the Prometheus exporter does", func(t *testing.T) {
		n := identity.DefaultNamer()
		for _, c := range []struct {
			name, unit string
			kind       identity.Kind
			want       string
		}{
			{"http.server.request.duration", "s", identity.Histogram, "http_server_request_duration_seconds"},
			{"orders", "", identity.Counter, "orders_total"},
			{"req-count", "", identity.Counter, "req_count_total"},
			{"queue.size", "By", identity.Gauge, "queue_size_bytes"},
			{"active", "{request}", identity.UpDownCounter, "active"},
		} {
			got, err := n.Exported(c.name, c.unit, c.kind)
			require.NoError(t, err)
			assert.Equal(t, c.want, got, c.name)
		}
	})

	t.Run("Should prefix the escaped namespace and refuse one the exporter cannot use", func(t *testing.T) {
		n, err := identity.NewNamer("my.shop", identity.Strategy())
		require.NoError(t, err)
		got, err := n.Exported("orders", "", identity.Counter)
		require.NoError(t, err)
		assert.Equal(t, "my_shop_orders_total", got)
		_, err = identity.NewNamer("__", identity.Strategy())
		assert.ErrorContains(t, err, `namespace "__"`)
	})
}

func TestCheckKeys(t *testing.T) {
	n := identity.DefaultNamer()
	t.Run("Should accept keys the exporter only escapes", func(t *testing.T) {
		assert.NoError(t, n.CheckKeys([]string{"http.route", "tenant-id", "_private", "1st", "a~b", "x y"}))
		assert.NoError(t, n.CheckKeys(nil))
	})
	t.Run("Should refuse each key the exposition cannot carry, saying why", func(t *testing.T) {
		for _, c := range []struct {
			keys []string
			why  string
		}{
			{[]string{""}, "empty"},
			{[]string{"le"}, "bucket bounds"},
			{[]string{"quantile"}, "quantiles"},
			{[]string{"__name__"}, `"__" prefix`},
			{[]string{"a..b", "__x"}, `"__" prefix`},
			{[]string{"_"}, "drop it"},
			{[]string{"..."}, "drop it"},
			{[]string{"é"}, "ASCII"},
			{[]string{"café"}, "ASCII"},
			{[]string{"tab\there"}, "ASCII"},
			{[]string{"del\x7fete"}, "ASCII"},
			{[]string{"\x7f"}, "ASCII"},
			{[]string{"otel.metric.overflow"}, "cardinality limit"},
			{[]string{"otel_scope_name"}, "otel_scope_*"},
			{[]string{"a.b", "a-b"}, `keys "a.b" and "a-b": both become the label "a_b"`},
		} {
			err := n.CheckKeys(c.keys)
			if assert.Error(t, err, c.keys) {
				assert.Contains(t, err.Error(), c.why, c.keys)
			}
		}
	})
}

func counter(path, name string) identity.Instrument {
	return identity.Instrument{Path: path, Name: name, Kind: identity.Counter, Keys: []string{}}
}

func TestTable(t *testing.T) {
	t.Run("Should accept a first and an identical declaration", func(t *testing.T) {
		tab := identity.NewTable(identity.DefaultNamer())
		require.NoError(t, tab.Claim(counter(identity.FastPath, "orders")))
		assert.NoError(t, tab.Claim(counter(identity.FastPath, "orders")))
	})

	t.Run("Should refuse a redeclaration, naming everything that differs", func(t *testing.T) {
		tab := identity.NewTable(identity.DefaultNamer())
		first := identity.Instrument{Path: "p", Name: "h", Kind: identity.Histogram, Unit: "s", Description: "H.",
			Keys: []string{"a"}, Buckets: []float64{1}}
		require.NoError(t, tab.Claim(first))
		second := first
		second.Unit, second.Description, second.Keys, second.IntKeys = "ms", "Other.", []string{"a", "b"}, []string{"a"}
		second.Buckets, second.Kind, second.Variant = []float64{2}, identity.Gauge, "float"
		err := tab.Claim(second)
		require.Error(t, err)
		for _, want := range []string{`already declared in the p, first as the histogram "h" exported as h_seconds, which keeps the name`,
			`differs in kind: float gauge (was histogram), unit: "ms" (was "s"), buckets: [2] (was [1]), ` +
				`keys: [a b] (was [a]), integer keys: [a] (was []), description: "Other." (was "H.")`} {
			assert.Contains(t, err.Error(), want)
		}
	})

	t.Run("Should refuse another casing of a name, which the SDK treats as the same instrument", func(t *testing.T) {
		tab := identity.NewTable(identity.DefaultNamer())
		require.NoError(t, tab.Claim(counter("meter x", "Orders")))
		assert.ErrorContains(t, tab.Claim(counter("meter x", "orders")), `differs in name casing: "orders" (was "Orders")`)
	})

	t.Run("Should refuse another owner of one exported name, whichever path comes first", func(t *testing.T) {
		tab := identity.NewTable(identity.DefaultNamer())
		require.NoError(t, tab.Claim(counter("meter x", "req.count")))
		err := tab.Claim(counter(identity.FastPath, "req-count"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"req_count_total" is already taken by the counter "req.count" (meter x`)
		assert.Error(t, tab.Claim(counter("meter y", "req.count")), "another scope is another owner")
	})

	t.Run("Should keep a counter's OpenMetrics family and a family of that name apart, both ways", func(t *testing.T) {
		tab := identity.NewTable(identity.DefaultNamer())
		require.NoError(t, tab.Claim(counter(identity.FastPath, "jobs.done")))
		assert.ErrorContains(t, tab.Claim(identity.Instrument{Path: "meter", Name: "jobs_done", Kind: identity.Gauge}),
			`the OpenMetrics family "jobs_done" is already taken by the counter "jobs.done" (fast instruments, exported as jobs_done_total)`)
		assert.ErrorContains(t, tab.Claim(identity.Instrument{Path: "meter", Name: "jobs.done", Kind: identity.Histogram}),
			`OpenMetrics family "jobs_done"`, "a histogram jobs_done is the family jobs_done too")
		require.NoError(t, tab.Claim(identity.Instrument{Path: "meter", Name: "runs", Kind: identity.Gauge}))
		assert.ErrorContains(t, tab.Claim(counter(identity.FastPath, "runs")),
			`the OpenMetrics family "runs" is already taken by the gauge "runs" (meter, exported as runs)`)
		assert.NoError(t, tab.Claim(identity.Instrument{Path: "meter", Name: "jobs.done.rate", Kind: identity.Gauge}))
		tab.Reserve("handler_errors_total", "the scrape handler's error counter")
		assert.ErrorContains(t, tab.Claim(identity.Instrument{Path: "meter", Name: "handler.errors", Kind: identity.Gauge}),
			`the OpenMetrics family "handler_errors" is already taken by the scrape handler's error counter`)
	})

	t.Run("Should keep a histogram's series and a family of that name apart, both ways", func(t *testing.T) {
		tab := identity.NewTable(identity.DefaultNamer())
		require.NoError(t, tab.Claim(identity.Instrument{Path: "p", Name: "batch", Kind: identity.Histogram}))
		for _, name := range []string{"batch.count", "batch.sum", "batch.bucket", "batch"} {
			assert.Error(t, tab.Claim(identity.Instrument{Path: "q", Name: name, Kind: identity.Gauge}), name)
		}
		require.NoError(t, tab.Claim(identity.Instrument{Path: "p", Name: "size.sum", Kind: identity.Gauge}))
		assert.ErrorContains(t, tab.Claim(identity.Instrument{Path: "p", Name: "size", Kind: identity.Histogram}),
			`"size_sum"`)
	})

	t.Run("Should refuse a reserved name and a key the exposition cannot carry", func(t *testing.T) {
		tab := identity.NewTable(identity.DefaultNamer())
		tab.Reserve("target_info", "the exporter's target_info")
		assert.ErrorContains(t, tab.Claim(identity.Instrument{Path: "p", Name: "target.info", Kind: identity.Gauge}),
			"the exporter's target_info")
		bad := counter("p", "c")
		bad.Keys = []string{"le"}
		assert.ErrorContains(t, tab.Claim(bad), `key "le"`)
		assert.NoError(t, tab.Claim(counter("p", "c")), "a refused declaration owns nothing")
	})

	t.Run("Should give one name one owner under concurrent claims", func(t *testing.T) {
		tab := identity.NewTable(identity.DefaultNamer())
		var wg sync.WaitGroup
		errs := make([]error, 16)
		for i := range errs {
			wg.Go(func() { errs[i] = tab.Claim(counter(fmt.Sprintf("path %d", i%4), "orders")) })
		}
		wg.Wait()
		owners := map[string]int{}
		for i, err := range errs {
			if err == nil {
				owners[fmt.Sprintf("path %d", i%4)]++
			}
		}
		require.Len(t, owners, 1, "one path won")
		for _, n := range owners {
			assert.Equal(t, 4, n, "its identical declarations all succeed")
		}
	})
}

func TestHelp(t *testing.T) {
	t.Run("Should say the kind and the unit", func(t *testing.T) {
		assert.Equal(t, "A counter, declared without a description.", identity.Help(identity.Counter, ""))
		assert.Equal(t, "A histogram in By, declared without a description.", identity.Help(identity.Histogram, "By"))
	})
}
