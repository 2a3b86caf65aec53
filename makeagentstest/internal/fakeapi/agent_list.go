package fakeapi

// AgentList is the listAgents 200 body. openapi.yaml names its Go type with
// `x-go-type: AgentList` so that package api can hand-write a tolerant decoder
// for the shapes Make might send; the fake only ever sends the declared shape,
// a JSON array, so a plain slice is enough here. Note that the generated
// writer encodes ListAgents200JSONResponse, a distinct type, so methods on
// AgentList would not apply to it: the fake must never hand it a nil slice.
type AgentList []Agent
