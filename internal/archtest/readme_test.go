package archtest_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeOpening returns the commands of the README's first block when it is
// the README's first content after the title, and whether it is.
func readmeOpening(readme string) ([]string, bool) {
	lines := strings.Split(readme, "\n")
	i := 0
	for i < len(lines) && (strings.HasPrefix(lines[i], "# ") || strings.TrimSpace(lines[i]) == "") {
		i++
	}
	if i == len(lines) || lines[i] != "```sh" {
		return nil, false
	}
	var cmds []string
	for i++; i < len(lines) && lines[i] != "```"; i++ {
		cmd, _, _ := strings.Cut(lines[i], "#")
		if cmd = strings.TrimSpace(cmd); cmd != "" {
			cmds = append(cmds, cmd)
		}
	}
	return cmds, i < len(lines)
}

// TestReadmeOpensWithTwoCommands keeps the promise a newcomer meets first:
// the README opens with exactly two set-up commands, make run and make test,
// and both are targets of the Makefile.
func TestReadmeOpensWithTwoCommands(t *testing.T) {
	root := moduleRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md")) //nolint:gosec // this repository's README.
	require.NoError(t, err)
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile")) //nolint:gosec // this repository's Makefile.
	require.NoError(t, err)

	t.Run("Should open with make run and make test, and nothing else", func(t *testing.T) {
		cmds, ok := readmeOpening(string(readme))
		require.True(t, ok, "the README's first content after its title is a sh block")
		assert.Equal(t, []string{"make run", "make test"}, cmds)
	})
	t.Run("Should name targets the Makefile has", func(t *testing.T) {
		for _, target := range []string{"run", "test"} {
			assert.Regexp(t, regexp.MustCompile(`(?m)^`+target+`:`), string(makefile), "make %s", target)
		}
	})
	t.Run("Should refuse an opening that is not the two commands", func(t *testing.T) {
		for name, bad := range map[string]string{
			"prose first":   "# m\n\nSome words.\n\n```sh\nmake run\nmake test\n```\n",
			"third command": "# m\n\n```sh\nmake run\nmake test\nmake load\n```\n",
			"other order":   "# m\n\n```sh\nmake test\nmake run\n```\n",
			"unclosed":      "# m\n\n```sh\nmake run\nmake test\n",
		} {
			cmds, ok := readmeOpening(bad)
			assert.False(t, ok && len(cmds) == 2 && cmds[0] == "make run" && cmds[1] == "make test", name)
		}
	})
}
