package archtest_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campoy/embedmd/embedmd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snippetsRoot is the module root, seen from this package's directory,
// where go test runs.
const snippetsRoot = "../.."

// markdownWithSnippets lists README.md and docs/*.md under root.
func markdownWithSnippets(t *testing.T, root string) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	return append([]string{filepath.Join(root, "README.md")}, docs...)
}

// unembeddedGoBlocks returns, for each Go code block of markdown that is
// not directly under an embedmd marker naming a .go file, "line N". Such a
// block was written by hand: nothing compiles it. Fences are read as
// CommonMark reads them (``` or ~~~, three or more, closed by a fence of the
// same character at least as long with nothing after it), and a block is Go
// when its info string's first word is go or golang, in any case: ```Go,
// ~~~golang, ````go title="x.go" are Go blocks too.
func unembeddedGoBlocks(markdown []byte) []string {
	var out []string
	var previous string
	var open string // the fence of the block we are in, or ""
	sc := bufio.NewScanner(bytes.NewReader(markdown))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fence, info, ok := codeFence(line)
		switch {
		case open != "":
			if ok && fence[0] == open[0] && len(fence) >= len(open) && info == "" {
				open = ""
			}
		case ok:
			open = fence
			lang, _, _ := strings.Cut(info, " ")
			if lang = strings.ToLower(lang); (lang == "go" || lang == "golang") && !embedsGo(previous) {
				out = append(out, fmt.Sprintf("line %d", n))
			}
		}
		previous = line
	}
	return out
}

// codeFence says whether line is a code fence: its run of three or more
// backticks or tildes, and its info string (trimmed, tabs as spaces). A
// backtick fence's info string holds no backtick. Any indentation is
// accepted, as a fence inside a list item is indented.
func codeFence(line string) (fence, info string, ok bool) {
	t := strings.TrimLeft(line, " \t")
	if t == "" || (t[0] != '`' && t[0] != '~') {
		return "", "", false
	}
	run := len(t) - len(strings.TrimLeft(t, t[:1]))
	if run < 3 {
		return "", "", false
	}
	info = strings.TrimSpace(strings.ReplaceAll(t[run:], "\t", " "))
	if t[0] == '`' && strings.Contains(info, "`") {
		return "", "", false
	}
	return t[:run], info, true
}

// embedsGo says whether line is an embedmd marker whose source is a .go
// file: [embedmd]:# (path.go /start/ /end/).
func embedsGo(line string) bool {
	rest, ok := strings.CutPrefix(line, "[embedmd]:# (")
	if !ok {
		return false
	}
	path, _, _ := strings.Cut(rest, " ")
	path = strings.TrimSuffix(path, ")")
	return strings.HasSuffix(path, ".go") && !strings.Contains(path, "testdata/")
}

// staleSnippets returns what embedmd would write in place of the markdown
// file at path, and whether it differs from the file.
func staleSnippets(t *testing.T, path string) (want string, stale bool) {
	t.Helper()
	got, err := os.ReadFile(path) //nolint:gosec // README.md or docs/*.md of this repository, or a test's temporary file.
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, embedmd.Process(&buf, bytes.NewReader(got), embedmd.WithBaseDir(filepath.Dir(path))),
		"%s: an embedmd marker names a file or a range that is not there", path)
	return buf.String(), buf.String() != string(got)
}

