package api

import (
	"encoding/json"
	"strings"
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
		if t := jsonText(raw); t != "" {
			return []string{t}
		}
		return nil
	}
	var out []string
	for _, it := range items {
		if t := jsonText(it); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Text returns the detail as one readable string, lines joined by "; ".
func (d ErrorDetail) Text() string { return strings.Join(d.Lines(), "; ") }

// jsonText returns a JSON string's value, or any other JSON value's text.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}
