package makeagentstest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// TestStreamEvents checks the events of one streamed run byte by byte
// against what Make's stream is known to look like: `step` events replaying
// system prompt (with the current time), the user message and the answer,
// each with an SSE id different from its data.id, all sharing one
// agentIterationId.
func TestStreamEvents(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithClock(fixedClock))
	c := newClient(t, s)
	id := createAgent(t, c, "weather", "do what user says")
	resp := streamRequest(context.Background(), t, s, id,
		`{"messages":[{"role":"user","content":"What is the weather in Prague?"},{"role":"assistant","content":"Which day?"},{"role":"user","content":"Today"}],"config":{}}`)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events, rest, err := readAll(resp.Body)
	if err != nil || len(rest) != 0 {
		t.Fatalf("stream ended with %v and %q pending; want a clean end between events", err, rest)
	}
	wantRoles := []api.StepRole{"system", "user", "assistant", "user", "assistant"}
	wantContent := []string{
		"do what user says\nCurrent time (ISO): 2025-06-26T01:42:30.080-06:00",
		"What is the weather in Prague?", "Which day?", "Today",
		makeagentstest.Answer("weather", "Today"),
	}
	if len(events) != len(wantRoles) {
		t.Fatalf("%d events, want %d", len(events), len(wantRoles))
	}
	// Field order as in Make's example event, so the bytes look like Make's.
	if !strings.HasPrefix(events[0].Data, `{"role":"system","content":"do what user says\nCurrent time (ISO): `) {
		t.Errorf("first event data %s", events[0].Data)
	}
	seen := map[string]bool{}
	iteration := ""
	for i, ev := range events {
		st := decodeStep(t, ev.Data)
		if ev.Type != "step" || st.Role != wantRoles[i] || st.Content != wantContent[i] {
			t.Errorf("event %d: type %q role %q content %q; want step %q %q", i, ev.Type, st.Role, st.Content, wantRoles[i], wantContent[i])
		}
		if api.ValidateAgentID(ev.ID) != nil || api.ValidateAgentID(st.ID) != nil {
			t.Errorf("event %d: ids %q / %q are not UUIDs", i, ev.ID, st.ID)
		}
		if ev.ID == st.ID || seen[ev.ID] || seen[st.ID] {
			t.Errorf("event %d: SSE id %q and step id %q must differ and be unique", i, ev.ID, st.ID)
		}
		seen[ev.ID], seen[st.ID] = true, true
		if st.Index != float64(i+1) || st.ExecutionTimeMs == 0 {
			t.Errorf("event %d: index %v, executionTimeMs %v", i, st.Index, st.ExecutionTimeMs)
		}
		if i == 0 {
			iteration = st.AgentIterationID
		} else if st.AgentIterationID != iteration {
			t.Errorf("event %d: agentIterationId %q, want the run's %q", i, st.AgentIterationID, iteration)
		}
	}
}

// TestRunsAreDeterministicAndDistinct: the same requests on two servers give
// byte-identical streams; two runs on one server get different ids and
// iterations.
func TestRunsAreDeterministicAndDistinct(t *testing.T) {
	streams := make([][]string, 2)
	for i := range streams {
		s := makeagentstest.NewServer(t, makeagentstest.WithClock(fixedClock))
		id := createAgent(t, newClient(t, s), "a", "p")
		for range 2 {
			b, err := io.ReadAll(streamRequest(context.Background(), t, s, id, runBody).Body)
			if err != nil {
				t.Fatal(err)
			}
			streams[i] = append(streams[i], string(b))
		}
	}
	if streams[0][0] != streams[1][0] || streams[0][1] != streams[1][1] {
		t.Errorf("same requests, different streams:\n%s\n%s", streams[0][0], streams[1][0])
	}
	first, _, _ := readAll(strings.NewReader(streams[0][0]))
	second, _, _ := readAll(strings.NewReader(streams[0][1]))
	if decodeStep(t, first[0].Data).AgentIterationID == decodeStep(t, second[0].Data).AgentIterationID || first[0].ID == second[0].ID {
		t.Error("two runs share an agentIterationId or event ids")
	}
}

