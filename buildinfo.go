package monitoring

import "github.com/compozy/monitoring/service"

// BuildInfo returns the version and the commit that build_info reports for
// the values given to [WithBuildInfo]: each empty one falls back to the
// binary's own build information (debug.ReadBuildInfo), then to "unknown".
// A program that logs its version at start-up calls it so that its log and
// its build_info series say the same.
func BuildInfo(version, commit string) (string, string) {
	return service.BuildInfo(version, commit)
}
