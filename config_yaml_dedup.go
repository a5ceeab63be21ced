package monitoring

import (
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// yamlDuplicateKeys refuses a key given twice in one mapping, anywhere in
// the document: a [*FieldError] for each of the first few (the key, and its
// lines), the others counted. It also returns the document with each such
// key kept at its first occurrence only, so that the decoder reads the rest
// and every other problem is reported with the duplicates. It costs one pass
// over the document: the YAML decoder compares every pair of keys and
// reports every pair that repeats, quadratic in time and in the size of its
// error. A document without duplicates, one that does not parse (the
// decoder reports it) or one that cannot be written back is returned as it
// is.
func yamlDuplicateKeys(data []byte) ([]byte, error) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return data, nil
	}
	var shown []error
	total := 0
	type key struct {
		kind  yaml.Kind
		value string
	}
	stack := []*yaml.Node{&doc}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind == yaml.MappingNode {
			first := make(map[key]int, len(n.Content)/2)
			kept := n.Content[:0]
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				line, seen := first[key{k.Kind, k.Value}]
				if !seen {
					first[key{k.Kind, k.Value}] = k.Line
					kept = append(kept, k, n.Content[i+1])
					continue
				}
				total++
				if len(shown) < reportedProblems {
					shown = append(shown, &FieldError{Field: shownKey(k.Value), Allowed: fmt.Sprintf(
						"is given twice (line %d repeats line %d): give each key once", k.Line, line)})
				}
			}
			n.Content = kept
		}
		stack = append(stack, n.Content...)
	}
	if total == 0 {
		return data, nil
	}
	if total > len(shown) {
		shown = append(shown, fmt.Errorf("and %d more duplicate keys", total-len(shown)))
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		out = data
	}
	return out, errors.Join(shown...)
}
