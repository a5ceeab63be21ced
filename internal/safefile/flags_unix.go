//go:build unix

package safefile

import "syscall"

// openFlags open a FIFO or a device without waiting for its other end, and
// never make a terminal the process's controlling one.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY
