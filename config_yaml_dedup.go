package monitoring

import "go.yaml.in/yaml/v3"

// withoutDuplicateKeys returns the document with every key given twice in
// one mapping kept at its first occurrence only, in one pass, so that the
// decoder reads the rest of a document [yamlDuplicateKeys] refused and
// every other problem is reported with the duplicates. A document that
// does not parse, or cannot be written back, is returned as it is.
func withoutDuplicateKeys(data []byte) []byte {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return data
	}
	type key struct {
		kind  yaml.Kind
		value string
	}
	stack := []*yaml.Node{&doc}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind == yaml.MappingNode {
			seen := make(map[key]bool, len(n.Content)/2)
			kept := n.Content[:0]
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := key{n.Content[i].Kind, n.Content[i].Value}
				if seen[k] {
					continue
				}
				seen[k] = true
				kept = append(kept, n.Content[i], n.Content[i+1])
			}
			n.Content = kept
		}
		stack = append(stack, n.Content...)
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return data
	}
	return out
}
