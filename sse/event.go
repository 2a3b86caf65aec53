package sse

import (
	"fmt"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/sse/internal/stepjson"
)

// Event types with a meaning to this package. Any other type is passed
// through to the caller unchanged.
const (
	// TypeStep is the one event type Make documents: its data is a Step.
	TypeStep = "step"
	// TypeMessage is the type of an event that has no event field, as the
	// SSE standard says.
	TypeMessage = "message"
	// TypeError ends the stream with a *ServerError instead of being
	// delivered.
	TypeError = "error"
)

// Event is one dispatched Server-Sent Event. Data is kept raw: decoding it
// costs about as much as parsing the event, so it is done only on request
// (see Step).
type Event struct {
	// Type is the event field, or "message" when the event had none.
	Type string
	// ID is the event's own id field ("" when it had none). It is not the
	// step's id inside Data.
	ID string
	// Data is the event's data lines joined with "\n".
	Data []byte
	// Retry is the event's retry field (a reconnection delay). This package
	// never reconnects, since that would run the agent again; the value is
	// passed on for callers that want it. 0 when absent or not a number.
	Retry time.Duration
}

// Step decodes the data of a step event into the fields the spec knows
// (role, content, tool calls and responses, token usage, ids). Fields Make
// adds later are not in api.Step; they stay in e.Data, which is never
// changed. The result is exactly what encoding/json gives, at about a
// quarter of its cost for the steps Make sends (sse/internal/stepjson).
func (e Event) Step() (api.Step, error) {
	if e.Type != TypeStep {
		return api.Step{}, fmt.Errorf("sse: event type %q is not %q", e.Type, TypeStep)
	}
	s, err := stepjson.Decode(e.Data)
	if err != nil {
		return s, fmt.Errorf("sse: decoding step event %q: %w", e.ID, err)
	}
	return s, nil
}
