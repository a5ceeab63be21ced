package fast

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/compozy/monitoring/port"
)

// TestSpellingsAreBounded is the memory bound of an integer key: every new
// spelling of an existing series ("0200", "00200", ...) is recorded in that
// series, but indexes at most a budget of nodes, below the limit, past it,
// and with no limit at all; the others take the slow path each time.
func TestSpellingsAreBounded(t *testing.T) {
	d := port.Desc{Name: "codes", Keys: []string{"code"}, IntKeys: []string{"code"}}
	for _, c := range []struct {
		name  string
		limit int
		max   int // index nodes allowed: one per series and the alias budget
	}{
		{"below the limit", 10, 1 + 4*10},
		{"past the limit", 2, 1 + 4*2},
		{"with no limit", 0, 1 + 4*16},
	} {
		t.Run("Should bound the index nodes of spellings of one series "+c.name, func(t *testing.T) {
			f := newFamily[counter](d, c.limit, time.Now(), nil)
			const spellings = 2000
			for i := range spellings {
				f.get(port.Values{strings.Repeat("0", i) + "200"}).Add(1)
			}
			f.get(port.Values{"200"}).Add(1) // the first spelling again: indexed
			require.Len(t, f.records(), 1, "every spelling is the one series")
			assert.InDelta(t, spellings+1, f.records()[0].s.value(), 0, "nothing lost on the slow path")
			f.mu.Lock()
			nodes := f.nodes
			f.mu.Unlock()
			assert.LessOrEqual(t, nodes, c.max, "index nodes")
			assert.Positive(t, nodes)
		})
	}

	t.Run("Should still index the spellings of other series up to the budget, and new series with no limit", func(t *testing.T) {
		f := newFamily[counter](d, 0, time.Now(), nil)
		for i := range 500 {
			f.get(port.Values{strings.Repeat("1", 1+i%18)}).Add(1) // 18 series
			f.get(port.Values{"+" + strings.Repeat("1", 1+i%18)}).Add(1)
		}
		assert.Len(t, f.records(), 18)
		f.mu.Lock()
		defer f.mu.Unlock()
		assert.Equal(t, 36, f.nodes, "18 series, 18 aliases, within the budget")
	})
}
