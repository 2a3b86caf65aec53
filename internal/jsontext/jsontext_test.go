package jsontext

import "testing"

func TestOf(t *testing.T) {
	for raw, want := range map[string]string{
		``: "", `null`: "", `"text"`: "text", `"a\nb"`: "a\nb", `42`: "42", ` {"x":1} `: `{"x":1}`, `["a"]`: `["a"]`,
	} {
		if got := Of([]byte(raw)); got != want {
			t.Errorf("Of(%q) = %q, want %q", raw, got, want)
		}
	}
}
