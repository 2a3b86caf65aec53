package makeagentstest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// The deterministic agent. A run replays the conversation the way Make's
// stream shows it, one step per message: the agent's system prompt with the
// current time appended (as in Make's published example event), then every
// message of the request, then the agent's answer, which quotes the last
// user message so a test can see its input reached the agent. The same
// requests in the same order give the same ids and text on every run (with
// a fixed clock, WithClock, the same bytes).

// timeLayout is the system step's timestamp format, as in Make's example
// "Current time (ISO): 2025-06-26T01:42:30.080-06:00".
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// run is one execution of the deterministic agent, fully planned before
// anything is sent.
type run struct {
	steps       []fakeapi.Step
	eventIDs    []string // SSE ids, one per step, never equal to the step's id
	answer      string
	threadID    string
	executionID string
	usage       fakeapi.Usage
}

// Answer is the text the deterministic agent answers to the user message
// text, for tests that compare a run's output with what they expect.
func Answer(agentName, text string) string {
	return `You said: "` + text + `". This is ` + agentName +
		`, a deterministic makeagentstest agent: it repeats what it is told and calls no model.`
}

// plan builds the run of agent a for the request body. It takes s.mu for
// the ids.
func (s *Server) plan(a fakeapi.Agent, body fakeapi.RunAgentRequest) run {
	s.mu.Lock()
	defer s.mu.Unlock()
	iteration := s.store.newID("iteration")
	r := run{executionID: s.store.newID("execution")}
	if body.ThreadID != nil && *body.ThreadID != "" {
		r.threadID = *body.ThreadID
	} else {
		r.threadID = s.store.newID("thread")
	}
	add := func(role, content string) {
		r.steps = append(r.steps, fakeapi.Step{
			Role:             role,
			Content:          content,
			ID:               s.store.newID("step"),
			AgentIterationID: iteration,
		})
		r.eventIDs = append(r.eventIDs, s.store.newID("event"))
	}
	add("system", a.SystemPrompt+"\nCurrent time (ISO): "+s.cfg.clock().Format(timeLayout))
	lastUser := ""
	for _, m := range body.Messages {
		add(string(m.Role), m.Content)
		if m.Role == fakeapi.MessageRoleUser {
			lastUser = m.Content
		}
	}
	r.answer = Answer(a.Name, lastUser)
	add("assistant", r.answer)

	var in int64
	for _, st := range r.steps[:len(r.steps)-1] {
		in += int64(len(strings.Fields(st.Content)))
	}
	out := int64(len(strings.Fields(r.answer)))
	total := in + out
	r.usage = fakeapi.Usage{InputTokens: &in, OutputTokens: &out, TotalTokens: &total}
	return r
}

// lookup returns the agent a run addresses, if it exists in the team.
func (s *Server) lookup(teamID int64, id string) (fakeapi.Agent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.get(teamID, id)
}

// pause waits d, or less if the request ends or the server closes; it
// reports whether the full wait happened.
func (s *Server) pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// errServerClosed ends a run that was waiting when the server closed.
var errServerClosed = errors.New("makeagentstest: server closed during the run")

func (h handlers) RunAgent(ctx context.Context, req fakeapi.RunAgentRequestObject) (fakeapi.RunAgentResponseObject, error) {
	a, ok := h.s.lookup(req.Params.TeamID, req.AgentID)
	if !ok {
		return fakeapi.RunAgent404JSONResponse{NotFoundJSONResponse: notFound()}, nil
	}
	r := h.s.plan(a, *req.Body)
	// A plain run takes as long as its stream would, so a slow agent can be
	// simulated for both.
	if !h.s.pause(ctx, time.Duration(len(r.steps)-1)*h.s.cfg.stepDelay) {
		return nil, errServerClosed
	}
	answer := any(r.answer)
	return fakeapi.RunAgent200JSONResponse(fakeapi.RunAgentResult{
		Response:    &answer,
		Steps:       &r.steps,
		Usage:       &r.usage,
		ThreadID:    &r.threadID,
		ExecutionID: &r.executionID,
	}), nil
}

// RunAgentStream answers with a text/event-stream body fed through a pipe
// by a producer goroutine. The generated writer flushes every chunk it reads
// from the pipe, and the producer writes one event per Write, so each event
// reaches the client as soon as it is written. The producer ends when the
// run is done, the client goes away (the pipe's reader is closed) or the
// server closes; Close waits for it.
func (h handlers) RunAgentStream(ctx context.Context, req fakeapi.RunAgentStreamRequestObject) (fakeapi.RunAgentStreamResponseObject, error) {
	a, ok := h.s.lookup(req.Params.TeamID, req.AgentID)
	if !ok {
		return fakeapi.RunAgentStream404JSONResponse{NotFoundJSONResponse: notFound()}, nil
	}
	r := h.s.plan(a, *req.Body)
	script := h.s.script(r)
	if script.deliberate {
		exchangeOf(ctx).deliberate.Store(true)
	}
	pr, pw := io.Pipe()
	h.s.inflight.Add(1)
	go func() {
		defer h.s.inflight.Done()
		pw.CloseWithError(h.s.play(ctx, pw, script))
	}()
	return fakeapi.RunAgentStream200TextEventStreamResponse{Body: pr}, nil
}

// encodeEvent writes one SSE event in the standard three-line form with a
// blank line after it.
func encodeEvent(eventType, id string, data []byte) []byte {
	var b strings.Builder
	b.WriteString("event: " + eventType + "\n")
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	b.WriteString("data: ")
	b.Write(data)
	b.WriteString("\n\n")
	return []byte(b.String())
}

// stepData is the JSON data of a step event.
func stepData(st fakeapi.Step) []byte {
	data, err := json.Marshal(st)
	if err != nil {
		panic("makeagentstest: encode step: " + err.Error()) // generated type; cannot fail
	}
	return data
}

// play writes the script to w, pausing WithStepDelay between writes. Its
// error, passed to CloseWithError, tells the response writer how the body
// ends: nil is a clean end, errDropConnection cuts the connection.
func (s *Server) play(ctx context.Context, w io.Writer, sc script) error {
	for i, item := range sc.items {
		if i > 0 && item.paced && !s.pause(ctx, s.cfg.stepDelay) {
			return nil
		}
		switch item.end {
		case endStall:
			select {
			case <-ctx.Done():
			case <-s.done:
			}
			return nil
		case endDrop:
			return errDropConnection
		}
		if _, err := w.Write(item.bytes); err != nil {
			return nil // the client went away; nothing left to tell it
		}
	}
	return nil
}
