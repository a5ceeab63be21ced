package fast

import (
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

// A sum that several goroutines add to at the same moment makes every add
// wait for the cache line its integer lives on to come from the other
// core: on one series from two cores, an atomic add on a shared word costs
// more than the whole rest of a record. A sum under such contention is
// spread (as java.util.concurrent's LongAdder spreads one): its whole
// increments go to cells on cache lines of their own, one per P (the
// runtime's processor: two goroutines that run at the same moment run on
// two Ps), and a collection adds the cells up. A sum nobody contends for
// keeps its one integer and costs no memory more.
//
// Contention is seen, not guessed: a sum's whole increments are made with
// a compare-and-swap, which fails only when another add got in between;
// once spreadAfter such failures come within spreadWindow of one another,
// the sum is spread for the rest of its life. A series on which two
// records happen to meet now and then stays one integer, however long it
// lives.

const (
	// spreadAfter is how many failed compare-and-swaps, within
	// spreadWindow of the first of them, spread a sum.
	spreadAfter  = 16
	spreadWindow = time.Millisecond
	// maxCells bounds the cells of one sum (8 KiB of them); with more Ps
	// than that, some Ps share a cell, which stays correct.
	maxCells = 64
	// cellSize keeps each cell on cache lines no other cell touches: 128
	// bytes, since x86's spatial prefetcher fetches lines in pairs.
	cellSize = 128
)

// cell is one P's share of a spread sum: its whole increments and the
// records counted for a delta reader (sumValue.seq).
type cell struct {
	ints atomic.Int64
	seq  atomic.Uint64
	_    [cellSize - 16]byte
}

// newCells returns the first of a spread sum's cells and their number less
// one, the mask that picks one: one per P there is now, a power of two
// from 2 to maxCells. A later change of GOMAXPROCS only makes some Ps
// share a cell.
func newCells() (*cell, uint32) {
	n := 2
	for n < runtime.GOMAXPROCS(0) && n < maxCells {
		n *= 2
	}
	return &make([]cell, n)[0], uint32(n - 1) //nolint:gosec // at most maxCells.
}

// cellAt returns cell p&mask of the cells that start at first.
func cellAt(first *cell, mask uint32, p int) *cell {
	return (*cell)(unsafe.Add(unsafe.Pointer(first), uintptr(uint32(p)&mask)*cellSize)) //nolint:gosec // within the cells.
}

// cellsOf returns the cells that start at first.
func cellsOf(first *cell, mask uint32) []cell {
	return unsafe.Slice(first, mask+1) //nolint:gosec // newCells made mask+1 of them.
}

// total returns the whole increments of cells (as int64, wrapping, and as
// a float) and their counted records.
func total(cs []cell) (ints int64, seq uint64, words float64) {
	for i := range cs {
		w := cs[i].ints.Load()
		ints, words = ints+w, words+float64(w)
		seq += cs[i].seq.Load()
	}
	return ints, seq, words
}
