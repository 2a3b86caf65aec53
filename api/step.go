package api

import (
	"encoding/json"
	"math"
	"time"
)

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
	// A usage is an object with at least one of the three counts; decoding
	// into a map first tells {"totalTokens":0} (a usage) from {} or
	// {"other":1} (not one), which the value fields cannot.
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) != nil {
		return TokenUsage{}, false
	}
	_, p := fields["promptTokens"]
	_, c := fields["completionTokens"]
	_, t := fields["totalTokens"]
	var u TokenUsage
	if !p && !c && !t || json.Unmarshal(b, &u) != nil {
		return TokenUsage{}, false
	}
	return u, true
}

// Add returns the sum of two usages, field by field: a run's steps add up
// without nil checks (a count Make left out is 0).
func (u TokenUsage) Add(v TokenUsage) TokenUsage {
	return TokenUsage{
		PromptTokens:     u.PromptTokens + v.PromptTokens,
		CompletionTokens: u.CompletionTokens + v.CompletionTokens,
		TotalTokens:      u.TotalTokens + v.TotalTokens,
	}
}

// ExecutionTime returns the step's executionTimeMs as a duration (0 when
// Make left it out).
func (s Step) ExecutionTime() time.Duration { return msDuration(s.ExecutionTimeMs) }

// ExecutionTime returns the run's executionTimeMs as a duration (0 when
// Make left it out).
func (r RunAgentResult) ExecutionTime() time.Duration { return msDuration(r.ExecutionTimeMs) }

// msDuration converts Make's milliseconds (a JSON number, possibly
// fractional) to a Duration, rounded to the nanosecond.
func msDuration(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}
