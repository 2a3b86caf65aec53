package makeagentstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/sse"
)

// exampleT stands in for a test's *testing.T so that the NewServer example
// can run as an example; in a test, pass t itself.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (e *exampleT) Helper()                           {}
func (e *exampleT) Cleanup(f func())                  { e.cleanups = append(e.cleanups, f) }
func (e *exampleT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (e *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (e *exampleT) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

func ExampleNewServer() {
	t := &exampleT{} // in a test: the test's t
	defer t.done()

	s := makeagentstest.NewServer(t)
	client, err := s.Client(api.WithTeamID(1)) // api.New, wired to the fake's URL and token
	if err != nil {
		t.Fatalf("%v", err)
	}
	ctx := context.Background()
	created, err := client.Generated().CreateAgentWithResponse(ctx, nil, api.CreateAgentRequest{
		Name: "helper", MakeConnectionID: s.Connections()[0].ID, DefaultModel: "gpt-4.1-mini", SystemPrompt: "Be brief.",
	})
	if err != nil {
		t.Fatalf("%v", err)
	}
	fmt.Println("create:", created.StatusCode())

	run, err := client.Generated().RunAgentWithResponse(ctx, created.JSON201.ID, nil, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "Hello"}},
	})
	if err != nil {
		t.Fatalf("%v", err)
	}
	fmt.Println("run:", run.StatusCode(), run.JSON200.Response)
	fmt.Println("agents on the server:", len(s.Agents(1)))
	// Output:
	// create: 201
	// run: 200 You said: "Hello". This is helper, a deterministic makeagentstest agent: it repeats what it is told and calls no model.
	// agents on the server: 1
}

// The plain constructor, for programs such as a demo: the caller closes the
// server. A fixed clock makes the stream's bytes reproducible.
func ExampleStart() {
	s, err := makeagentstest.Start(makeagentstest.WithClock(func() time.Time {
		return time.Date(2025, 6, 26, 7, 42, 30, 80e6, time.UTC)
	}))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	client, err := s.Client(api.WithTeamID(1))
	if err != nil {
		panic(err)
	}
	agent := s.AddAgent(1, api.Agent{Name: "echo", SystemPrompt: "do what user says", DefaultModel: "gpt-4.1-mini"})

	stream, err := sse.Run(context.Background(), client, agent.ID, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "Hi"}},
	})
	if err != nil {
		panic(err)
	}
	defer stream.Close()
	for ev, err := range stream.All() {
		if err != nil {
			panic(err)
		}
		step, _ := ev.Step()
		fmt.Printf("%s: %q\n", step.Role, step.Content)
	}
	// Output:
	// system: "do what user says\nCurrent time (ISO): 2025-06-26T07:42:30.080Z"
	// user: "Hi"
	// assistant: "You said: \"Hi\". This is echo, a deterministic makeagentstest agent: it repeats what it is told and calls no model."
}

// FailNext makes the next requests fail. Server.Client retries them as the
// SDK does (a GET after a 503), only faster, so the call succeeds.
func ExampleServer_FailNext() {
	s, err := makeagentstest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	client, err := s.Client(api.WithTeamID(1))
	if err != nil {
		panic(err)
	}
	s.FailNext(2, http.StatusServiceUnavailable, 0)

	_, err = client.Generated().ListAgentsWithResponse(context.Background(), nil)
	fmt.Println("error:", err)
	for _, r := range s.Requests() {
		fmt.Println(r.Method, r.Operation, r.Status)
	}
	// Output:
	// error: <nil>
	// GET listAgents 503
	// GET listAgents 503
	// GET listAgents 200
}

// StreamFaults breaks every following stream; here the connection drops
// after the first event, which the sse reader reports as an unexpected EOF
// (and the SDK never re-sends the run).
func ExampleServer_StreamFaults() {
	events, err := exampleStream(makeagentstest.DropConnection(1))
	fmt.Println("events:", events)
	fmt.Println("unexpected EOF:", errors.Is(err, io.ErrUnexpectedEOF))
	// Output:
	// events: 1
	// unexpected EOF: true
}

// Requests shows what a client did, e.g. that a read-only tool made only
// GET requests.
func ExampleServer_Requests() {
	s, err := makeagentstest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	client, err := s.Client(api.WithTeamID(1))
	if err != nil {
		panic(err)
	}
	_, _ = client.Generated().ListAgentsWithResponse(context.Background(), nil)
	_, _ = client.Generated().GetAgentWithResponse(context.Background(), "123e4567-e89b-12d3-a456-426614174000", nil)
	for _, r := range s.Requests() {
		fmt.Println(r.Method, r.Operation, r.Query.Get("teamId"), r.Status)
	}
	// Output:
	// GET listAgents 1 200
	// GET getAgent 1 404
}

