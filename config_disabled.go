package monitoring

import (
	"os"
	"reflect"
	"slices"
	"strings"
)

// disabledReason is the status reason of a service whose configuration
// leaves monitoring off.
const disabledReason = "monitoring disabled by configuration (enabled: false)"

// IgnoredSettings returns the settings this configuration gives that take
// no effect because Enabled is false, by YAML key (a credential that only a
// variable gives, by its variable): every setting whose value is not its
// default, and every one the YAML or a MONITORING_* variable set, even to
// its default, when [LoadConfig] or [ParseConfig] read it. The protection
// of the endpoint (auth and its credentials) is never listed: it applies
// even then. It is nil when
// Enabled is true, when nothing but enabled is given, and when the backend is
// noop: a configuration that names noop knows that nothing is recorded.
//
// [NewMonitoringService] logs them at WARN and puts them in the status
// reason, so that a config file that forgot enabled: true never switches
// monitoring off without a word.
func (c *Config) IgnoredSettings() []string {
	if c.Enabled || c.namesNoop() {
		return nil
	}
	def := DefaultConfig()
	cv, dv := reflect.ValueOf(c).Elem(), reflect.ValueOf(&def).Elem()
	var out []string
	for _, k := range configKeys() {
		if k.yaml == "enabled" || guardsEndpoint(k) {
			continue
		}
		changed := !reflect.DeepEqual(cv.FieldByIndex(k.index).Interface(), dv.FieldByIndex(k.index).Interface())
		if changed || slices.Contains(c.givenDefaults, k.yaml) {
			out = append(out, settingName(k))
		}
	}
	return out
}

// guardsEndpoint reports whether k is part of the endpoint's protection
// (auth and its credentials), which applies even when monitoring is
// disabled: the exposition handler, which then tells why nothing is
// recorded, stays behind it.
func guardsEndpoint(k configKey) bool { return strings.HasPrefix(k.yaml, "auth") }

// settingName is how a message names k: its YAML key, or its variable for
// a credential that has no YAML key.
func settingName(k configKey) string {
	if _, envOnly := secretKeys[k.yaml]; envOnly {
		return k.env
	}
	return k.yaml
}

// givenAtDefault returns the YAML keys of the settings that data or a
// MONITORING_* variable sets to the value cfg holds by default, when cfg
// leaves monitoring disabled: [Config.IgnoredSettings] cannot tell them
// from the defaults by their value.
func givenAtDefault(data []byte, cfg *Config) []string {
	if cfg.Enabled || cfg.namesNoop() {
		return nil
	}
	given := map[string]bool{}
	sections := sectionKeys()
	pairs := topLevelPairs(data)
	for i := 0; i+1 < len(pairs); i += 2 {
		name, value := pairs[i].Value, pairs[i+1]
		if _, section := sections[name]; section {
			for j := 0; j+1 < len(value.Content); j += 2 {
				given[name+"."+value.Content[j].Value] = true
			}
			continue
		}
		given[name] = true
	}
	def := DefaultConfig()
	cv, dv := reflect.ValueOf(cfg).Elem(), reflect.ValueOf(&def).Elem()
	var out []string
	for _, k := range configKeys() {
		if _, set := os.LookupEnv(k.env); k.yaml == "enabled" || (!set && !given[k.yaml]) {
			continue
		}
		if reflect.DeepEqual(cv.FieldByIndex(k.index).Interface(), dv.FieldByIndex(k.index).Interface()) {
			out = append(out, k.yaml)
		}
	}
	return out
}

// namesNoop reports whether the backend is noop, which records nothing.
func (c *Config) namesNoop() bool { return strings.TrimSpace(c.Backend) == BackendNoop }
