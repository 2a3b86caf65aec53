package fakeapi

import "encoding/json"

// AgentList is the listAgents 200 body. openapi.yaml names its Go type with
// `x-go-type: AgentList` so that package api can hand-write a tolerant decoder
// for the shapes Make might send; the fake only ever sends the declared shape,
// a JSON array, so a plain slice is enough here. It encodes nil as [] because
// the schema says array, and null is not one.
type AgentList []Agent

// MarshalJSON implements json.Marshaler: always a JSON array, never null.
func (l AgentList) MarshalJSON() ([]byte, error) {
	if l == nil {
		l = AgentList{}
	}
	return json.Marshal([]Agent(l))
}
