package archtest_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goleakPath is the import path of the leak checker every package's tests
// must run.
const goleakPath = "go.uber.org/goleak"

func (p listedPackage) hasGoFiles() bool {
	return len(p.GoFiles)+len(p.CgoFiles)+len(p.TestGoFiles)+len(p.XTestGoFiles) > 0
}

// verifiesLeaksInTestMain says whether the Go file at path declares a
// func TestMain whose body calls goleak.VerifyTestMain, goleak being
// go.uber.org/goleak under whatever name the file imports it.
func verifiesLeaksInTestMain(path string) (bool, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return false, err
	}
	name := ""
	for _, imp := range f.Imports {
		if p, err := strconv.Unquote(imp.Path.Value); err != nil || p != goleakPath {
			continue
		}
		name = "goleak"
		if imp.Name != nil {
			name = imp.Name.Name
		}
	}
	if name == "" || name == "_" {
		return false, nil
	}
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Name.Name != "TestMain" || fn.Body == nil {
			continue
		}
		found := false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || found {
				return !found
			}
			switch fun := call.Fun.(type) {
			case *ast.SelectorExpr:
				x, ok := fun.X.(*ast.Ident)
				found = ok && x.Name == name && fun.Sel.Name == "VerifyTestMain"
			case *ast.Ident:
				found = name == "." && fun.Name == "VerifyTestMain"
			}
			return !found
		})
		if found {
			return true, nil
		}
	}
	return false, nil
}

// packagesMissingLeakCheck lists the packages with Go files none of whose
// test files has a TestMain calling goleak.VerifyTestMain.
func packagesMissingLeakCheck(pkgs []listedPackage) ([]string, error) {
	var missing []string
	for _, p := range pkgs {
		if !p.hasGoFiles() {
			continue
		}
		checked := false
		for _, file := range slices.Concat(p.TestGoFiles, p.XTestGoFiles) {
			ok, err := verifiesLeaksInTestMain(filepath.Join(p.Dir, file))
			if err != nil {
				return nil, err
			}
			if ok {
				checked = true
				break
			}
		}
		if !checked {
			missing = append(missing, p.ImportPath)
		}
	}
	slices.Sort(missing)
	return missing, nil
}

func TestEveryPackageChecksLeaks(t *testing.T) {
	t.Run("Should find goleak.VerifyTestMain in a TestMain of every package of this module", func(t *testing.T) {
		pkgs := goList(t)
		require.Greater(t, len(pkgs), 8, "go list found too few packages to judge")
		for _, p := range pkgs {
			require.True(t, ours(p.ImportPath), "go list ./... listed %s, outside %s", p.ImportPath, module)
		}
		missing, err := packagesMissingLeakCheck(pkgs)
		require.NoError(t, err)
		assert.Empty(t, missing, "add a main_test.go with func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }")
	})

	t.Run("Should flag each package that does not check for leaks", func(t *testing.T) {
		root := t.TempDir()
		pkg := func(name string, files map[string]string) listedPackage {
			dir := filepath.Join(root, name)
			require.NoError(t, os.Mkdir(dir, 0o750))
			p := listedPackage{ImportPath: name, Dir: dir, GoFiles: []string{"p.go"}}
			require.NoError(t, os.WriteFile(filepath.Join(dir, "p.go"), []byte("package p\n"), 0o600))
			for file, src := range files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte(src), 0o600))
				p.XTestGoFiles = append(p.XTestGoFiles, file)
			}
			return p
		}
		const header = "package p_test\n\nimport (\n\t\"testing\"\n\n\t\"go.uber.org/goleak\"\n)\n\n"

		bad := []listedPackage{
			pkg("no-tests", nil),
			pkg("testmain-without-goleak", map[string]string{
				"main_test.go": "package p_test\n\nimport \"testing\"\n\nfunc TestMain(m *testing.M) { m.Run() }\n",
			}),
			pkg("goleak-outside-testmain", map[string]string{
				"main_test.go": header +
					"func TestMain(m *testing.M) { m.Run() }\n\n" +
					"func TestX(t *testing.T) { goleak.VerifyNone(t) }\n\n" +
					"func verify(m *testing.M) { goleak.VerifyTestMain(m) }\n",
			}),
			pkg("goleak-in-a-comment", map[string]string{
				"main_test.go": header + "func TestMain(m *testing.M) {\n\t// goleak.VerifyTestMain(m)\n\tm.Run()\n\t_ = goleak.IgnoreCurrent\n}\n",
			}),
			pkg("another-goleak", map[string]string{
				"main_test.go": "package p_test\n\nimport (\n\t\"testing\"\n\n\tgoleak \"example.com/notgoleak\"\n)\n\n" +
					"func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }\n",
			}),
			pkg("a-method-named-testmain", map[string]string{
				"main_test.go": header + "type s struct{}\n\nfunc (s) TestMain(m *testing.M) { goleak.VerifyTestMain(m) }\n",
			}),
		}
		var want []string
		for _, p := range bad {
			want = append(want, p.ImportPath)
		}
		slices.Sort(want)
		missing, err := packagesMissingLeakCheck(bad)
		require.NoError(t, err)
		assert.Equal(t, want, missing)

		good := []listedPackage{
			pkg("house-style", map[string]string{
				"main_test.go": header + "func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }\n",
			}),
			pkg("with-setup-and-options", map[string]string{
				"x_test.go": "package p_test\n\nfunc TestX() {}\n",
				"main_test.go": header + "func TestMain(m *testing.M) {\n\tsetup()\n" +
					"\tgoleak.VerifyTestMain(m, goleak.IgnoreCurrent())\n}\n\nfunc setup() {}\n",
			}),
			pkg("renamed-import", map[string]string{
				"main_test.go": "package p_test\n\nimport (\n\t\"testing\"\n\n\tleak \"go.uber.org/goleak\"\n)\n\n" +
					"func TestMain(m *testing.M) { leak.VerifyTestMain(m) }\n",
			}),
		}
		missing, err = packagesMissingLeakCheck(good)
		require.NoError(t, err)
		assert.Empty(t, missing)

		missing, err = packagesMissingLeakCheck([]listedPackage{{ImportPath: "no-go-files", Dir: root}})
		require.NoError(t, err)
		assert.Empty(t, missing, "a directory without Go files is no package to check")
	})

	t.Run("Should report a test file that does not parse rather than pass it", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "main_test.go"), []byte("package p_test\n\nfunc TestMain(\n"), 0o600))
		_, err := packagesMissingLeakCheck([]listedPackage{{ImportPath: "broken", Dir: dir, XTestGoFiles: []string{"main_test.go"}}})
		assert.Error(t, err)
	})
}
