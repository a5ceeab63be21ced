package monitoring

import (
	"fmt"
)

// shownKey is how an error names a key of the document: the key itself,
// without quotes, cut to 64 characters, with control characters escaped so
// that a hostile key cannot forge lines of a log.
func shownKey(key string) string {
	q := fmt.Sprintf("%.64q", key)
	return q[1 : len(q)-1]
}

// didYouMean returns " (did you mean <key>?)" naming the known key, or
// backend section, closest to the unknown key name within an edit distance
// of 2, or "" when none is that close.
func didYouMean(name string, keys map[string]configKey, sections map[string]string) string {
	if len(name) > 64 {
		return ""
	}
	best, bestDist := "", 3
	consider := func(known string) {
		if d := editDistance(name, known); d < bestDist || (d == bestDist && known < best) {
			best, bestDist = known, d
		}
	}
	for known := range keys {
		if _, envOnly := secretKeys[known]; !envOnly {
			consider(known)
		}
	}
	for section := range sections {
		consider(section)
	}
	if best == "" {
		return ""
	}
	return ": did you mean " + best + "?"
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
