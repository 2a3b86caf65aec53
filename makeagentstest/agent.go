package makeagentstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// The deterministic agent. A run replays the conversation the way Make's
// run result and stream show it, one step per message: the agent's system
// prompt with the current time appended (as in Make's published example
// event), then every message of the request, then the agent's answer, which
// quotes the last user message so a test can see its input reached the
// agent. When the last user message mentions a "scenario" and the agent has
// one, the agent first calls it: an assistant step with a toolCalls entry,
// then a tool step with the toolResponse, as Make documents them. With a
// When a word of at least four letters in the last user message occurs in one
// of the agent's text contexts, the agent retrieves it (a rag tool call and
// its result) and cites the line in its answer (Citation). With a
// make-schema output parser (the run's config, else the agent's) the answer
// is JSON and the result carries it in jsonResponse. The same requests in
// the same order give the same ids and text on every run (with a fixed
// clock, WithClock, the same bytes).

// timeLayout is the system step's timestamp format, as in Make's example
// "Current time (ISO): 2025-06-26T01:42:30.080-06:00".
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// run is one execution of the deterministic agent, fully planned before
// anything is sent.
type run struct {
	steps        []fakeapi.Step
	eventIDs     []string // SSE ids, one per step, never equal to the step's id
	answer       string
	jsonResponse map[string]any
	threadID     string
	iteration    string
	usage        fakeapi.TokenUsage
}

// Answer is the text the deterministic agent answers to the user message
// text, for tests that compare a run's output with what they expect.
func Answer(agentName, text string) string {
	return `You said: "` + text + `". This is ` + agentName +
		`, a deterministic makeagentstest agent: it repeats what it is told and calls no model.`
}

// Citation is what the deterministic agent adds to its answer when the
// user's message names a word found in one of the agent's text contexts:
// the context's document name and the line of it that holds the word.
func Citation(documentName, excerpt string) string {
	return `From "` + documentName + `": "` + excerpt + `"`
}

// ScenarioResult is what a scenario called by the deterministic agent
// returns (the tool step's toolResponse.result), for tests that check a tool
// call's result arrived.
func ScenarioResult(scenarioID int64, message string) map[string]any {
	return map[string]any{"scenarioId": scenarioID, "status": "success", "echo": message}
}