// TestDocSnippets keeps every Go snippet of the README and docs/ compiled:
// each is embedded by embedmd from a Go file the build compiles (a program
// under examples/, an Example function, a test), and equal to it; `make
// docs` rewrites them.
func TestDocSnippets(t *testing.T) {
	files := markdownWithSnippets(t, snippetsRoot)
	require.Greater(t, len(files), 3, "README.md and docs/*.md not found from %s", snippetsRoot)

	t.Run("Should embed every Go block of README.md and docs/*.md from a Go file", func(t *testing.T) {
		embedded := 0
		for _, f := range files {
			b, err := os.ReadFile(f) //nolint:gosec // README.md and docs/*.md of this repository.
			require.NoError(t, err)
			assert.Empty(t, unembeddedGoBlocks(b),
				"%s: a ```go block written by hand; put the code in examples/ or an Example function and embed it "+
					"under an [embedmd]:# (path.go /start/ /end/) line, then run `make docs`", f)
			embedded += bytes.Count(b, []byte("\n[embedmd]:# ("))
		}
		assert.GreaterOrEqual(t, embedded, 9, "the README's and docs' snippets are embedded")
	})

	t.Run("Should find every snippet equal to the code it comes from", func(t *testing.T) {
		for _, f := range files {
			_, stale := staleSnippets(t, f)
			assert.False(t, stale, "%s: a snippet differs from the code it is embedded from: run `make docs`", f)
		}
	})

	t.Run("Should report a hand-written Go block and accept an embedded one", func(t *testing.T) {
		md := []byte("# x\n\n```go\nfmt.Println(1)\n```\n\n```sh\nmake test\n```\n\n" +
			"[embedmd]:# (main.go /func main/ /\\n}/)\n```go\nfunc main() {}\n```\n\n" +
			"[embedmd]:# (notes.txt)\n```go\nx := 1\n```\n\n" +
			"[embedmd]:# (testdata/x.go)\n```go\nx := 1\n```\n")
		assert.Equal(t, []string{"line 3", "line 17", "line 22"}, unembeddedGoBlocks(md))
	})

	t.Run("Should report a hand-written Go block whatever its fence and info string", func(t *testing.T) {
		for _, md := range []string{
			"```golang\nfmt.Println(1)\n```\n",
			"```Go\nfmt.Println(1)\n```\n",
			"```GOLANG\nfmt.Println(1)\n```\n",
			"```go title=\"x.go\"\nfmt.Println(1)\n```\n",
			"```go {linenos}\nfmt.Println(1)\n```\n",
			"``` go\nfmt.Println(1)\n```\n",
			"~~~go\nfmt.Println(1)\n~~~\n",
			"~~~~ Go\nfmt.Println(1)\n~~~~\n",
			"````go\nfmt.Println(1)\n````\n",
			"1. step\n\n    ```go\n    fmt.Println(1)\n    ```\n",
			"```sh\nmake\n```\n\n```go\nfmt.Println(1)\n```\n",
		} {
			assert.NotEmpty(t, unembeddedGoBlocks([]byte(md)), "%q", md)
		}
	})

	t.Run("Should close a fence only with the same character, at least as long, and nothing after it", func(t *testing.T) {
		for md, want := range map[string][]string{
			// A shorter or other fence inside a block is its content: the
			// ```go below it is not a block of its own.
			"````md\n```\n```go\nx\n```\n````\n":   nil,
			"~~~md\n```go\nx\n```\n~~~\n":          nil,
			"```md\n``` not a close\n```go\n```\n": nil,
			// The block ends, and the next one is Go.
			"~~~md\nx\n~~~~\n```go\nx\n```\n": {"line 4"},
			// Not fences: two backticks, a backtick in a backtick fence's info.
			"``go\nx\n``\n":             nil,
			"```go`x\nfmt.Println(1)\n": nil,
			"```gopher\nx\n```\n":       nil,
			"```goo\nx\n```\n":          nil,
		} {
			assert.Equal(t, want, unembeddedGoBlocks([]byte(md)), "%q", md)
		}
	})

	t.Run("Should find a snippet that no longer matches its source stale, and equal once rewritten", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"),
			[]byte("package main\n\nfunc main() {\n\tprintln(\"new\")\n}\n"), 0o600))
		md := filepath.Join(dir, "README.md")
		require.NoError(t, os.WriteFile(md,
			[]byte("[embedmd]:# (main.go /func main/ /\\n}/)\n```go\nfunc main() {\n\tprintln(\"old\")\n}\n```\n"), 0o600))
		want, stale := staleSnippets(t, md)
		assert.True(t, stale)
		assert.Contains(t, want, `println("new")`)

		require.NoError(t, os.WriteFile(md, []byte(want), 0o600))
		_, stale = staleSnippets(t, md)
		assert.False(t, stale)
	})
}
