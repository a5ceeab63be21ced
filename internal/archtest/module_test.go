package archtest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestModuleIsInstallable checks what a user who runs go get relies on:
// the module path the README installs, a minimum Go version that the README
// and docs/versioning.md name as go.mod requires it, and the licence that
// lets anyone depend on it.
func TestModuleIsInstallable(t *testing.T) {
	repo := os.DirFS(moduleRoot(t))
	data, err := fs.ReadFile(repo, "go.mod")
	require.NoError(t, err)
	modLine := regexp.MustCompile(`(?m)^module (\S+)$`).FindSubmatch(data)
	goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(data)
	require.NotNil(t, modLine, "go.mod declares a module")
	require.NotNil(t, goLine, "go.mod names its minimum Go version")
	path, goVersion := string(modLine[1]), string(goLine[1])
	readme, err := fs.ReadFile(repo, "README.md")
	require.NoError(t, err)
	versioning, err := fs.ReadFile(repo, "docs/versioning.md")
	require.NoError(t, err)

	t.Run("Should install the module path go.mod declares, from main while no version is tagged", func(t *testing.T) {
		assert.Equal(t, module, path)
		// No release is tagged yet (the module proxy knows no version, so
		// @latest fails): the docs say so and install from main. When
		// v0.1.0 is tagged, this test and the docs move to @latest.
		if tags := versionTags(t); len(tags) > 0 {
			t.Fatalf("versions are tagged (%v): make README.md and docs/versioning.md install @latest, and this test check it", tags)
		}
		for name, doc := range map[string]string{"README.md": string(readme), "docs/versioning.md": string(versioning)} {
			// Booleans, not assert.Contains: a failure names the file
			// rather than printing the whole page.
			installsMain, namesLatest := strings.Contains(doc, "go get "+path+"@main"), strings.Contains(doc, "@latest")
			assert.True(t, installsMain, "%s installs @main", name)
			assert.False(t, namesLatest, "%s: @latest fails while no version is tagged", name)
			prose := strings.Join(strings.Fields(strings.ToLower(doc)), " ")
			saysUntagged := strings.Contains(prose, "no version is tagged yet")
			assert.True(t, saysUntagged, "%s says no version is tagged yet", name)
			namesFirst := strings.Contains(doc, "v0.1.0")
			assert.True(t, namesFirst, "%s names the first version, v0.1.0", name)
		}
	})
	t.Run("Should name the minimum Go version go.mod requires", func(t *testing.T) {
		major, minor, _ := strings.Cut(goVersion, ".")
		minor, _, _ = strings.Cut(minor, ".")
		want := "Go " + major + "." + minor + " or later"
		assert.Contains(t, string(readme), want)
		assert.Contains(t, string(versioning), want)
		assert.Contains(t, string(versioning), "`go "+goVersion+"`")
	})
	t.Run("Should carry the Apache License 2.0 unchanged and say so in the README", func(t *testing.T) {
		license, err := fs.ReadFile(repo, "LICENSE")
		require.NoError(t, err)
		sum := sha256.Sum256(license)
		// The digest of https://www.apache.org/licenses/LICENSE-2.0.txt.
		assert.Equal(t, "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30", hex.EncodeToString(sum[:]))
		assert.Contains(t, string(readme), "Licensed under the [Apache License, Version 2.0](LICENSE)")
	})
}

// versionTags returns the v* tags of the repository, or nil when git or the
// repository's .git is not there (a copy of the sources without history).
func versionTags(t *testing.T) []string {
	t.Helper()
	root := moduleRoot(t)
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		return nil
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil
	}
	out, err := exec.CommandContext(t.Context(), "git", "-C", root, "tag", "--list", "v*").Output() //nolint:gosec // git on this repository
	require.NoError(t, err, "git tag --list")
	return strings.Fields(string(out))
}
