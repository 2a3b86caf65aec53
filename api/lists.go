package api

import (
	"encoding/json"

	"github.com/makeagents/makeagents-go/internal/lists"
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
	return lists.Decode(b, (*[]Agent)(l), "agent list", "agents", "id")
}

// MarshalJSON implements json.Marshaler: always a JSON array, never null.
func (l AgentList) MarshalJSON() ([]byte, error) { return encodeList([]Agent(l)) }

// UnmarshalJSON implements json.Unmarshaler; see ContextList for the accepted shapes.
func (l *ContextList) UnmarshalJSON(b []byte) error {
	return lists.Decode(b, (*[]AgentContext)(l), "context list", "contexts", "id")
}

// MarshalJSON implements json.Marshaler: always a JSON array, never null.
func (l ContextList) MarshalJSON() ([]byte, error) { return encodeList([]AgentContext(l)) }

// UnmarshalJSON implements json.Unmarshaler; see LLMProviderDetails for the accepted shapes.
func (l *LLMProviderDetails) UnmarshalJSON(b []byte) error {
	return lists.Decode(b, (*[]LLMProviderSummary)(l), "llm provider", "providers", "id")
}

// MarshalJSON implements json.Marshaler: always a JSON array, never null.
func (l LLMProviderDetails) MarshalJSON() ([]byte, error) {
	return encodeList([]LLMProviderSummary(l))
}

func encodeList[T any](list []T) ([]byte, error) {
	if list == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(list)
}
