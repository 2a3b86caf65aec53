package mediatype

import (
	"mime"
	"testing"
)

func TestMediaTypes(t *testing.T) {
	for _, tc := range []struct {
		ct          string
		of          string
		json, event bool
	}{
		{"application/json", "application/json", true, false},
		{"Application/JSON; charset=utf-8", "application/json", true, false},
		{"application/problem+json", "application/problem+json", true, false},
		{"text/event-stream", "text/event-stream", false, true},
		{"text/event-stream;charset=UTF-8", "text/event-stream", false, true},
		{"text/html", "text/html", false, false},
		{"text/notjson", "text/notjson", false, false},
		{"application/jsonx", "application/jsonx", false, false},
		{"", "", false, false},
		{"text/event-stream; =broken", "", false, false},
		{"text//html", "", false, false},
		{"/json", "", false, false},
		{"application/", "", false, false},
		{" Text/Event-Stream ", "text/event-stream", false, true},
	} {
		if got := Of(tc.ct); got != tc.of {
			t.Errorf("Of(%q) = %q, want %q", tc.ct, got, tc.of)
		}
		if IsJSON(tc.ct) != tc.json || IsEventStream(tc.ct) != tc.event {
			t.Errorf("%q: IsJSON %v IsEventStream %v, want %v %v", tc.ct, IsJSON(tc.ct), IsEventStream(tc.ct), tc.json, tc.event)
		}
	}
}

// Of agrees with mime.ParseMediaType, which it only skips for bare types.
func FuzzOf(f *testing.F) {
	for _, s := range []string{"application/json", "text/event-stream; charset=utf-8", "a/b/c", "x/y;", " A/B ", "a/\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _, err := mime.ParseMediaType(s)
		if err != nil {
			want = ""
		}
		if got := Of(s); got != want {
			t.Errorf("Of(%q) = %q, mime.ParseMediaType says %q (%v)", s, got, want, err)
		}
	})
}
