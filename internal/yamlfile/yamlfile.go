// Package yamlfile holds what the strict readers of hand-written YAML files
// (agent files, eval suites) share when they walk a yaml.Node tree instead
// of decoding into structs: every key of a mapping checked (written once,
// known, a plain name), key paths for messages, and the names of node
// shapes. Each reader keeps its own error type and wording; this package
// only finds what is wrong.
package yamlfile

import (
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/makeagents/makeagents-go/internal/suggest"
)

// Join is key's path below path, for messages: "agents[0]" and "name" make
// "agents[0].name"; below the top ("") a key is its own path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Shape names what a node is when it is not a scalar: "a mapping", "a
// list", "an alias" or "a document"; "" for a scalar, which each reader
// describes in its own way (by its YAML type, or by its text).
func Shape(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	return ""
}

// Problem is what is wrong with one key of a mapping; the first that
// applies, in this order.
type Problem int

const (
	// OK: a plain key, the first of its name, and known.
	OK Problem = iota
	// NotPlain: the key is a mapping, a list or an alias, not a name.
	NotPlain
	// Repeated: the mapping has the key already. yaml.v3's node tree keeps
	// both, and a file that says one thing twice is a mistake, not a
	// choice of the last.
	Repeated
	// Unknown: the key is not among the known ones.
	Unknown
)

// Key is one key of a mapping with its value, as Keys checked it.
type Key struct {
	Name    string     // the key as written (a scalar's value)
	Node    *yaml.Node // the key's node: its line and column
	Value   *yaml.Node
	Problem Problem
	// FirstLine is where a Repeated key was given first.
	FirstLine int
	// Suggest are the known keys an Unknown one is close to (nearest
	// first), for a "did you mean"; nil when none is.
	Suggest []string
}

// Keys checks the keys of mapping n in file order: a key must be a plain
// name, given once, and in known (any name when known is nil). n must be a
// mapping (yaml.MappingNode); what else it may be is for the reader to
// word. A reader that stops at its first problem and one that reports
// every problem both find the same ones.
func Keys(n *yaml.Node, known []string) []Key {
	out := make([]Key, 0, len(n.Content)/2)
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := Key{Name: n.Content[i].Value, Node: n.Content[i], Value: n.Content[i+1]}
		if k.Node.Kind != yaml.ScalarNode {
			k.Problem = NotPlain
			out = append(out, k)
			continue
		}
		if line, dup := first[k.Name]; dup {
			k.Problem, k.FirstLine = Repeated, line
		} else {
			first[k.Name] = k.Node.Line
			if known != nil && !slices.Contains(known, k.Name) {
				k.Problem, k.Suggest = Unknown, suggest.Closest(k.Name, known)
			}
		}
		out = append(out, k)
	}
	return out
}