// plan builds the run of agent a for the request body, or the 400 Make
// answers for a thread or model it does not know. It takes s.mu for the ids
// and the thread, which it extends by this run.
func (s *Server) plan(a fakeapi.Agent, body fakeapi.RunAgentRequest) (run, *fakeapi.BadRequestJSONResponse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if llm := body.Config.LLMConfig; llm != nil && llm.LLMModel != nil && a.MakeConnectionID != nil {
		if e, ok := connectionByID(*a.MakeConnectionID); ok {
			if bad := checkModel(e, "config.llmConfig.llmModel", *llm.LLMModel); bad != nil {
				return run{}, bad
			}
		}
	}
	var history []iteration
	threadID := ""
	if body.ThreadID != nil && *body.ThreadID != "" {
		// Make lets the caller name a thread (its Help Center suggests a
		// user id or a first message's timestamp): an id the team has no
		// thread of starts one under that id.
		threadID = *body.ThreadID
		past := s.store.thread(a.TeamID, threadID)
		history = past[len(past)-min(len(past), max(int(a.HistoryConfig.IterationsFromHistoryCount), 0)):]
	} else {
		threadID = s.store.newID("thread")
	}
	r := run{iteration: s.store.newID("iteration"), threadID: threadID}
	defer func() {
		s.store.extendThread(a.TeamID, threadID, iteration{messages: slices.Clone(body.Messages), answer: r.answer})
	}()
	add := func(st fakeapi.Step) {
		id, index, iteration := s.store.newID("step"), float64(len(r.steps)+1), r.iteration
		st.ID, st.Index, st.AgentIterationID = &id, &index, &iteration
		ms := float64(len(st.Content)%97 + 1) // deterministic, non-zero
		st.ExecutionTimeMs = &ms
		r.steps = append(r.steps, st)
		r.eventIDs = append(r.eventIDs, s.store.newID("event"))
	}
	prompt := a.SystemPrompt
	if body.Config.SystemPrompt != nil && *body.Config.SystemPrompt != "" {
		prompt = *body.Config.SystemPrompt
	}
	if body.Config.AdditionalSystemPrompt != nil && *body.Config.AdditionalSystemPrompt != "" {
		prompt += "\n" + *body.Config.AdditionalSystemPrompt
	}
	add(fakeapi.Step{Role: fakeapi.StepRoleSystem, Content: prompt + "\nCurrent time (ISO): " + s.cfg.clock().Format(timeLayout)})
	// The thread's earlier iterations come before the new messages, as the
	// model sees them: they count as prompt tokens.
	for _, it := range history {
		for _, m := range it.messages {
			add(fakeapi.Step{Role: fakeapi.StepRole(m.Role), Content: m.Content})
		}
		add(fakeapi.Step{Role: fakeapi.StepRoleAssistant, Content: it.answer})
	}
	lastUser := ""
	for _, m := range body.Messages {
		add(fakeapi.Step{Role: fakeapi.StepRole(m.Role), Content: m.Content})
		if m.Role == fakeapi.MessageRoleUser {
			lastUser = m.Content
		}
	}
	var prompted int64
	for _, st := range r.steps {
		prompted += words(st.Content)
	}
	scenarios := a.Scenarios
	if body.Config.Scenarios != nil {
		scenarios = body.Config.Scenarios
	}
	if len(scenarios) > 0 && strings.Contains(strings.ToLower(lastUser), "scenario") {
		sc := scenarios[0]
		name := scenarioToolName(a.TeamID, sc.MakeScenarioID)
		callID := s.store.newID("call")
		add(fakeapi.Step{Role: fakeapi.StepRoleAssistant, Content: "", TokenUsage: usageOf(prompted, 1), ToolCalls: []fakeapi.ToolCall{{
			ID: &callID, Name: name, ToolType: fakeapi.ToolTypeScenario, Arguments: map[string]any{"message": lastUser},
		}}})
		result := ScenarioResult(sc.MakeScenarioID, lastUser)
		text, _ := json.Marshal(result)
		link := fmt.Sprintf("https://make.invalid/scenarios/%d/executions/%s", sc.MakeScenarioID, s.store.newID("execution"))
		add(fakeapi.Step{Role: fakeapi.StepRoleTool, Content: string(text), ToolResponse: &fakeapi.ToolResponse{
			Name: &name, Result: result, Status: fakeapi.ToolResponseStatusOk, ToolType: fakeapi.ToolTypeScenario, ExecutionLink: &link,
		}})
		prompted += 1 + words(string(text))
	}
	r.answer = Answer(a.Name, lastUser)
	if doc, excerpt, word, ok := s.store.cite(a, lastUser); ok {
		// The knowledge arrives as Make shows retrieval: a rag tool call and
		// its result, then an answer that cites it.
		callID := s.store.newID("call")
		add(fakeapi.Step{Role: fakeapi.StepRoleAssistant, Content: "", TokenUsage: usageOf(prompted, 1), ToolCalls: []fakeapi.ToolCall{{
			ID: &callID, Name: "knowledge", ToolType: fakeapi.ToolTypeRag, Arguments: map[string]any{"query": word},
		}}})
		result := map[string]any{"documentName": doc, "excerpt": excerpt}
		text, _ := json.Marshal(result)
		add(fakeapi.Step{Role: fakeapi.StepRoleTool, Content: string(text), ToolResponse: &fakeapi.ToolResponse{
			Name: new("knowledge"), Result: result, Status: fakeapi.ToolResponseStatusOk, ToolType: fakeapi.ToolTypeRag,
		}})
		prompted += 1 + words(string(text))
		r.answer += " " + Citation(doc, excerpt)
	}
	parser := a.OutputParser
	if body.Config.OutputParser != nil {
		parser = body.Config.OutputParser
	}
	if fields := makeSchema(parser); fields != nil {
		r.jsonResponse = structuredAnswer(fields, lastUser, s.now())
		b, _ := json.Marshal(r.jsonResponse)
		r.answer = string(b)
	}
	completion := words(r.answer)
	add(fakeapi.Step{Role: fakeapi.StepRoleAssistant, Content: r.answer, TokenUsage: usageOf(prompted, completion)})
	r.usage = *usageOf(0, 0)
	for _, st := range r.steps {
		if u, ok := st.TokenUsage.(*fakeapi.TokenUsage); ok {
			*r.usage.PromptTokens += *u.PromptTokens
			*r.usage.CompletionTokens += *u.CompletionTokens
			*r.usage.TotalTokens += *u.TotalTokens
		}
	}
	return r, nil
}

