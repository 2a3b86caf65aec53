package sse

import (
	"slices"

	"github.com/makeagents/makeagents-go/api"
)

// Transcript is what one streamed run said: the same answer a caller of the
// plain run endpoint gets, built from the stream's events.
type Transcript struct {
	// Steps are the step events' data, in the order they arrived.
	Steps []api.Step
	// Iterations groups Steps by agentIterationId, in the order each
	// iteration was first seen. Steps without an agentIterationId form an
	// iteration with an empty ID.
	Iterations []Iteration
	// Other holds the events of any type other than step, in the order they
	// arrived: Make documents none, so they are kept rather than dropped.
	Other []Event
}

// Iteration is the steps of one agent iteration.
type Iteration struct {
	// ID is the steps' agentIterationId.
	ID    string
	Steps []api.Step
}

// FinalAnswer returns the content of the last assistant step, or "" when
// there is none.
func (t Transcript) FinalAnswer() string {
	for i := len(t.Steps) - 1; i >= 0; i-- {
		if t.Steps[i].Role == api.StepRoleAssistant {
			return t.Steps[i].Content
		}
	}
	return ""
}

// ToolCalls returns every tool call the agent made (the toolCalls of its
// assistant steps), in order.
func (t Transcript) ToolCalls() []api.ToolCall {
	var out []api.ToolCall
	for _, st := range t.Steps {
		out = append(out, st.ToolCalls...)
	}
	return out
}

// ToolResponses returns what the tools answered (the toolResponse of each
// tool step), in order.
func (t Transcript) ToolResponses() []api.ToolResponse {
	var out []api.ToolResponse
	for _, st := range t.Steps {
		if st.ToolResponse != nil {
			out = append(out, *st.ToolResponse)
		}
	}
	return out
}

// Usage sums the token usage of the steps that report one (see
// api.Step.Usage). A stream carries no run-level summary, unlike the plain
// run's tokenUsageSummary; this is the same total built from the steps.
func (t Transcript) Usage() api.TokenUsage {
	var sum api.TokenUsage
	for _, st := range t.Steps {
		if u, ok := st.Usage(); ok {
			sum = sum.Add(u)
		}
	}
	return sum
}

// Accumulator folds the events of one run into a Transcript as they arrive,
// for callers that show the events live and want the transcript at the end.
// Its zero value is ready to use.
type Accumulator struct {
	t     Transcript
	index map[string]int // agentIterationId -> position in t.Iterations
}

// Add folds one event in. A step event whose data is not a step is an error
// and is not added; an error event returns its *ServerError; any other
// event is kept in Other.
func (a *Accumulator) Add(e Event) error {
	switch e.Type {
	case TypeStep:
		st, err := e.Step()
		if err != nil {
			return err
		}
		a.t.Steps = append(a.t.Steps, st)
		if a.index == nil {
			a.index = make(map[string]int)
		}
		iteration := st.AgentIterationID
		i, ok := a.index[iteration]
		if !ok {
			i = len(a.t.Iterations)
			a.index[iteration] = i
			a.t.Iterations = append(a.t.Iterations, Iteration{ID: iteration})
		}
		a.t.Iterations[i].Steps = append(a.t.Iterations[i].Steps, st)
	case TypeError:
		return newServerError(e)
	default:
		a.t.Other = append(a.t.Other, e)
	}
	return nil
}

// Transcript returns the transcript so far. It does not share its slices
// with the Accumulator, so adding more events later does not change it.
func (a *Accumulator) Transcript() Transcript {
	t := Transcript{
		Steps:      slices.Clone(a.t.Steps),
		Iterations: slices.Clone(a.t.Iterations),
		Other:      slices.Clone(a.t.Other),
	}
	for i := range t.Iterations {
		t.Iterations[i].Steps = slices.Clone(t.Iterations[i].Steps)
	}
	return t
}

// Collect reads s to its end, closes it and returns the transcript. On an
// error it returns the transcript of the events read before it, with the
// error.
func Collect(s *Stream) (Transcript, error) {
	defer s.Close()
	var a Accumulator
	for s.Next() {
		if err := a.Add(s.Event()); err != nil {
			return a.Transcript(), err
		}
	}
	return a.Transcript(), s.Err()
}
