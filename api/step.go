package api

import "encoding/json"

// Usage returns the step's token usage. Make leaves Step.tokenUsage untyped
// in its spec (its example is {promptTokens, completionTokens, totalTokens});
// Usage reads that shape and reports false when the step has no usage or it
// has another shape, which stays reachable in TokenUsage as decoded.
func (s Step) Usage() (TokenUsage, bool) {
	if s.TokenUsage == nil {
		return TokenUsage{}, false
	}
	b, err := json.Marshal(s.TokenUsage)
	if err != nil {
		return TokenUsage{}, false
	}
	var u TokenUsage
	if json.Unmarshal(b, &u) != nil || (u.PromptTokens == nil && u.CompletionTokens == nil && u.TotalTokens == nil) {
		return TokenUsage{}, false
	}
	return u, true
}