// TestRunResult: the plain run answers in Make's documented shape: the
// answer, the same steps the stream would show (executionSteps), token usage
// per step and in total, the thread and the last iteration.
func TestRunResult(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithClock(fixedClock))
	c := newClient(t, s)
	id := createAgent(t, c, "runner", "be brief")
	res, err := c.RunAgentWithResponse(context.Background(), id, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "ping"}},
	})
	if err != nil || res.StatusCode() != http.StatusOK {
		t.Fatalf("run: %v %d %s", err, res.StatusCode(), res.Body)
	}
	r := res.JSON200
	// Without a threadId the run starts a new thread and says which.
	thread := r.ThreadID
	if r.Response != makeagentstest.Answer("runner", "ping") || api.ValidateAgentID(thread) != nil || r.LastAgentIterationID == "" ||
		r.ExecutionTimeMs == 0 || r.JSONResponse != nil {
		t.Errorf("run result %s", res.Body)
	}
	steps := r.ExecutionSteps
	if len(steps) != 3 || steps[1].Content != "ping" || steps[0].AgentIterationID != steps[2].AgentIterationID ||
		steps[2].AgentIterationID != r.LastAgentIterationID || len(steps[2].ToolCalls) != 0 {
		t.Errorf("run steps %s", res.Body)
	}
	last, ok := steps[2].Usage()
	u := r.TokenUsageSummary
	if !ok || u.PromptTokens <= 0 || u.CompletionTokens <= 0 || u.TotalTokens != u.PromptTokens+u.CompletionTokens ||
		last.TotalTokens != u.TotalTokens {
		t.Errorf("usage %s", res.Body)
	}
	// A run with the threadId continues that thread.
	res, _ = c.RunAgentWithResponse(context.Background(), id, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "ping"}}, ThreadID: thread,
	})
	if res.JSON200 == nil || res.JSON200.ThreadID != thread {
		t.Errorf("run in thread %s: %s", thread, res.Body)
	}
	// A third run without one starts another thread.
	res, _ = c.RunAgentWithResponse(context.Background(), id, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "ping"}},
	})
	if res.JSON200 == nil || api.ValidateAgentID(res.JSON200.ThreadID) != nil || res.JSON200.ThreadID == thread {
		t.Errorf("new thread id %s", res.Body)
	}
}

// TestRunCallsAScenario: a message that asks for a scenario makes the agent
// call its first scenario, as Make shows a tool call: an assistant step
// with a toolCalls entry, then a tool step with the toolResponse. The same
// steps arrive in the stream.
func TestRunCallsAScenario(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithClock(fixedClock))
	c := newClient(t, s)
	created, err := c.CreateAgentWithResponse(context.Background(), &api.CreateAgentParams{TeamID: team}, api.CreateAgentRequest{
		Name: "tools", TeamID: team, MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini", SystemPrompt: "p",
		Scenarios: []api.ScenarioTool{{MakeScenarioID: 4242}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := created.JSON201.ID
	msg := "Run the invoice scenario please"
	res, err := c.RunAgentWithResponse(context.Background(), id, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: msg}},
	})
	if err != nil {
		t.Fatal(err)
	}
	steps := res.JSON200.ExecutionSteps
	if len(steps) != 5 {
		t.Fatalf("%d steps, want system, user, tool call, tool, answer: %s", len(steps), res.Body)
	}
	call, tool := steps[2], steps[3]
	if call.Role != api.StepRoleAssistant || len(call.ToolCalls) != 1 || call.ToolCalls[0].ToolType != api.ToolTypeScenario ||
		call.ToolCalls[0].Name != "Scenario 4242" || call.ToolCalls[0].Arguments["message"] != msg || call.ToolCalls[0].ID == "" {
		t.Errorf("tool call step = %+v", call)
	}
	r := tool.ToolResponse
	if tool.Role != api.StepRoleTool || r == nil || r.Status != api.ToolResponseStatusOk || r.ToolType != api.ToolTypeScenario ||
		r.Result.(map[string]any)["scenarioId"] != 4242.0 || r.ExecutionLink == "" {
		t.Errorf("tool step = %+v", tool)
	}
	events, _, err := readAll(streamRequest(context.Background(), t, s, id, `{"messages":[{"role":"user","content":"`+msg+`"}],"config":{}}`).Body)
	if err != nil || len(events) != 5 {
		t.Fatalf("stream: %d events, %v", len(events), err)
	}
	if st := decodeStep(t, events[3].Data); st.ToolResponse == nil || st.ToolResponse.Status != api.ToolResponseStatusOk {
		t.Errorf("streamed tool step = %s", events[3].Data)
	}
	// Without a scenario on the agent there is nothing to call.
	plain := createAgent(t, c, "no tools", "p")
	res, _ = c.RunAgentWithResponse(context.Background(), plain, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: msg}},
	})
	if len(res.JSON200.ExecutionSteps) != 3 {
		t.Errorf("agent without scenarios made %d steps: %s", len(res.JSON200.ExecutionSteps), res.Body)
	}
}

