//go:build !monitoring_nolinkname

package fast

import _ "unsafe" // go:linkname

// procPin returns the id of the P the caller runs on and keeps the caller
// there, unpreempted, until procUnpin: the runtime's own pair, which it
// keeps linkable for packages outside it (go.dev/issue/67401) and which
// sync.Pool uses for its per-P caches. A pinned goroutine is the only one
// running on its P, so what belongs to that P is its alone until it
// unpins; it must not block in between. Build with the tag
// monitoring_nolinkname to do without them (proc_portable.go).
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// pinned reports whether procPin really pins (see proc_portable.go).
const pinned = true
