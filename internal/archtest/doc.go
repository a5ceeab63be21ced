// Package archtest holds the repository's own rules, checked by its tests
// and nothing else: the hexagon's arrows between packages
// (TestArchitecture), a goroutine-leak check in every package's TestMain
// (TestEveryPackageChecksLeaks) and the Makefile's promises
// (TestMakefileAddress). They run `go list` and `make` from the module root,
// so they judge the whole module whichever directory `go test` starts in,
// and they run in `make test` with the rest.
package archtest
