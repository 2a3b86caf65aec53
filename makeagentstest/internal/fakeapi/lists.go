package fakeapi

// AgentList, ContextList and LLMProviderDetails are the list bodies that
// openapi.yaml names with x-go-type so that package api can hand-write a
// tolerant decoder for the shapes Make might send; the fake only ever sends
// the declared shape, a JSON array, so plain slices are enough here. The
// generated writers encode their own response types (e.g.
// ListAgents200JSONResponse), so methods here would not apply to them: the
// fake must never hand them a nil slice, which would go out as null.
type (
	AgentList          []Agent
	ContextList        []AgentContext
	LLMProviderDetails []LLMProviderSummary
)