// words is the fake's token count: whitespace-separated words. Counted
// without strings.Fields, whose slice of a long message costs more than it.
func words(s string) int64 {
	var n int64
	for range strings.FieldsSeq(s) {
		n++
	}
	return n
}

func usageOf(prompt, completion int64) *fakeapi.TokenUsage {
	total := prompt + completion
	return &fakeapi.TokenUsage{PromptTokens: &prompt, CompletionTokens: &completion, TotalTokens: &total}
}

// makeSchema returns the fields of a make-schema output parser, nil for any
// other parser or none.
func makeSchema(p *fakeapi.OutputParser) []fakeapi.SchemaField {
	if p == nil {
		return nil
	}
	if kind, err := p.Discriminator(); err != nil || kind != string(fakeapi.OutputParserMakeSchemaTypeMakeSchema) {
		return nil
	}
	ms, err := p.AsOutputParserMakeSchema()
	if err != nil {
		return nil
	}
	return ms.Schema
}

// structuredAnswer fills each field of a make-schema output with a value of
// its type derived from the user's message: integers and uintegers count
// its words, a number is that count plus a half (so an integer decoder
// would notice), a date is the server's clock, a collection fills the
// fields of its spec and an array holds one item per word (at most three)
// of its spec's type.
func structuredAnswer(fields []fakeapi.SchemaField, message string, now time.Time) map[string]any {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		out[f.Name] = schemaValue(string(f.Type), f.Spec, message, now)
	}
	return out
}

