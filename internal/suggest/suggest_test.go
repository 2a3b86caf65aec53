package suggest

import (
	"slices"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"model", "model", 0},
		{"modle", "model", 2},  // a transposition is two edits
		{"modl", "model", 1},   // a deletion
		{"modell", "model", 1}, // an insertion
		{"madel", "model", 1},  // a substitution
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"näme", "name", 1}, // one rune, not two bytes
		{"名前", "名", 1},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// Properties of a metric, over every pair of a set of words that differ in
// small ways: symmetric, zero exactly when equal, and never more than the
// longer word's length nor less than the difference of the lengths.
func TestDistanceIsAMetric(t *testing.T) {
	words := []string{"", "a", "b", "ab", "ba", "abc", "acb", "model", "Model", "modle", "models",
		"systemPrompt", "systemprompt", "prompt", "näme", "name", "名前", "名", "--team", "team"}
	for _, a := range words {
		for _, b := range words {
			ab, ba := Distance(a, b), Distance(b, a)
			if ab != ba {
				t.Errorf("Distance(%q, %q) = %d but Distance(%q, %q) = %d", a, b, ab, b, a, ba)
			}
			if (ab == 0) != (a == b) {
				t.Errorf("Distance(%q, %q) = %d; zero must mean equal", a, b, ab)
			}
			la, lb := len([]rune(a)), len([]rune(b))
			if ab > max(la, lb) || ab < max(la-lb, lb-la) {
				t.Errorf("Distance(%q, %q) = %d, outside [%d, %d]", a, b, ab, max(la-lb, lb-la), max(la, lb))
			}
			for _, c := range words {
				if ac, cb := Distance(a, c), Distance(c, b); ab > ac+cb {
					t.Errorf("Distance(%q, %q) = %d > %d via %q", a, b, ab, ac+cb, c)
				}
			}
		}
	}
}

func TestClosest(t *testing.T) {
	cmds := []string{"agents", "runs", "threads", "knowledge", "eval", "apply", "plan", "export"}
	for _, tc := range []struct {
		typed      string
		candidates []string
		want       []string
	}{
		{"agnets", cmds, []string{"agents"}},
		{"AGENTS", cmds, []string{"agents"}},  // case is ignored
		{"plna", cmds, []string{"plan"}},      // two edits
		{"xyz", cmds, nil},                    // nothing near
		{"know", cmds, []string{"knowledge"}}, // too far, but a prefix
		{"e", cmds, nil},                      // one letter is no prefix hint
		{"ex", cmds, []string{"export"}},      // "eval" is 3 edits
		{"pan", []string{"plan", "pain", "man"}, []string{"plan", "pain", "man"}}, // ties keep candidate order
		{"pln", []string{"plan", "pl"}, []string{"plan", "pl"}},
		{"plam", []string{"pl", "plan"}, []string{"plan"}},           // the nearest only
		{"a", []string{"b", "c", "d", "e"}, []string{"b", "c", "d"}}, // at most three
		{"te", []string{"team", "text", "type", "tea"}, []string{"tea"}},
		{"syst", []string{"systemPrompt", "system"}, []string{"system"}},
		{"x", nil, nil},
		{"", []string{"ab", "abc"}, []string{"ab"}},
	} {
		if got := Closest(tc.typed, tc.candidates); !slices.Equal(got, tc.want) {
			t.Errorf("Closest(%q, %q) = %q, want %q", tc.typed, tc.candidates, got, tc.want)
		}
	}
}

func TestBest(t *testing.T) {
	known := []string{"contains", "not-contains", "regex", "equals"}
	for typed, want := range map[string]string{"contians": "contains", "regx": "regex", "REGEX": "regex", "zzz": "", "": ""} {
		if got := Best(typed, known); got != want {
			t.Errorf("Best(%q) = %q, want %q", typed, got, want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		close []string
		want  string
	}{
		{nil, ""},
		{[]string{"agents"}, "; did you mean agents?"},
		{[]string{"provider", "providerId"}, "; did you mean provider or providerId?"},
	} {
		if got := DidYouMean(tc.close); got != tc.want {
			t.Errorf("DidYouMean(%q) = %q, want %q", tc.close, got, tc.want)
		}
	}
}
