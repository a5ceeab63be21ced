package archtest_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notTheRoot are the import paths (and their subpackages) whose presence in
// the root package's tests means a test of something else has moved in:
// the instrumentation and the frameworks it instruments are tested beside
// them and, wired together, in integration/.
var notTheRoot = []string{
	module + "/middleware",
	module + "/interceptor",
	module + "/integration",
	"github.com/gin-gonic/gin",
	"go.temporal.io/sdk",
	"go.opentelemetry.io/contrib",
}

// rootTestIntruders lists what the root package's tests import from
// notTheRoot.
func rootTestIntruders(pkgs []listedPackage) []string {
	var out []string
	for _, p := range pkgs {
		if p.ImportPath != module {
			continue
		}
		for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
			for _, banned := range notTheRoot {
				if imp == banned || strings.HasPrefix(imp, banned+"/") {
					out = append(out, imp)
				}
			}
		}
	}
	return out
}

func TestRootTestsStayInTheRoot(t *testing.T) {
	t.Run("Should find no test of the middleware, the interceptor or their frameworks in the root package", func(t *testing.T) {
		pkgs := goList(t)
		require.True(t, slices.ContainsFunc(pkgs, func(p listedPackage) bool { return p.ImportPath == module }),
			"go list did not list the root package")
		assert.Empty(t, rootTestIntruders(pkgs), "move the test to the package it tests, or to integration/")
	})

	t.Run("Should catch a root test that drives the middleware or a framework", func(t *testing.T) {
		pkgs := []listedPackage{
			{ImportPath: module, XTestImports: []string{module + "/middleware", "github.com/gin-gonic/gin"}},
			{ImportPath: module, TestImports: []string{"go.temporal.io/sdk/testsuite"}},
			{ImportPath: module + "/integration", XTestImports: []string{module + "/middleware"}},
			{ImportPath: module, XTestImports: []string{module + "/service", module + "/middlewarex"}},
		}
		assert.Equal(t, []string{module + "/middleware", "github.com/gin-gonic/gin", "go.temporal.io/sdk/testsuite"},
			rootTestIntruders(pkgs))
	})
}
