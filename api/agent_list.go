package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// AgentList is the body of a successful listAgents call: the team's agents.
//
// openapi.yaml declares the body as a JSON array of agents, but Make's
// published reference shows a single agent object, and wrappers such as
// {"agents":[...]} are plausible for a beta API. AgentList decodes all of
// them, so a server that follows either the spec or the upstream page works:
//
//   - [ {agent}, ... ]                 the declared form
//   - {"agents": [ ... ]} or {"data": [ ... ]}  a wrapper object
//   - {agent}                          one agent, as the upstream example shows
//   - null                             no agents
//
// It always encodes as a plain array.
type AgentList []Agent

// listWrapperKeys are the object keys under which a wrapped list is looked
// for, in order.
var listWrapperKeys = []string{"agents", "data", "items", "results"}

// UnmarshalJSON implements json.Unmarshaler; see AgentList for the accepted shapes.
func (l *AgentList) UnmarshalJSON(b []byte) error {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return fmt.Errorf("api: decode agent list: empty body")
	}
	switch trimmed[0] {
	case 'n':
		*l = nil
		return json.Unmarshal(trimmed, new(any))
	case '[':
		var agents []Agent
		if err := json.Unmarshal(trimmed, &agents); err != nil {
			return fmt.Errorf("api: decode agent list: %w", err)
		}
		*l = agents
		return nil
	case '{':
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &fields); err != nil {
			return fmt.Errorf("api: decode agent list: %w", err)
		}
		for _, key := range listWrapperKeys {
			raw, ok := fields[key]
			if !ok {
				continue
			}
			raw = bytes.TrimSpace(raw)
			if len(raw) > 0 && raw[0] == '[' {
				var agents []Agent
				if err := json.Unmarshal(raw, &agents); err != nil {
					return fmt.Errorf("api: decode agent list under %q: %w", key, err)
				}
				*l = agents
				return nil
			}
		}
		// No wrapper: the upstream page's single-agent form.
		var one Agent
		if err := json.Unmarshal(trimmed, &one); err != nil {
			return fmt.Errorf("api: decode agent list (single-agent form): %w", err)
		}
		*l = AgentList{one}
		return nil
	default:
		return fmt.Errorf("api: decode agent list: want a JSON array or object, got %.20q", trimmed)
	}
}

// MarshalJSON implements json.Marshaler: always a JSON array, never null.
func (l AgentList) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]Agent(l))
}