// The catalogue: a connection id (makeConnectionId) is never a provider id.
func ExampleServer_Connections() {
	s, err := makeagentstest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	for _, c := range s.Connections() {
		fmt.Println(c.ID, c.AccountName, "provider", c.ProviderID, "first model", s.Models(c.ProviderID)[0].Model)
	}
	// Output:
	// 1001 openai-gpt-3 provider 1 first model gpt-4.1-mini
	// 1002 anthropic-claude provider 2 first model claude-3-7-sonnet-latest
	// 1003 gemini-flash provider 3 first model gemini-2.5-flash
}

// A run without threadId starts a thread; a run with its id sees the earlier
// messages, so it is shown more prompt tokens.
func Example_threads() {
	s, err := makeagentstest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	client, err := s.Client(api.WithTeamID(1))
	if err != nil {
		panic(err)
	}
	agent := s.AddAgent(1, api.Agent{Name: "memo", SystemPrompt: "Remember.", DefaultModel: "gpt-4.1-mini"})
	ask := func(thread string, text string) *api.RunAgentResult {
		res, err := client.Generated().RunAgentWithResponse(context.Background(), agent.ID, nil, api.RunAgentRequest{
			Messages: []api.Message{{Role: api.MessageRoleUser, Content: text}}, ThreadID: thread,
		})
		if err != nil {
			panic(err)
		}
		return res.JSON200
	}
	first := ask("", "My name is Ada.")
	second := ask(first.ThreadID, "What is my name?")
	fmt.Println("same thread:", second.ThreadID == first.ThreadID)
	fmt.Println("steps:", len(first.ExecutionSteps), "then", len(second.ExecutionSteps))
	fmt.Println("more prompt tokens:", second.TokenUsageSummary.PromptTokens > first.TokenUsageSummary.PromptTokens)
	fmt.Printf("second run's step 2: %s %q\n", second.ExecutionSteps[1].Role, second.ExecutionSteps[1].Content)
	// Output:
	// same thread: true
	// steps: 3 then 5
	// more prompt tokens: true
	// second run's step 2: user "My name is Ada."
}

// The Prefer header applies a fault to one request from any HTTP client;
// here plain net/http, as a script or another language would.
func ExamplePreferHeader() {
	s, err := makeagentstest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	for _, prefer := range []string{"code=429, retry-after=2", "", "code=2xx"} {
		req, _ := http.NewRequest("GET", s.URL()+"/ai-agents/v1/agents?teamId=1", nil)
		req.Header.Set("Authorization", "Token "+s.Token())
		if prefer != "" {
			req.Header.Set(makeagentstest.PreferHeader, prefer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		var e struct{ Code string } // Make's error body: {message, detail, code, suberrors}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q code=%v\n", resp.StatusCode, resp.Header.Get("Retry-After"), e.Code)
	}
	// Output:
	// 429 Retry-After="2" code=SC429
	// 200 Retry-After="" code=
	// 400 Retry-After="" code=SC400
}

// exampleStream starts a server with the stream faults, runs a stream on a
// fresh agent through the SDK, and returns how many events arrived and the
// error that ended the stream.
func exampleStream(faults ...makeagentstest.StreamFault) (int, error) {
	return exampleStreamWith(nil, faults...)
}

func exampleStreamWith(opts []sse.Option, faults ...makeagentstest.StreamFault) (int, error) {
	s, err := makeagentstest.Start()
	if err != nil {
		return 0, err
	}
	defer s.Close()
	client, err := s.Client(api.WithTeamID(1))
	if err != nil {
		return 0, err
	}
	agent := s.AddAgent(1, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "gpt-4.1-mini"})
	s.StreamFaults(faults...)
	stream, err := sse.Run(context.Background(), client, agent.ID, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "Hi"}},
	}, opts...)
	if err != nil {
		return 0, err
	}
	defer stream.Close()
	n := 0
	for ev, err := range stream.All() {
		if err != nil {
			return n, err
		}
		if _, err := ev.Step(); err != nil {
			fmt.Println("event", n+1, "is not a step:", err != nil)
		}
		n++
	}
	return n, nil
}

// A stream that ends cleanly after two events: the bytes cannot tell it
// from a finished run; only the missing answer can.
func ExampleEndStreamAfter() {
	events, err := exampleStream(makeagentstest.EndStreamAfter(2))
	fmt.Println("events:", events, "error:", err)
	// Output: events: 2 error: <nil>
}

