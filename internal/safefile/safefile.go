// Package safefile reads the small files an operator names (a config
// document, a mounted secret) without ever blocking on them and without
// reading more than asked.
//
// Checking a path with os.Stat and then opening it is a race: a symlink
// swapped between the two calls (write access to the directory is enough)
// turns a regular file into a FIFO, and os.Open on a FIFO blocks until a
// writer comes. [Read] opens first, without blocking (O_NONBLOCK), then
// checks the file it opened.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is what [Read] returns, wrapped in a [*NotRegularError],
// for a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is what [Read] returns for a file longer than its limit.
var ErrTooLarge = errors.New("file too large")

// NotRegularError is a path that names something other than a regular file.
type NotRegularError struct {
	Mode fs.FileMode
}

// Kind names what the file is, in words: "directory", "named pipe",
// "device", "socket" or "special file".
func (e *NotRegularError) Kind() string {
	switch {
	case e.Mode.IsDir():
		return "directory"
	case e.Mode&fs.ModeNamedPipe != 0:
		return "named pipe"
	case e.Mode&fs.ModeDevice != 0:
		return "device"
	case e.Mode&fs.ModeSocket != 0:
		return "socket"
	default:
		return "special file"
	}
}

func (e *NotRegularError) Error() string { return "not a regular file but a " + e.Kind() }

// Unwrap returns [ErrNotRegular].
func (e *NotRegularError) Unwrap() error { return ErrNotRegular }

// Read returns the content of the regular file at path, at most limit
// bytes. It opens the file without blocking (a FIFO or a device opens at
// once), checks that the file it opened is a regular one, and only then
// reads it. A path that is not a regular file is a [*NotRegularError]; a
// file longer than limit is [ErrTooLarge]; a file that cannot be opened is
// the [*fs.PathError] of os.OpenFile.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0) //nolint:gosec // the path is the operator's choice.
	if err != nil {
		return nil, fmt.Errorf("opening: %w", err)
	}
	defer func() { _ = f.Close() }()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("inspecting: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, &NotRegularError{Mode: info.Mode()}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}