// TestScenarioToolCallIsNamedAsListed: a scenario the team's scenario list
// has is called by its listed name (Make names a scenario tool after its
// scenario), so a suite can say tool-called: "Tool 122: look up an order".
func TestScenarioToolCallIsNamedAsListed(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithClock(fixedClock))
	c := newClient(t, s)
	created, err := c.CreateAgentWithResponse(context.Background(), &api.CreateAgentParams{TeamID: team}, api.CreateAgentRequest{
		Name: "tools", TeamID: team, MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini", SystemPrompt: "p",
		Scenarios: []api.ScenarioTool{{MakeScenarioID: 122}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.RunAgentWithResponse(context.Background(), created.JSON201.ID, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "Where is order 42? Use the scenario."}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range res.JSON200.ExecutionSteps {
		for _, tc := range st.ToolCalls {
			names = append(names, tc.Name)
		}
	}
	if len(names) != 1 || names[0] != "Tool 122: look up an order" {
		t.Errorf("tool calls %q, want the listed name of scenario 122", names)
	}
}

// TestRunStructuredOutput: with a make-schema output parser in the run's
// config the answer is JSON and jsonResponse carries it parsed, one value
// of each field's type.
func TestRunStructuredOutput(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	id := createAgent(t, c, "structured", "p")
	var parser api.OutputParser
	if err := parser.FromOutputParserMakeSchema(api.OutputParserMakeSchema{Schema: []api.SchemaField{
		{Name: "city", Type: api.SchemaFieldTypeText}, {Name: "words", Type: api.SchemaFieldTypeInteger},
	}}); err != nil {
		t.Fatal(err)
	}
	res, err := c.RunAgentWithResponse(context.Background(), id, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "Prague today"}},
		Config:   api.RunConfig{OutputParser: parser},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := res.JSON200
	if r.JSONResponse["city"] != "Prague today" || r.JSONResponse["words"] != json.Number("2") || r.Response != `{"city":"Prague today","words":2}` {
		t.Errorf("structured run = %s", res.Body)
	}
}

// TestStreamEndsLikeMake: by default the last event ends after its data
// line, with no blank line, exactly as Make's published stream; with
// WithBlankLineAfterLastEvent it ends with the blank line.
func TestStreamEndsLikeMake(t *testing.T) {
	for _, standard := range []bool{false, true} {
		var opts []makeagentstest.Option
		if standard {
			opts = append(opts, makeagentstest.WithBlankLineAfterLastEvent())
		}
		s := makeagentstest.NewServer(t, opts...)
		id := createAgent(t, newClient(t, s), "ends", "p")
		b, err := io.ReadAll(streamRequest(context.Background(), t, s, id, runBody).Body)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.HasSuffix(string(b), "}\n\n"); got != standard || (!standard && !strings.HasSuffix(string(b), "}\n")) {
			t.Errorf("blank line after the last event = %v, want %v; stream ends %q", got, standard, b[max(0, len(b)-20):])
		}
		if !strings.HasPrefix(string(b), "event:step\nid:") {
			t.Errorf("stream starts %q, want Make's form without spaces", b[:min(len(b), 20)])
		}
	}
}

// TestEventsAreFlushedAsWritten: with an hour between events, the first
// event must still arrive at once, which it only does if the fake flushes
// each event as it writes it. The test then hangs up mid-pause; the server
// must end the stream's goroutine (goleak checks at the end).
func TestEventsAreFlushedAsWritten(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithStepDelay(time.Hour))
	id := createAgent(t, newClient(t, s), "slow", "p")
	// The deadline only turns a regression (an unflushed event) into a
	// failure instead of a hung test.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp := streamRequest(ctx, t, s, id, runBody)
	ev, _, err := nextEvent(bufio.NewReader(resp.Body))
	if err != nil {
		t.Fatalf("first event: %v (not flushed before the pause?)", err)
	}
	if st := decodeStep(t, ev.Data); st.Role != "system" {
		t.Errorf("first event role %q", st.Role)
	}
	cancel()
	_ = resp.Body.Close()
}

// TestStepDelayPacesTheStream: with a delay, the stream takes at least the
// delay times the gaps between events. This is a lower bound only, so it
// cannot flake on a slow machine.
func TestStepDelayPacesTheStream(t *testing.T) {
	const delay = 20 * time.Millisecond
	s := makeagentstest.NewServer(t, makeagentstest.WithStepDelay(delay))
	id := createAgent(t, newClient(t, s), "paced", "p")
	start := time.Now()
	events, _, err := readAll(streamRequest(context.Background(), t, s, id, runBody).Body)
	if err != nil || len(events) != 3 {
		t.Fatalf("%d events, %v", len(events), err)
	}
	if took := time.Since(start); took < 2*delay {
		t.Errorf("3 events took %v, want at least %v", took, 2*delay)
	}
}
