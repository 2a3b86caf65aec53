package eval_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/time/rate"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/eval"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	agentName = "Support bot"
	scenario  = int64(7)
)

// fixture is a fake with the agent under test: it calls scenario 7 when
// asked for a scenario, on the openAi connection (models gpt-4.1-mini,
// gpt-4o, o4-mini).
func fixture(t *testing.T, opts ...makeagentstest.Option) (*makeagentstest.Server, *api.Client, string) {
	t.Helper()
	s := makeagentstest.NewServer(t, opts...)
	c, err := s.Client(api.WithTeamID(1))
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateAgent(context.Background(), api.CreateAgentRequest{
		Name: agentName, MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini",
		SystemPrompt: "You help customers with their orders.",
		Scenarios:    []api.ScenarioTool{{MakeScenarioID: scenario}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	return s, c, created.ID
}

// clock advances one second per reading, so with concurrency 1 every turn
// takes exactly one second.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func parse(t *testing.T, yaml string) *eval.Suite {
	t.Helper()
	s, err := eval.Parse("suite.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return s
}

func runs(s *makeagentstest.Server) []makeagentstest.Request {
	var out []makeagentstest.Request
	for _, r := range s.Requests() {
		if r.Operation == "runAgent" {
			out = append(out, r)
		}
	}
	return out
}

// passing has every assertion kind, holding, two models and a two-turn case.
const passing = `
name: Support bot
models: [gpt-4.1-mini, gpt-4o]
concurrency: 1
assert:
  - max-latency: 2s
cases:
  - name: greets the user
    input: "Hello, I am Ada"
    assert:
      - contains: "Ada"
      - not-contains: "sorry"
      - icontains: "hello, i AM"
      - not-icontains: "SORRY"
      - regex: "(?i)hello|hi"
      - not-regex: "^Sorry"
      - starts-with: 'You said: "Hello'
      - equals: 'You said: "Hello, I am Ada". This is Support bot, a deterministic makeagentstest agent: it repeats what it is told and calls no model.'
      - max-tokens: 100000
      - min-tokens: 1
      - not-tool-called: "Scenario 7"
  - name: looks up an order with the scenario
    input: "Where is order 42? Use the scenario."
    assert:
      - tool-called: "Scenario 7"
      - tool-called: 7
      - tool-called: "scenario 7"
      - not-tool-called: knowledge
  - name: answers in shape
    input: "Summarise order 42"
    output: {orderId: integer, status: string, note: optional text, tags: [string]}
    assert:
      - json: {path: status, equals: "Summarise order 42"}
      - json: {path: orderId, equals: 3}
      - json: {path: "$.tags[1]", equals: order}
      - json: {path: tags, contains: "42"}
      - json: {path: status, contains: order}
      - json: {path: status}
      - json: {path: missing, exists: false}
      - json: {path: tags, equals: [Summarise, order, "42"]}
      - is-json: true
      - output-valid: true
  - name: remembers within a thread
    turns: ["My name is Ada", "What is my name?"]
    assert: [{icontains: "what is my name"}, {not-contains: "My name is Ada"}]
`

func TestEveryAssertionPassesAgainstTheFake(t *testing.T) {
	s, c, _ := fixture(t)
	suite := parse(t, passing)
	rep, err := eval.Run(context.Background(), c, suite, eval.WithClock(newClock().Now))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 8 || rep.Planned != 8 {
		t.Fatalf("%d results of %d planned, want 8 (4 cases x 2 models)", len(rep.Results), rep.Planned)
	}
	for _, r := range rep.Results {
		if r.Status != eval.StatusPass {
			t.Errorf("%s [%s]: %s %v %s", r.Case, r.Model, r.Status, r.Failures, r.Error)
		}
		if r.Tokens <= 0 {
			t.Errorf("%s: tokens %d", r.Case, r.Tokens)
		}
	}
	if !rep.Passed() || rep.AgentName != agentName || rep.DefaultModel != "gpt-4.1-mini" {
		t.Errorf("passed %v, agent %q, default model %q", rep.Passed(), rep.AgentName, rep.DefaultModel)
	}
	// Suite order, whatever order the runs finished in.
	if got := rep.Results[0].Case + "/" + rep.Results[0].Model + ", " + rep.Results[1].Model; got != "greets the user/gpt-4.1-mini, gpt-4o" {
		t.Errorf("order: %s", got)
	}

	// The wire: 2 models x (3 one-turn cases + 2 turns) runs, each with
	// its model override; the structured case sends its output parser; the
	// second turn continues the first turn's thread.
	sent := runs(s)
	if len(sent) != 10 {
		t.Fatalf("%d runs sent, want 10", len(sent))
	}
	models := map[string]int{}
	var bodies []api.RunAgentRequest
	for _, r := range sent {
		var b api.RunAgentRequest
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
		if b.Config.LLMConfig.LLMModel == "" {
			t.Fatalf("run without a model override: %s", r.Body)
		}
		models[b.Config.LLMConfig.LLMModel]++
	}
	if models["gpt-4.1-mini"] != 5 || models["gpt-4o"] != 5 {
		t.Errorf("models sent: %v", models)
	}
	var parsers, continued int
	for _, b := range bodies {
		if raw, _ := json.Marshal(b.Config.OutputParser); string(raw) != "{}" && string(raw) != "null" {
			parsers++
			raw, _ := json.Marshal(b.Config.OutputParser)
			for _, want := range []string{`"type":"make-schema"`, `"name":"orderId"`, `"type":"integer"`, `"name":"note","required":false`} {
				if !strings.Contains(string(raw), want) {
					t.Errorf("output parser %s lacks %s", raw, want)
				}
			}
		}
		if b.ThreadID != "" {
			continued++
			if b.Messages[0].Content != "What is my name?" {
				t.Errorf("a thread was continued by %q", b.Messages[0].Content)
			}
		}
	}
	if parsers != 2 || continued != 2 {
		t.Errorf("%d runs with an output parser (want 2), %d continuing a thread (want 2)", parsers, continued)
	}
	for _, r := range rep.Results {
		if r.Case == "remembers within a thread" {
			if len(r.Turns) != 2 || r.Turns[0].ThreadID == "" || r.Turns[0].ThreadID != r.Turns[1].ThreadID {
				t.Errorf("turns %+v: want two in one thread", r.Turns)
			}
			if time.Duration(r.Latency) != 2*time.Second {
				t.Errorf("latency of two turns %v, want 2s on the test clock", time.Duration(r.Latency))
			}
		}
	}
}

// Each assertion kind, failing: the failure names the assertion and shows
// the actual text.
func TestEveryAssertionFails(t *testing.T) {
	_, c, id := fixture(t)
	tests := []struct {
		input, assert string
		message       string // in Failure.Message
		excerpt       string // in Failure.Excerpt
	}{
		{"Hello, I am Ada", `contains: "Grace"`, "not in the answer", `You said: "Hello, I am Ada"`},
		{"Hello, I am Ada", `not-contains: "Ada"`, "found in the answer", "I am Ada"},
		{"Hello, I am Ada", `icontains: "GRACE"`, "not in the answer", "You said"},
		{"Hello, I am Ada", `not-icontains: "ADA"`, "found in the answer", "Ada"},
		{"Hello, I am Ada", `regex: "^Sorry"`, "does not match", "You said"},
		{"Hello, I am Ada", `not-regex: "I am [A-Z]"`, "the answer matches", "I am Ada"},
		{"Hello, I am Ada", `equals: "Hello"`, "different", "You said"},
		{"Hello, I am Ada", `starts-with: "Hello"`, "starts differently", "You said"},
		{"Hello, I am Ada", `max-tokens: 5`, "more than 5", ""},
		{"Hello, I am Ada", `min-tokens: 1000000`, "fewer than 1000000", ""},
		{"Hello, I am Ada", `max-latency: 500ms`, "took 1s, longer than 500ms", ""},
		{"Hello, I am Ada", `tool-called: "Scenario 7"`, "not called", "no tool was called"},
		{"Use the scenario", `tool-called: 8`, "not called", "called: Scenario 7 (scenario)"},
		{"Use the scenario", `not-tool-called: 7`, "called", "Scenario 7"},
		{"Hello, I am Ada", `json: {path: status, equals: shipped}`, "the answer is not JSON", "You said"},
		{"Hello, I am Ada", `is-json: true`, "not JSON", "You said"},
	}
	for _, tt := range tests {
		t.Run(tt.assert, func(t *testing.T) {
			suite := parse(t, "agent: "+id+"\ncases:\n  - name: c\n    input: "+tt.input+"\n    assert:\n      - "+tt.assert+"\n")
			rep, err := eval.Run(context.Background(), c, suite, eval.WithClock(newClock().Now))
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Results[0]
			if r.Status != eval.StatusFail || len(r.Failures) != 1 {
				t.Fatalf("status %s, failures %v, want one failure", r.Status, r.Failures)
			}
			f := r.Failures[0]
			if !strings.HasPrefix(f.Assertion, strings.SplitN(tt.assert, ":", 2)[0]+": ") {
				t.Errorf("assertion %q does not name %q", f.Assertion, tt.assert)
			}
			if !strings.Contains(f.Message, tt.message) || !strings.Contains(f.Excerpt, tt.excerpt) {
				t.Errorf("failure %q / %q, want %q / %q", f.Message, f.Excerpt, tt.message, tt.excerpt)
			}
		})
	}
}

// The structured assertions failing: wrong value, missing field, a schema
// the answer does not fit.
func TestStructuredAssertionsFail(t *testing.T) {
	_, c, id := fixture(t)
	suite := parse(t, `agent: `+id+`
cases:
  - name: shape
    input: "Summarise order 42"
    output: {orderId: integer, status: string, tags: [string]}
    assert:
      - json: {path: status, equals: shipped}
      - json: {path: orderId, equals: "3"}
      - json: {path: "tags[5]"}
      - json: {path: customer.name, exists: true}
      - json: {path: status, exists: false}
      - json: {path: tags, contains: "43"}
      - json: {path: orderId, contains: "3"}
      - json: {path: status, contains: shipped}
  - name: schema
    input: "Summarise order 42"
    output:
      - {name: total, type: number, required: true}
      - {name: customer, type: collection, required: true, spec: [{name: name, type: text, required: true}]}
    assert:
      - output-valid: true
`)
	rep, err := eval.Run(context.Background(), c, suite)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`status is "Summarise order 42"`,
		`orderId is 3`,
		`tags has 3 item(s), no [5]`,
		`the answer has no "customer"`,
		`status is present`,
		`tags has no such item`,
		`orderId is 3, neither text nor a list`,
		`status does not contain it`,
	}
	got := rep.Results[0].Failures
	if len(got) != len(want) {
		t.Fatalf("%d failures %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if !strings.Contains(got[i].Message, w) {
			t.Errorf("failure %d: %q, want %q", i, got[i].Message, w)
		}
	}
	// The fake fills a number with words+0.5 and a collection's text field:
	// the schema's check needs a real mismatch, so it is compared with what
	// the answer lacks.
	schema := rep.Results[1]
	if schema.Status != eval.StatusPass {
		t.Errorf("schema case: %s %+v (the fake answers in shape)", schema.Status, schema.Failures)
	}
}

// rewriteJSONResponse replaces the jsonResponse of every run answer on the
// way back: a server whose structured answer does not fit the schema.
type rewriteJSONResponse struct {
	base http.RoundTripper
	with map[string]any
}

func (rw rewriteJSONResponse) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := rw.base.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/run") {
		return res, err
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return nil, err
	}
	body["jsonResponse"] = rw.with
	b, _ := json.Marshal(body)
	res.Body = io.NopCloser(bytes.NewReader(b))
	res.ContentLength = int64(len(b))
	res.Header.Del("Content-Length")
	return res, nil
}

