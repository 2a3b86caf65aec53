// Package lists is the one decoder of a JSON list whatever shape a server
// gives it: the SDK's AgentList, ContextList and LLMProviderDetails and the
// conformance check's cleanup all read lists here.
package lists

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// WrapperKeys are the object keys under which a wrapped list is looked for,
// after the list's own key (e.g. "agents"), in this order.
var WrapperKeys = []string{"data", "items", "results"}

// Decode decodes b into *out whether it is an array, an object wrapping
// an array under ownKey or one of WrapperKeys, a single object (one
// element: unless idKey is "", it must have idKey, not null, so that {} or
// an unrelated object is not read as one empty element), or null (no
// elements). what names the list in errors.
func Decode[T any](b []byte, out *[]T, what, ownKey, idKey string) error {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return fmt.Errorf("decode %s: empty body", what)
	}
	switch trimmed[0] {
	case 'n':
		*out = nil
		return json.Unmarshal(trimmed, new(any))
	case '[':
		var list []T
		if err := json.Unmarshal(trimmed, &list); err != nil {
			return fmt.Errorf("decode %s: %w", what, err)
		}
		*out = list
		return nil
	case '{':
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &fields); err != nil {
			return fmt.Errorf("decode %s: %w", what, err)
		}
		for _, key := range append([]string{ownKey}, WrapperKeys...) {
			raw := bytes.TrimSpace(fields[key])
			if len(raw) == 0 || raw[0] != '[' {
				continue
			}
			var list []T
			if err := json.Unmarshal(raw, &list); err != nil {
				return fmt.Errorf("decode %s under %q: %w", what, key, err)
			}
			*out = list
			return nil
		}
		// No wrapper: a single element, as Make's list-agents example shows.
		if id := bytes.TrimSpace(fields[idKey]); idKey != "" && (len(id) == 0 || bytes.Equal(id, []byte("null"))) {
			return fmt.Errorf("decode %s: an object with neither a list (under %q or %q) nor the %q of a single element", what, ownKey, WrapperKeys, idKey)
		}
		var one T
		if err := json.Unmarshal(trimmed, &one); err != nil {
			return fmt.Errorf("decode %s (single-object form): %w", what, err)
		}
		*out = []T{one}
		return nil
	default:
		return fmt.Errorf("decode %s: want a JSON array or object, got %.20q", what, trimmed)
	}
}
