// Package jsontext reads a JSON value as text for people: a string as its
// value, anything else as its JSON. Make's error fields are strings, but a
// server that sends a number or an object there must not make the value
// disappear; the SDK's APIError details and the sse package's ServerError
// both read their fields here.
package jsontext

import (
	"encoding/json"
	"strings"
)

// Of returns a JSON string's value, or any other JSON value's text; "" for
// an absent value or null.
func Of(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}
