// Package archtest holds the repository's own rules, checked by its tests
// and nothing else: the hexagon's arrows between packages
// (TestArchitecture), a goroutine-leak check in every package's TestMain
// (TestEveryPackageChecksLeaks), the root's tests keeping to the root
// (TestRootTestsStayInTheRoot), the Makefile's promises
// (TestMakefileAddress), what `go get` relies on (TestModuleIsInstallable)
// and Go snippets of the README and docs/ embedded from compiled code
// (TestDocSnippets). They run `go list` and `make` and read files
// from the module root, so they judge the whole module whichever directory
// `go test` starts in, and they run in `make test` with the rest.
package archtest
