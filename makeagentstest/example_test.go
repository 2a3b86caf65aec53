package makeagentstest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
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
	client, err := s.Client() // api.New, wired to the fake's URL and token
	if err != nil {
		t.Fatalf("%v", err)
	}
	ctx := context.Background()
	created, err := client.Generated().CreateAgentWithResponse(ctx, &api.CreateAgentParams{TeamID: 1}, api.CreateAgentRequest{
		Name: "helper", TeamID: 1, MakeConnectionID: 123, DefaultModel: "gpt-4.1-mini", SystemPrompt: "Be brief.",
	})
	if err != nil {
		t.Fatalf("%v", err)
	}
	fmt.Println("create:", created.StatusCode())

	run, err := client.Generated().RunAgentWithResponse(ctx, created.JSON201.AgentID, &api.RunAgentParams{TeamID: 1}, api.RunAgentRequest{
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
	agent := s.AddAgent(1, api.Agent{Name: "echo", SystemPrompt: "do what user says", DefaultModel: "gpt-4.1-mini"})

	req, _ := http.NewRequest("POST", s.URL()+"/ai-agents/v1/agents/"+agent.ID+"/run/stream?teamId=1",
		strings.NewReader(`{"messages":[{"role":"user","content":"Hi"}],"config":{}}`))
	req.Header.Set("Authorization", "Token "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
			var step api.Step
			_ = json.Unmarshal([]byte(data), &step)
			fmt.Printf("%s: %q\n", step.Role, step.Content)
		}
	}
	// Output:
	// system: "do what user says\nCurrent time (ISO): 2025-06-26T07:42:30.080Z"
	// user: "Hi"
	// assistant: "You said: \"Hi\". This is echo, a deterministic makeagentstest agent: it repeats what it is told and calls no model."
}

// FailNext makes the next requests fail, here with a 429 that says when to
// retry; the request after them succeeds.
func ExampleServer_FailNext() {
	s, err := makeagentstest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	s.FailNext(1, http.StatusTooManyRequests, 2*time.Second)

	for range 2 {
		req, _ := http.NewRequest("GET", s.URL()+"/ai-agents/v1/agents?teamId=1", nil)
		req.Header.Set("Authorization", "Token "+s.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), strings.TrimSpace(string(body)))
	}
	// Output:
	// 429 2 {"code":"SC429","detail":"Injected by makeagentstest (Server.FailNext).","message":"Too Many Requests"}
	// 200  []
}

