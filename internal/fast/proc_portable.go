//go:build monitoring_nolinkname

package fast

import "unsafe"

// procPin returns a number that tells the caller's goroutine from others,
// where its stack is, in place of its P (proc.go), when the build refuses
// the runtime's linknames. It pins nothing: spread sums then pick their
// cells by it, which stays correct, two goroutines sometimes sharing one,
// and the per-P caches of the sums (meter_sum.go) are not used.
func procPin() int {
	var b byte
	return int((uint64(uintptr(unsafe.Pointer(&b))>>13) * 0x9e3779b97f4a7c15) >> 58) //nolint:gosec // a hash.
}

// procUnpin undoes nothing.
func procUnpin() {}

// pinned reports whether procPin really pins.
const pinned = false
