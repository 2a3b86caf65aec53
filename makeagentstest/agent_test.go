package makeagentstest_test

import (
	"bufio"
	"context"
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
	wantRoles := []string{"system", "user", "assistant", "user", "assistant"}
	wantContent := []string{
		"do what user says\nCurrent time (ISO): 2025-06-26T01:42:30.080-06:00",
		"What is the weather in Prague?", "Which day?", "Today",
		makeagentstest.Answer("weather", "Today"),
	}
	if len(events) != len(wantRoles) {
		t.Fatalf("%d events, want %d", len(events), len(wantRoles))
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

// TestRunResult: the plain run answers with the same steps the stream
// would show, the answer, usage and a thread.
func TestRunResult(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithClock(fixedClock))
	c := newClient(t, s)
	id := createAgent(t, c, "runner", "be brief")
	thread := "a64d23ed-2580-43e4-a898-e97193d7fd5e"
	res, err := c.RunAgentWithResponse(context.Background(), id, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "ping"}}, ThreadID: &thread,
	})
	if err != nil || res.StatusCode() != http.StatusOK {
		t.Fatalf("run: %v %d %s", err, res.StatusCode(), res.Body)
	}
	r := res.JSON200
	if r.Response != makeagentstest.Answer("runner", "ping") || r.ThreadID == nil || *r.ThreadID != thread || r.ExecutionID == nil {
		t.Errorf("run result %s", res.Body)
	}
	if r.Steps == nil || len(*r.Steps) != 3 || (*r.Steps)[1].Content != "ping" || (*r.Steps)[0].AgentIterationID != (*r.Steps)[2].AgentIterationID {
		t.Errorf("run steps %s", res.Body)
	}
	u := r.Usage
	if u == nil || *u.InputTokens <= 0 || *u.OutputTokens <= 0 || *u.TotalTokens != *u.InputTokens+*u.OutputTokens {
		t.Errorf("usage %s", res.Body)
	}
	// Without a threadId the run starts a new thread and says which.
	res, _ = c.RunAgentWithResponse(context.Background(), id, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "ping"}},
	})
	if res.JSON200.ThreadID == nil || api.ValidateAgentID(*res.JSON200.ThreadID) != nil {
		t.Errorf("new thread id %s", res.Body)
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
