package api

import (
	"encoding/json"
	"strings"

	"github.com/makeagents/makeagents-go/internal/jsontext"
)

// Lines returns Make's error detail as a list of lines: the one string when
// Make sent a string, the strings of the array when it sent an array (as its
// validation errors do). Entries that are not strings keep their JSON text,
// so nothing Make says is dropped; empty ones are left out. It returns nil
// when the detail is absent or empty. This is the one reading of detail: the
// sse package's ServerError uses it too.
func (d ErrorDetail) Lines() []string {
	raw := d.union
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		if t := jsontext.Of(raw); t != "" {
			return []string{t}
		}
		return nil
	}
	var out []string
	for _, it := range items {
		if t := jsontext.Of(it); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Text returns the detail as one readable string, lines joined by "; ".
func (d ErrorDetail) Text() string { return strings.Join(d.Lines(), "; ") }
