package yamlfile

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func mapping(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	n := doc.Content[0]
	if n.Kind != yaml.MappingNode {
		t.Fatalf("%q is not a mapping", src)
	}
	return n
}

// summary is one line a key: its name, line, problem and what goes with it.
func summary(keys []Key) []string {
	var out []string
	for _, k := range keys {
		s := fmt.Sprintf("%s@%d", k.Name, k.Node.Line)
		switch k.Problem {
		case NotPlain:
			s += " not plain"
		case Repeated:
			s += fmt.Sprintf(" repeated from %d", k.FirstLine)
		case Unknown:
			s += " unknown " + strings.Join(k.Suggest, "|")
		}
		out = append(out, s)
	}
	return out
}

func TestKeys(t *testing.T) {
	known := []string{"name", "model", "models", "agents"}
	for _, tc := range []struct {
		name, src string
		known     []string
		want      []string
	}{
		{"all known", "name: a\nmodel: b\n", known, []string{"name@1", "model@2"}},
		{"unknown with a guess", "name: a\nmodle: b\n", known, []string{"name@1", "modle@2 unknown model|models"}},
		{"unknown without one", "zzzzz: 1\n", known, []string{"zzzzz@1 unknown "}},
		{"repeated", "name: a\nmodel: b\nname: c\n", known, []string{"name@1", "model@2", "name@3 repeated from 1"}},
		{"repeated unknown is repeated", "nmae: a\nnmae: b\n", known, []string{"nmae@1 unknown name", "nmae@2 repeated from 1"}},
		{"a list as a key", "? [a, b]\n: 1\nname: x\n", known, []string{"@1 not plain", "name@3"}},
		{"a mapping as a key", "? {a: 1}\n: 1\n", known, []string{"@1 not plain"}},
		{"nil known takes any name", "anything: 1\nelse: 2\nanything: 3\n", nil, []string{"anything@1", "else@2", "anything@3 repeated from 1"}},
		{"case matters for known", "Name: a\n", known, []string{"Name@1 unknown name"}},
		{"empty", "{}\n", known, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := mapping(t, tc.src)
			keys := Keys(n, tc.known)
			if got := summary(keys); !slices.Equal(got, tc.want) {
				t.Errorf("Keys = %q, want %q", got, tc.want)
			}
			for i, k := range keys {
				if k.Node != n.Content[2*i] || k.Value != n.Content[2*i+1] {
					t.Errorf("key %d does not carry its own nodes", i)
				}
			}
		})
	}
}

func TestJoin(t *testing.T) {
	for _, tc := range [][3]string{{"", "agents", "agents"}, {"agents[0]", "name", "agents[0].name"}, {"a.b", "c", "a.b.c"}} {
		if got := Join(tc[0], tc[1]); got != tc[2] {
			t.Errorf("Join(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}

func TestShape(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("m: {a: 1}\nl: [1]\ns: x\nn: null\nx: &x 1\ny: *x\n"), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{"doc": Shape(&doc)}
	for _, k := range Keys(doc.Content[0], nil) {
		got[k.Name] = Shape(k.Value)
	}
	want := map[string]string{"doc": "a document", "m": "a mapping", "l": "a list", "s": "", "n": "", "x": "", "y": "an alias"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Shape = %v, want %v", got, want)
	}
}