// output-valid and json against a structured answer that does not fit.
func TestOutputValidFails(t *testing.T) {
	s, _, id := fixture(t)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := s.Client(api.WithTeamID(1), api.WithHTTPClient(&http.Client{Transport: rewriteJSONResponse{
		base: tr, with: map[string]any{"orderId": "three", "tags": []any{"a", 2}, "when": "yesterday", "n": -1.5},
	}}))
	if err != nil {
		t.Fatal(err)
	}
	suite := parse(t, `agent: `+id+`
cases:
  - name: out of shape
    input: "Summarise order 42"
    output: {orderId: integer, status: string, tags: [string], when: date, n: "uinteger?"}
    assert:
      - output-valid: true
      - json: {path: "tags[1]", equals: 2}
`)
	rep, err := eval.Run(context.Background(), c, suite)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Status != eval.StatusFail || len(r.Failures) != 1 {
		t.Fatalf("%s %+v: want output-valid alone to fail", r.Status, r.Failures)
	}
	for _, want := range []string{`orderId: want integer, got "three"`, "status: required, missing", "tags[1]: want string, got 2", "when: want date (ISO 8601)", "n: want uinteger, got -1.5"} {
		if !strings.Contains(r.Failures[0].Message, want) {
			t.Errorf("failure %q lacks %q", r.Failures[0].Message, want)
		}
	}
}

