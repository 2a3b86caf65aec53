package agentfile

import "testing"

// uniqueName gives the name only when it means that one item: a name two
// items share would make the exported file ambiguous, so the id stays.
func TestUniqueName(t *testing.T) {
	type item struct {
		id   int64
		name string
	}
	items := []item{{1, "support"}, {2, "sales"}, {3, "sales"}, {4, ""}}
	idName := func(i item) (int64, string) { return i.id, i.name }
	for id, want := range map[int64]string{1: "support", 2: "", 3: "", 4: "", 9: ""} {
		if got := uniqueName(items, id, idName); got != want {
			t.Errorf("uniqueName(%d) = %q, want %q", id, got, want)
		}
	}
}