// StreamFaults breaks every following stream; here the connection drops
// after the first event, which a client sees as an unexpected EOF.
func ExampleServer_StreamFaults() {
	s, err := makeagentstest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	agent := s.AddAgent(1, api.Agent{Name: "flaky", SystemPrompt: "p", DefaultModel: "m"})
	s.StreamFaults(makeagentstest.DropConnection(1))

	req, _ := http.NewRequest("POST", s.URL()+"/ai-agents/v1/agents/"+agent.ID+"/run/stream?teamId=1",
		strings.NewReader(`{"messages":[{"role":"user","content":"Hi"}],"config":{}}`))
	req.Header.Set("Authorization", "Token "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	fmt.Println("events:", strings.Count(string(body), "\n\n"))
	fmt.Println("error:", err)
	// Output:
	// events: 1
	// error: unexpected EOF
}

// Requests shows what a client did, e.g. that a read-only tool made only
// GET requests.
func ExampleServer_Requests() {
	s, err := makeagentstest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	for _, path := range []string{"/ai-agents/v1/agents?teamId=1", "/ai-agents/v1/agents?teamId=0"} {
		req, _ := http.NewRequest("GET", s.URL()+path, nil)
		req.Header.Set("Authorization", "Token "+s.Token())
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	for _, r := range s.Requests() {
		fmt.Println(r.Method, r.Operation, r.Query.Get("teamId"), r.Status)
	}
	// Output:
	// GET listAgents 1 200
	// GET listAgents 0 400
}

// exampleStream starts a server with the stream faults, runs a stream on a
// fresh agent and returns the raw body and the error that ended it.
func exampleStream(ctx context.Context, faults ...makeagentstest.StreamFault) (string, error) {
	s, err := makeagentstest.Start()
	if err != nil {
		return "", err
	}
	defer s.Close()
	agent := s.AddAgent(1, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	s.StreamFaults(faults...)
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"/ai-agents/v1/agents/"+agent.ID+"/run/stream?teamId=1",
		strings.NewReader(`{"messages":[{"role":"user","content":"Hi"}],"config":{}}`))
	req.Header.Set("Authorization", "Token "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

func ExampleEndStreamAfter() {
	body, err := exampleStream(context.Background(), makeagentstest.EndStreamAfter(2))
	fmt.Println("events:", strings.Count(body, "event:step\n"), "error:", err)
	// Output: events: 2 error: <nil>
}

func ExampleCutStreamMidEvent() {
	body, err := exampleStream(context.Background(), makeagentstest.CutStreamMidEvent(1))
	last := body[strings.LastIndex(body, "\n\n")+2:]
	fmt.Println("complete events:", strings.Count(body, "\n\n"), "error:", err)
	fmt.Println("then a partial event:", strings.HasPrefix(last, "event:step\nid:"))
	// Output:
	// complete events: 1 error: <nil>
	// then a partial event: true
}

func ExampleMalformedEvent() {
	body, _ := exampleStream(context.Background(), makeagentstest.MalformedEvent(1))
	for _, line := range strings.Split(body, "\n") {
		if data, ok := strings.CutPrefix(line, "data:"); ok {
			fmt.Println("valid JSON:", json.Valid([]byte(data)))
		}
	}
	// Output:
	// valid JSON: true
	// valid JSON: false
	// valid JSON: true
	// valid JSON: true
}

// An event above a client's size limit (1 MiB here; the sse package's
// default is 16 MiB, so use OversizeEvent(k, 17<<20) against it).
func ExampleOversizeEvent() {
	body, _ := exampleStream(context.Background(), makeagentstest.OversizeEvent(0, 1<<20))
	first := body[:strings.Index(body, "\n\n")]
	fmt.Println("first event bigger than 1 MiB:", len(first) > 1<<20)
	// Output: first event bigger than 1 MiB: true
}

// A stalled stream sends nothing more until the client gives up, here as
// soon as it has read the first event.
func ExampleStallStream() {
	s, err := makeagentstest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	agent := s.AddAgent(1, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	s.StreamFaults(makeagentstest.StallStream(1))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"/ai-agents/v1/agents/"+agent.ID+"/run/stream?teamId=1",
		strings.NewReader(`{"messages":[{"role":"user","content":"Hi"}],"config":{}}`))
	req.Header.Set("Authorization", "Token "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			panic(err)
		}
		if line == "\n" {
			break // the end of the first event
		}
	}
	fmt.Println("got the first event; now the stream stalls")
	cancel()
	_, err = io.ReadAll(br)
	fmt.Println("error:", err)
	// Output:
	// got the first event; now the stream stalls
	// error: context canceled
}

func ExampleDropConnection() {
	body, err := exampleStream(context.Background(), makeagentstest.DropConnection(2))
	fmt.Println("complete events:", strings.Count(body, "\n\n"), "error:", err)
	// Output: complete events: 2 error: unexpected EOF
}

// The rate limit is per team and per minute; the 429 says when the window
// ends.
func ExampleWithRateLimit() {
	s, err := makeagentstest.Start(makeagentstest.WithRateLimit(1), makeagentstest.WithClock(func() time.Time {
		return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) // a frozen clock: the window never ends
	}))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	for range 2 {
		req, _ := http.NewRequest("GET", s.URL()+"/ai-agents/v1/agents?teamId=1", nil)
		req.Header.Set("Authorization", "Token "+s.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Output:
	// 200 Retry-After=""
	// 429 Retry-After="60"
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
	fmt.Println("missing scopes:", api.MissingScopes(auth.Scope, "createAgent", "runAgent", "listConnections"))

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
	for sc, err := range client.Scenarios(ctx, api.ScenarioQuery{Type: api.ListScenariosParamsTypeTool}) {
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