func TestOneModelFailsTheOtherPasses(t *testing.T) {
	_, c, id := fixture(t)
	// o4-mini is a model of the agent's provider; claude is not: every run
	// with it is a 400, a call error.
	suite := parse(t, `agent: `+id+`
models: [gpt-4o, claude-3-7-sonnet-latest]
cases:
  - name: greets
    input: hello
    assert: [{contains: hello}]
`)
	rep, err := eval.Run(context.Background(), c, suite)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Results[0].Status != eval.StatusPass || rep.Results[1].Status != eval.StatusError {
		t.Fatalf("statuses %s, %s; want pass, error", rep.Results[0].Status, rep.Results[1].Status)
	}
	if !strings.Contains(rep.Results[1].Error, "400") || !strings.Contains(rep.Results[1].Error, "llmModel") {
		t.Errorf("error %q should give the status and the field", rep.Results[1].Error)
	}
	if strings.Contains(rep.Results[1].Error, makeagentstest.DefaultToken) {
		t.Error("the token is in the error")
	}
	per, all := rep.Totals()
	if len(per) != 2 || per[0].Passed != 1 || per[1].Errors != 1 || all.Runs != 2 || all.PassRate() != 0.5 {
		t.Errorf("totals %+v %+v", per, all)
	}
}

func TestServerErrorIsACallError(t *testing.T) {
	s, c, id := fixture(t)
	suite := parse(t, `agent: `+id+`
concurrency: 1
cases:
  - {name: one, input: a}
  - {name: two, input: b}
  - {name: three, input: c}
`)
	rep, err := eval.Run(context.Background(), c, suite, eval.WithOnResult(func(p eval.Progress) {
		if p.Done == 1 {
			s.FailNext(1, http.StatusServiceUnavailable, 0)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := []eval.Status{rep.Results[0].Status, rep.Results[1].Status, rep.Results[2].Status}
	if got[0] != eval.StatusPass || got[1] != eval.StatusError || got[2] != eval.StatusPass {
		t.Fatalf("statuses %v, want pass, error, pass (a run POST is not retried after a 503)", got)
	}
	if !strings.Contains(rep.Results[1].Error, "503") {
		t.Errorf("error %q", rep.Results[1].Error)
	}
	if len(runs(s)) != 3 {
		t.Errorf("%d runs sent, want 3", len(runs(s)))
	}
}

func TestAgentByName(t *testing.T) {
	s, c, id := fixture(t)
	suite := parse(t, "name: Support bot\ncases: [{name: a, input: hi}]\n")
	rep, err := eval.Run(context.Background(), c, suite)
	if err != nil || rep.AgentID != id {
		t.Fatalf("%v, agent %q want %q", err, rep.AgentID, id)
	}

	for _, tt := range []struct{ yaml, want string }{
		{"name: Nobody\ncases: [{name: a, input: hi}]\n", `suite.yaml: name: no agent of the team is named "Nobody"`},
		{"cases: [{name: a, input: hi}]\n", "suite.yaml: agent: the suite names no agent"},
	} {
		s.ResetRequests()
		_, err = eval.Run(context.Background(), c, parse(t, tt.yaml))
		if !eval.IsSuiteError(err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v, want a suite error %q", err, tt.want)
		}
		if len(runs(s)) != 0 {
			t.Error("a run was sent")
		}
	}
	// Two agents of that name: ambiguous, say which ids.
	s.AddAgent(1, api.Agent{Name: agentName, DefaultModel: "gpt-4o", SystemPrompt: "p"})
	_, err = eval.Run(context.Background(), c, suite)
	if !eval.IsSuiteError(err) || !strings.Contains(err.Error(), "2 agents are named") || !strings.Contains(err.Error(), id) {
		t.Errorf("%v", err)
	}
	// --agent beats the suite.
	rep, err = eval.Run(context.Background(), c, suite, eval.WithAgent(id))
	if err != nil || rep.AgentID != id {
		t.Errorf("WithAgent: %v %q", err, rep.AgentID)
	}
}

func TestOnly(t *testing.T) {
	s, c, id := fixture(t)
	suite := parse(t, "agent: "+id+"\ncases: [{name: greets a, input: hi}, {name: greets b, input: hi}, {name: other, input: hi}]\n")
	rep, err := eval.Run(context.Background(), c, suite, eval.WithOnly("greets*"))
	if err != nil || len(rep.Results) != 2 || rep.Results[1].Case != "greets b" {
		t.Fatalf("%v %+v", err, rep)
	}
	s.ResetRequests()
	_, err = eval.Run(context.Background(), c, suite, eval.WithOnly("nope"))
	if !eval.IsSuiteError(err) || !strings.Contains(err.Error(), `--only: no case is named "nope"`) {
		t.Errorf("%v", err)
	}
	if len(s.Requests()) != 0 {
		t.Errorf("requests were sent for a bad --only: %d", len(s.Requests()))
	}
}

// Resume: a run stopped after two results, resumed with its report, runs
// only the rest; changing the agent runs everything again.
func TestResumeRunsOnlyTheRest(t *testing.T) {
	s, c, id := fixture(t)
	suite := parse(t, `agent: `+id+`
models: [gpt-4.1-mini, gpt-4o]
concurrency: 1
cases:
  - {name: one, input: a, assert: [{contains: a}]}
  - {name: two, input: b, assert: [{contains: nope}]}
  - {name: three, input: c}
`)
	ctx, cancel := context.WithCancel(context.Background())
	var saved bytes.Buffer
	first, err := eval.Run(ctx, c, suite, eval.WithOnResult(func(p eval.Progress) {
		saved.Reset()
		if err := p.Snapshot().WriteJSON(&saved); err != nil {
			t.Error(err)
		}
		if p.Done == 3 {
			cancel() // "killed" after three of six
		}
	}))
	if !errors.Is(err, context.Canceled) || len(first.Results) != 3 || first.Passed() {
		t.Fatalf("first: %v, %d results", err, len(first.Results))
	}
	if !strings.Contains(first.Summary(), "3 not run (interrupted)") {
		t.Errorf("summary %q", first.Summary())
	}
	prev, err := eval.ReadReport(&saved)
	if err != nil || len(prev.Results) != 3 {
		t.Fatalf("read back: %v", err)
	}

	s.ResetRequests()
	second, err := eval.Run(context.Background(), c, suite, eval.WithResume(prev))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(runs(s)); n != 3 {
		t.Errorf("resumed run sent %d runs, want the 3 left", n)
	}
	if len(second.Results) != 6 {
		t.Fatalf("%d results, want 6", len(second.Results))
	}
	resumed := 0
	for _, r := range second.Results {
		if r.Resumed {
			resumed++
		}
	}
	if resumed != 3 || second.Results[2].Status != eval.StatusFail || second.Results[2].Case != "two" {
		t.Errorf("resumed %d; %+v", resumed, second.Results[2])
	}

	// A changed case runs again; so does everything once the agent changed.
	changed := parse(t, strings.Replace(`agent: `+id+`
models: [gpt-4.1-mini, gpt-4o]
cases:
  - {name: one, input: a, assert: [{contains: a}]}
  - {name: two, input: b, assert: [{contains: nope}]}
  - {name: three, input: c}
`, "contains: nope", "contains: b", 1))
	s.ResetRequests()
	if _, err := eval.Run(context.Background(), c, changed, eval.WithResume(second)); err != nil {
		t.Fatal(err)
	}
	if n := len(runs(s)); n != 2 {
		t.Errorf("a changed case: %d runs, want 2 (its two models)", n)
	}
	if err := c.UpdateAgent(context.Background(), id, api.UpdateAgentRequest{SystemPrompt: new("Be terse.")}); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	if _, err := eval.Run(context.Background(), c, suite, eval.WithResume(second)); err != nil {
		t.Fatal(err)
	}
	if n := len(runs(s)); n != 6 {
		t.Errorf("after the agent changed: %d runs, want all 6", n)
	}
}

func TestRepeat(t *testing.T) {
	s, c, id := fixture(t)
	suite := parse(t, "agent: "+id+"\nrepeat: 3\ncases: [{name: a, input: hi}]\n")
	rep, err := eval.Run(context.Background(), c, suite)
	if err != nil || len(rep.Results) != 3 || len(runs(s)) != 3 {
		t.Fatalf("%v, %d results, %d runs", err, len(rep.Results), len(runs(s)))
	}
	for i, r := range rep.Results {
		if r.Repeat != i {
			t.Errorf("result %d has repeat %d", i, r.Repeat)
		}
	}
}

// Reports: JUnit has one testcase per (case, model) with the failure's
// assertion and excerpt; Markdown has the totals per model.
func TestReports(t *testing.T) {
	_, c, id := fixture(t)
	suite := parse(t, `agent: `+id+`
models: [gpt-4.1-mini, gpt-4o]
cases:
  - {name: passes, input: hello, assert: [{contains: hello}]}
  - {name: fails, input: "hello <&> there", assert: [{contains: "Grace"}, {regex: "^x"}]}
`)
	rep, err := eval.Run(context.Background(), c, suite)
	if err != nil {
		t.Fatal(err)
	}
	var junit bytes.Buffer
	if err := rep.WriteJUnit(&junit); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(junit.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, junit.String())
	}
	if doc.Tests != 4 || doc.Failures != 2 || len(doc.Suites) != 2 || doc.Suites[1].Name != "gpt-4o" || len(doc.Suites[0].Cases) != 2 {
		t.Fatalf("junit: %+v", doc)
	}
	f := doc.Suites[0].Cases[1].Failure
	if f == nil || f.Message != `contains: "Grace": not in the answer` || !strings.Contains(f.Text, `actual: "You said: \"hello <&> there\"`) || !strings.Contains(f.Text, `regex: "^x"`) {
		t.Errorf("failure %+v", f)
	}
	if doc.Suites[0].Cases[0].Failure != nil {
		t.Error("a passing case has a failure")
	}

	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## Totals per model",
		"| gpt-4.1-mini | 2 | 1 | 1 | 0 | 50.0% |",
		"| gpt-4o | 2 | 1 | 1 | 0 | 50.0% |",
		"| all | 4 | 2 | 2 | 0 | 50.0% |",
		"| fails | gpt-4o | ❌ fail |",
		"- `contains: \"Grace\"`: not in the answer",
		"hello &lt;&amp;&gt; there", // not raw HTML in Markdown
	} {
		if want == "hello &lt;&amp;&gt; there" {
			want = "hello &lt;&&gt; there"
		}
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}

	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(table.String()) {
		if strings.HasSuffix(strings.TrimSuffix(line, "\n"), " ") {
			t.Errorf("table line ends with spaces: %q", line)
		}
	}
	for _, want := range []string{"CASE", "fails   gpt-4o", "FAIL", `contains: "Grace": not in the answer: "You said:`, "(+1 more)", "P95", "2 of 4 runs passed (50.0%): 2 failed, 0 errors"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

// A hostile answer (terminal escapes, XML-invalid bytes) reaches no report
// raw.
func TestHostileAnswerIsCleaned(t *testing.T) {
	_, c, id := fixture(t)
	suite := parse(t, "agent: "+id+"\ncases: [{name: \"evil\\e[2J\", input: \"hi \\e]0;pwned\\a \\x01\", assert: [{contains: nope}]}]\n")
	rep, err := eval.Run(context.Background(), c, suite)
	if err != nil {
		t.Fatal(err)
	}
	var table, md, junit bytes.Buffer
	_ = rep.WriteTable(&table)
	_ = rep.WriteMarkdown(&md)
	_ = rep.WriteJUnit(&junit)
	for name, out := range map[string]string{"table": table.String(), "markdown": md.String(), "junit": junit.String()} {
		if strings.ContainsAny(out, "\x1b\x07\x01") {
			t.Errorf("%s passes control characters through: %q", name, out)
		}
	}
	if err := xml.Unmarshal(junit.Bytes(), new(struct{})); err != nil {
		t.Errorf("junit is not well-formed: %v", err)
	}
}

// Every call goes through the client, so its rate limit holds for the
// whole suite: with a budget of three requests (the agent lookup and two
// runs) the third run waits, whatever the concurrency, until the run is
// stopped.
func TestRunsRespectTheClientsRateLimit(t *testing.T) {
	s, _, id := fixture(t)
	c, err := s.Client(api.WithTeamID(1), api.WithRateLimiter(rate.NewLimiter(rate.Every(time.Hour), 3)))
	if err != nil {
		t.Fatal(err)
	}
	suite := parse(t, "agent: "+id+"\nconcurrency: 4\ncases: [{name: a, input: a}, {name: b, input: b}, {name: c, input: c}, {name: d, input: d}]\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := eval.Run(ctx, c, suite, eval.WithOnResult(func(p eval.Progress) {
		if p.Done == 2 {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) || len(rep.Results) != 2 {
		t.Fatalf("%v, %d results", err, len(rep.Results))
	}
	if n := len(runs(s)); n != 2 {
		t.Errorf("%d runs reached the fake, want the 2 the limiter let through", n)
	}
}
