package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// AgentList is the body of a successful listAgents call: the team's agents.
//
// openapi.yaml declares the body as a JSON array of agents, but Make's
// published spec shows a single agent object, and wrappers such as
// {"agents":[...]} are plausible for a beta API. AgentList decodes all of
// them, so a server that follows either the spec or Make's page works:
//
//   - [ {agent}, ... ]                              the declared form
//   - {"agents"|"data"|"items"|"results": [ ... ]}  a wrapper object
//   - {agent}                                       one agent, as Make's example shows
//   - null                                          no agents
//
// It always encodes as a plain array.
type AgentList []Agent

// ContextList is the body of a successful listContexts call: an agent's
// knowledge contexts. Make declares no schema for it; it decodes the same
// shapes as AgentList (an array, a wrapper under "contexts" or one of
// AgentList's keys, a single object, null) and encodes as an array.
type ContextList []AgentContext

// LLMProviderDetails is the body of a successful getLLMProvider call. Make
// documents an array (of one provider); a single object decodes too, as do
// the wrappers AgentList accepts. It encodes as an array.
type LLMProviderDetails []LLMProviderSummary

// UnmarshalJSON implements json.Unmarshaler; see AgentList for the accepted shapes.
func (l *AgentList) UnmarshalJSON(b []byte) error {
	return decodeList(b, (*[]Agent)(l), "agent list", "agents")
}

// MarshalJSON implements json.Marshaler: always a JSON array, never null.
func (l AgentList) MarshalJSON() ([]byte, error) { return encodeList([]Agent(l)) }

// UnmarshalJSON implements json.Unmarshaler; see ContextList for the accepted shapes.
func (l *ContextList) UnmarshalJSON(b []byte) error {
	return decodeList(b, (*[]AgentContext)(l), "context list", "contexts")
}

// MarshalJSON implements json.Marshaler: always a JSON array, never null.
func (l ContextList) MarshalJSON() ([]byte, error) { return encodeList([]AgentContext(l)) }

// UnmarshalJSON implements json.Unmarshaler; see LLMProviderDetails for the accepted shapes.
func (l *LLMProviderDetails) UnmarshalJSON(b []byte) error {
	return decodeList(b, (*[]LLMProviderSummary)(l), "llm provider", "providers")
}

// MarshalJSON implements json.Marshaler: always a JSON array, never null.
func (l LLMProviderDetails) MarshalJSON() ([]byte, error) {
	return encodeList([]LLMProviderSummary(l))
}

// ListWrapperKeys are the object keys under which a wrapped list is looked
// for, after the list's own key (e.g. "agents"), in this order. It is the
// one list of them: the decoders here and the conformance report use it.
var ListWrapperKeys = []string{"data", "items", "results"}

// decodeList decodes b into *out whether it is an array, an object wrapping
// an array under ownKey or one of ListWrapperKeys, a single object (one
// element), or null (no elements). what names the list in errors.
func decodeList[T any](b []byte, out *[]T, what, ownKey string) error {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return fmt.Errorf("api: decode %s: empty body", what)
	}
	switch trimmed[0] {
	case 'n':
		*out = nil
		return json.Unmarshal(trimmed, new(any))
	case '[':
		var list []T
		if err := json.Unmarshal(trimmed, &list); err != nil {
			return fmt.Errorf("api: decode %s: %w", what, err)
		}
		*out = list
		return nil
	case '{':
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &fields); err != nil {
			return fmt.Errorf("api: decode %s: %w", what, err)
		}
		for _, key := range append([]string{ownKey}, ListWrapperKeys...) {
			raw := bytes.TrimSpace(fields[key])
			if len(raw) == 0 || raw[0] != '[' {
				continue
			}
			var list []T
			if err := json.Unmarshal(raw, &list); err != nil {
				return fmt.Errorf("api: decode %s under %q: %w", what, key, err)
			}
			*out = list
			return nil
		}
		// No wrapper: a single element, as Make's list-agents example shows.
		var one T
		if err := json.Unmarshal(trimmed, &one); err != nil {
			return fmt.Errorf("api: decode %s (single-object form): %w", what, err)
		}
		*out = []T{one}
		return nil
	default:
		return fmt.Errorf("api: decode %s: want a JSON array or object, got %.20q", what, trimmed)
	}
}

func encodeList[T any](list []T) ([]byte, error) {
	if list == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(list)
}
