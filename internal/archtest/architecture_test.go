package archtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/compozy/monitoring"

// listedPackage is the part of `go list -json` the architecture and leak
// rules read: a package's imports, where it is and which Go files it has.
type listedPackage struct {
	ImportPath   string
	Standard     bool
	Imports      []string
	TestImports  []string
	XTestImports []string
	Dir          string
	GoFiles      []string
	CgoFiles     []string
	TestGoFiles  []string
	XTestGoFiles []string
}

// layer names the hexagon's part a package of ours belongs to.
func layer(path string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	switch {
	case rel == "":
		return "root"
	case strings.HasPrefix(rel, "adapters/internal/"), rel == "adapters/adaptertest", rel == "adapters/compose":
		return "adapter-support"
	case strings.HasPrefix(rel, "adapters/"):
		return "adapter"
	case rel == "cmd/demo/shop":
		return "business"
	case strings.HasPrefix(rel, "cmd/"), strings.HasPrefix(rel, "examples/"):
		return "cmd" // programs: they wire the real thing
	case strings.HasPrefix(rel, "internal/"):
		return "internal"
	default:
		return strings.SplitN(rel, "/", 2)[0] // port, service, middleware, interceptor, mocks, bench...
	}
}

func ours(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

// allowed says whether a package in layer from may import the package imp
// in its non-test code.
func allowed(from, imp string) bool {
	if !ours(imp) {
		if from == "port" {
			return !strings.Contains(imp, ".") || strings.HasPrefix(imp, "go.opentelemetry.io/otel/metric")
		}
		return true
	}
	to := layer(imp)
	switch from {
	case "port":
		return false
	case "internal":
		// Shared machinery (the fast path, test helpers): the port at most.
		return to == "internal" || to == "port"
	case "middleware":
		// middleware/ginmetrics builds on middleware's options and both on
		// middleware/internal: one layer.
		return to == "port" || to == "middleware"
	case "service", "interceptor", "mocks":
		return to == "port"
	case "monitoringtest":
		return to == "port" || to == "internal"
	case "bench":
		// Benchmarks are a consumer, like cmd: they wire the real thing.
		return to != "adapter" && to != "adapter-support"
	case "adapter":
		return to == "port" || to == "adapter-support" || to == "internal"
	case "adapter-support":
		return to == "port" || to == "adapter-support" || to == "internal"
	case "root":
		return to == "port" || to == "service" || to == "adapter" || to == "adapter-support" || to == "internal"
	case "cmd":
		// The demo's main sees the root and the instrumentation.
		return to == "port" || to == "root" || to == "cmd" || to == "business" || to == "middleware" || to == "interceptor"
	case "business":
		// The demo's business layer sees the port and nothing else of ours.
		return to == "port"
	default:
		return to != "adapter" && to != "root"
	}
}

// leaves are the packages under internal/ that import nothing of ours:
// tools (a rate-limited log, a file writer), not a layer, so every layer but
// the port may use them.
func leaves(pkgs []listedPackage) map[string]bool {
	out := map[string]bool{}
	for _, p := range pkgs {
		if !ours(p.ImportPath) || layer(p.ImportPath) != "internal" {
			continue
		}
		leaf := true
		for _, imp := range p.Imports {
			leaf = leaf && !ours(imp)
		}
		out[p.ImportPath] = leaf
	}
	return out
}

// violations lists every import that breaks the hexagon's arrows. Tests may
// use the mocks and test helpers, but only the root and an adapter's own
// tests may import an adapter.
func violations(pkgs []listedPackage) []string {
	var out []string
	leaf := leaves(pkgs)
	for _, p := range pkgs {
		if p.Standard || !ours(p.ImportPath) {
			continue
		}
		from := layer(p.ImportPath)
		for _, imp := range p.Imports {
			if leaf[imp] && from != "port" {
				continue
			}
			if !allowed(from, imp) {
				out = append(out, p.ImportPath+" imports "+imp)
			}
		}
		for _, imp := range append(append([]string{}, p.TestImports...), p.XTestImports...) {
			if ours(imp) && layer(imp) == "adapter" && from != "root" && imp != p.ImportPath {
				out = append(out, p.ImportPath+" (tests) imports "+imp)
			}
		}
	}
	return out
}

func goList(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-json", "./...")
	cmd.Dir = moduleRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestArchitecture(t *testing.T) {
	t.Run("Should keep every arrow of the hexagon in this module", func(t *testing.T) {
		pkgs := goList(t)
		require.Greater(t, len(pkgs), 8, "go list found too few packages to judge")
		assert.Empty(t, violations(pkgs))
	})

	t.Run("Should catch each broken arrow", func(t *testing.T) {
		m := func(rel string) string { return module + "/" + rel }
		cases := map[string]listedPackage{
			"port importing ours":           {ImportPath: m("port"), Imports: []string{m("service")}},
			"port importing the SDK":        {ImportPath: m("port"), Imports: []string{"go.opentelemetry.io/otel/sdk/metric"}},
			"service importing an adapter":  {ImportPath: m("service"), Imports: []string{m("adapters/prometheus")}},
			"service importing the root":    {ImportPath: m("service"), Imports: []string{module}},
			"adapter importing service":     {ImportPath: m("adapters/stdout"), Imports: []string{m("service")}},
			"adapter importing the root":    {ImportPath: m("adapters/noop"), Imports: []string{module}},
			"adapter importing another":     {ImportPath: m("adapters/stdout"), Imports: []string{m("adapters/noop")}},
			"middleware importing adapter":  {ImportPath: m("middleware"), Imports: []string{m("adapters/noop")}},
			"mocks importing service":       {ImportPath: m("mocks"), Imports: []string{m("service")}},
			"cmd importing an adapter":      {ImportPath: m("cmd/demo"), Imports: []string{m("adapters/prometheus")}},
			"bench importing an adapter":    {ImportPath: m("bench"), Imports: []string{m("adapters/prometheus")}},
			"business importing the root":   {ImportPath: m("cmd/demo/shop"), Imports: []string{module}},
			"business importing middleware": {ImportPath: m("cmd/demo/shop"), Imports: []string{m("middleware")}},
			"middleware importing service":  {ImportPath: m("middleware"), Imports: []string{m("service")}},
			"ginmetrics importing service":  {ImportPath: m("middleware/ginmetrics"), Imports: []string{m("service")}},
			"test kit importing the root":   {ImportPath: m("monitoringtest"), Imports: []string{module}},
			"a test importing an adapter":   {ImportPath: m("service"), XTestImports: []string{m("adapters/noop")}},
		}
		for name, p := range cases {
			assert.Len(t, violations([]listedPackage{p}), 1, name)
		}
		// An internal package that imports nothing of ours is a tool every
		// layer but the port may use; one that imports ours is not.
		tool := listedPackage{ImportPath: m("internal/ratelog"), Imports: []string{"sync", "time"}}
		notLeaf := listedPackage{ImportPath: m("internal/fast"), Imports: []string{m("port")}}
		assert.Empty(t, violations([]listedPackage{tool,
			{ImportPath: m("service"), Imports: []string{m("internal/ratelog")}},
			{ImportPath: m("middleware"), Imports: []string{m("internal/ratelog")}},
		}), "a leaf is a tool")
		assert.Len(t, violations([]listedPackage{tool, {ImportPath: m("port"), Imports: []string{m("internal/ratelog")}}}), 1,
			"the port imports nothing of ours, tools included")
		assert.Len(t, violations([]listedPackage{notLeaf, {ImportPath: m("service"), Imports: []string{m("internal/fast")}}}), 1,
			"an internal package that imports ours is not a tool")
		ok := []listedPackage{
			{ImportPath: m("port"), Imports: []string{"context", "net/http", "go.opentelemetry.io/otel/metric"}},
			{ImportPath: m("service"), Imports: []string{m("port"), "go.opentelemetry.io/otel/metric/noop"}},
			{ImportPath: m("adapters/prometheus"), Imports: []string{m("port"), m("adapters/internal/sdk")}},
			{ImportPath: module, Imports: []string{m("service"), m("adapters/noop")}},
			{ImportPath: m("middleware/ginmetrics"), Imports: []string{m("middleware"), m("middleware/internal/httpmetrics"), m("port")}},
		}
		assert.Empty(t, violations(ok))
	})
}