func ExampleCutStreamMidEvent() {
	events, err := exampleStream(makeagentstest.CutStreamMidEvent(1))
	fmt.Println("events:", events, "unexpected EOF:", errors.Is(err, io.ErrUnexpectedEOF))
	// Output: events: 1 unexpected EOF: true
}

func ExampleMalformedEvent() {
	events, err := exampleStream(makeagentstest.MalformedEvent(1))
	fmt.Println("events:", events, "error:", err)
	// Output:
	// event 2 is not a step: true
	// events: 4 error: <nil>
}

// An event above a client's size limit (1 MiB here; the sse package's
// default is 16 MiB, so use OversizeEvent(k, 17<<20) against it).
func ExampleOversizeEvent() {
	_, err := exampleStreamWith([]sse.Option{sse.WithMaxEventSize(1 << 20)}, makeagentstest.OversizeEvent(0, 1<<20))
	fmt.Println("too large:", errors.Is(err, sse.ErrEventTooLarge))
	// Output: too large: true
}

// A stalled stream sends nothing more; the reader's idle timeout ends it.
func ExampleStallStream() {
	events, err := exampleStreamWith([]sse.Option{sse.WithIdleTimeout(50 * time.Millisecond)}, makeagentstest.StallStream(1))
	fmt.Println("events:", events, "idle timeout:", errors.Is(err, sse.ErrIdleTimeout))
	// Output: events: 1 idle timeout: true
}

func ExampleDropConnection() {
	events, err := exampleStream(makeagentstest.DropConnection(2))
	fmt.Println("events:", events, "unexpected EOF:", errors.Is(err, io.ErrUnexpectedEOF))
	// Output: events: 2 unexpected EOF: true
}

// The rate limit is per team and per minute. Server.Client does not sleep
// through the 429's Retry-After of 60 s: the call returns it at once.
func ExampleWithRateLimit() {
	s, err := makeagentstest.Start(makeagentstest.WithRateLimit(1), makeagentstest.WithClock(func() time.Time {
		return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) // a frozen clock: the window never ends
	}))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	client, err := s.Client(api.WithTeamID(1))
	if err != nil {
		panic(err)
	}
	for range 2 {
		_, err := client.Generated().ListAgentsWithResponse(context.Background(), nil)
		var apiErr *api.APIError
		if errors.As(err, &apiErr) {
			fmt.Println("rate limited:", api.IsRateLimited(err), "retry after:", apiErr.RetryAfter)
			continue
		}
		fmt.Println("error:", err)
	}
	// Output:
	// error: <nil>
	// rate limited: true retry after: 1m0s
}

// From a token to an agent with no id copied: the token's scopes, a
// provider's connection and model, a tool scenario, then the agent.
func Example_discovery() {
	t := &exampleT{}
	defer t.done()
	s := makeagentstest.NewServer(t)
	client, err := s.Client(api.WithTeamID(1))
	if err != nil {
		t.Fatalf("%v", err)
	}
	ctx := context.Background()
	auth, err := client.CurrentAuthorization(ctx)
	if err != nil {
		t.Fatalf("%v", err)
	}
	missing, err := api.MissingScopes(auth.Scope, api.OpCreateAgent, api.OpRunAgent, api.OpListConnections)
	if err != nil {
		t.Fatalf("%v", err)
	}
	fmt.Println("missing scopes:", missing)

	providers, err := client.ListLLMProviders(ctx)
	if err != nil {
		t.Fatalf("%v", err)
	}
	p := providers[0]
	conns, err := client.ProviderConnections(ctx, p) // type[] = p.AccountName
	if err != nil {
		t.Fatalf("%v", err)
	}
	models, err := client.ListLLMProviderModels(ctx, p.ID)
	if err != nil {
		t.Fatalf("%v", err)
	}
	var tools []api.ScenarioTool
	for sc, err := range client.Scenarios(ctx, api.ScenarioQuery{Type: api.ScenarioTypeTool}) {
		if err != nil {
			t.Fatalf("%v", err)
		}
		tools = append(tools, api.ScenarioTool{MakeScenarioID: sc.ID})
		if len(tools) == 2 {
			break // no further page is requested
		}
	}
	created, err := client.CreateAgent(ctx, api.CreateAgentRequest{Name: "Helper", SystemPrompt: "Be brief.",
		MakeConnectionID: conns[0].ID, DefaultModel: models[0].Model, Scenarios: tools})
	if err != nil {
		t.Fatalf("%v", err)
	}
	fmt.Printf("connection %d (%s), model %s, %d tools\n", created.MakeConnectionID, conns[0].AccountName, created.DefaultModel, len(tools))
	// Output:
	// missing scopes: []
	// connection 1001 (openai-gpt-3), model gpt-4.1-mini, 2 tools
}