func schemaValue(typ string, spec *fakeapi.SchemaFieldSpec, message string, now time.Time) any {
	nested := func() (list []fakeapi.NestedSchemaField, one *fakeapi.NestedSchemaField) {
		if spec == nil {
			return nil, nil
		}
		if l, err := spec.AsNestedSchemaFieldList(); err == nil {
			return l, nil
		}
		if n, err := spec.AsNestedSchemaField(); err == nil && n.Type != nil {
			return nil, &n
		}
		return nil, nil
	}
	collection := func(list []fakeapi.NestedSchemaField, message string) map[string]any {
		m := make(map[string]any, len(list))
		for _, n := range list {
			if n.Name != nil && n.Type != nil {
				m[*n.Name] = schemaValue(*n.Type, nil, message, now)
			}
		}
		return m
	}
	switch fakeapi.SchemaFieldType(typ) {
	case fakeapi.SchemaFieldTypeInteger, fakeapi.SchemaFieldTypeUinteger:
		return words(message)
	case fakeapi.SchemaFieldTypeNumber:
		return float64(words(message)) + 0.5
	case fakeapi.SchemaFieldTypeBoolean:
		return message != ""
	case fakeapi.SchemaFieldTypeDate:
		return now.UTC().Format(timeLayout)
	case fakeapi.SchemaFieldTypeArray:
		items := strings.Fields(message)
		list, one := nested()
		if list == nil && one == nil {
			return items
		}
		items = items[:min(len(items), 3)]
		out := make([]any, 0, len(items))
		for _, w := range items {
			if list != nil {
				out = append(out, collection(list, w))
			} else {
				out = append(out, schemaValue(*one.Type, nil, w, now))
			}
		}
		return out
	case fakeapi.SchemaFieldTypeCollection:
		if list, _ := nested(); list != nil {
			return collection(list, message)
		}
		return map[string]any{"message": message}
	case fakeapi.SchemaFieldTypeDynamicCollection, fakeapi.SchemaFieldTypeJSON:
		return map[string]any{"message": message}
	default:
		return message
	}
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
	r, bad := h.s.plan(a, *req.Body)
	if bad != nil {
		return fakeapi.RunAgent400JSONResponse{BadRequestJSONResponse: *bad}, nil
	}
	// A plain run takes as long as its stream would, so a slow agent can be
	// simulated for both.
	if !h.s.pause(ctx, time.Duration(len(r.steps)-1)*h.s.cfg.stepDelay) {
		return nil, errServerClosed
	}
	took := 0.0
	for _, st := range r.steps {
		took += *st.ExecutionTimeMs
	}
	last := r.iteration
	return fakeapi.RunAgent200JSONResponse(fakeapi.RunAgentResult{
		Response:             r.answer,
		JSONResponse:         r.jsonResponse,
		ExecutionSteps:       r.steps,
		ExecutionTimeMs:      &took,
		ThreadID:             r.threadID,
		TokenUsageSummary:    r.usage,
		LastAgentIterationID: &last,
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
	r, bad := h.s.plan(a, *req.Body)
	if bad != nil {
		return fakeapi.RunAgentStream400JSONResponse{BadRequestJSONResponse: *bad}, nil
	}
	script := h.s.script(r, exchangeOf(ctx).prefer)
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

// encodeEvent writes one SSE event as Make's published example does:
// "event:step", "id:..." and "data:..." lines with no space after the colon,
// and a blank line after it (see script for the last event, which Make ends
// without one).
func encodeEvent(eventType, id string, data []byte) []byte {
	var b strings.Builder
	b.WriteString("event:" + eventType + "\n")
	if id != "" {
		b.WriteString("id:" + id + "\n")
	}
	b.WriteString("data:")
	b.Write(data)
	b.WriteString("\n\n")
	return []byte(b.String())
}

// stepData is the JSON data of a step event, with its fields in the order
// of Make's published example event (role, content, id, agentIterationId,
// then the fields its run result adds) rather than the generated encoder's
// alphabetical order, so the bytes look like Make's.
func stepData(st fakeapi.Step) []byte {
	data, err := json.Marshal(struct {
		Role             fakeapi.StepRole      `json:"role"`
		Content          string                `json:"content"`
		ID               *string               `json:"id,omitempty"`
		Index            *float64              `json:"index,omitempty"`
		ExecutionTimeMs  *float64              `json:"executionTimeMs,omitempty"`
		TokenUsage       any                   `json:"tokenUsage,omitempty"`
		ToolCalls        []fakeapi.ToolCall    `json:"toolCalls,omitempty"`
		ToolResponse     *fakeapi.ToolResponse `json:"toolResponse,omitempty"`
		AgentIterationID *string               `json:"agentIterationId,omitempty"`
	}{st.Role, st.Content, st.ID, st.Index, st.ExecutionTimeMs, st.TokenUsage, st.ToolCalls, st.ToolResponse, st.AgentIterationID})
	if err != nil {
		panic("makeagentstest: encode step: " + err.Error()) // plain data; cannot fail
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
		if err := writeItem(w, item); err != nil {
			return nil // the client went away; nothing left to tell it
		}
	}
	return nil
}
