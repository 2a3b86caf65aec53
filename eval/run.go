package eval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/conversation"
)

// Client is what Run needs of the API: runs (through a conversation, for
// threads), and the agent, to find it by name and know its default model.
// *api.Client (api.New) has all of it, and its rate limit and retries
// apply to every call.
type Client interface {
	conversation.Client
	ListAgents(ctx context.Context, opts ...api.CallOption) ([]api.Agent, error)
	GetAgent(ctx context.Context, agentID string, opts ...api.CallOption) (*api.Agent, error)
}

// Status is the outcome of one run of a case.
type Status string

const (
	// StatusPass: every assertion held.
	StatusPass Status = "pass"
	// StatusFail: the calls succeeded and an assertion did not hold.
	StatusFail Status = "fail"
	// StatusError: a call failed (network, an API error after the
	// client's retries), so the case could not be judged.
	StatusError Status = "error"
)

// Result is one run of one case with one model.
type Result struct {
	Case   string `json:"case"`
	Model  string `json:"model"`            // the override sent; "" for the agent's default
	Repeat int    `json:"repeat,omitempty"` // 0-based, when the suite repeats cases
	Status Status `json:"status"`
	// Failures are the assertions that did not hold (StatusFail).
	Failures []Failure `json:"failures,omitempty"`
	// Error says why a call failed (StatusError).
	Error string `json:"error,omitempty"`
	// Turns are the case's turns that were sent, in order.
	Turns []Turn `json:"turns,omitempty"`
	// Tokens is the total tokens of all turns (-1 when Make reported none).
	Tokens int64 `json:"tokens"`
	// Latency is the wall time of all turns.
	Latency Duration `json:"latencyMs"`
	// Fingerprint is the case's (Case.Fingerprint) when it ran.
	Fingerprint string `json:"fingerprint"`
	// Resumed marks a result kept from an earlier report rather than run now.
	Resumed bool `json:"resumed,omitempty"`
}

// Turn is one message of a case and the agent's answer to it.
type Turn struct {
	Input    string         `json:"input"`
	Answer   string         `json:"answer"`
	JSON     map[string]any `json:"jsonResponse,omitempty"`
	ThreadID string         `json:"threadId,omitempty"`
	Tools    []string       `json:"tools,omitempty"`   // the tools called, by name
	Tokens   int64          `json:"tokens"`            // -1: not reported
	Latency  Duration       `json:"latencyMs"`         // measured by the client
	ServerMs float64        `json:"serverMs,omitzero"` // Make's executionTimeMs
}

// Duration is a time.Duration written in JSON as milliseconds.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(float64(d) / float64(time.Millisecond))
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return err
	}
	*d = Duration(ms * float64(time.Millisecond))
	return nil
}

// Report is the result of running a suite: one Result per (case, model,
// repeat) that finished, in suite order. Write it with WriteJSON,
// WriteJUnit, WriteMarkdown or WriteTable; ReadReport reads WriteJSON's
// output back to resume.
type Report struct {
	Version int    `json:"version"`
	Suite   string `json:"suite"`
	AgentID string `json:"agentId"`
	// AgentName and DefaultModel are the agent's, as Make returned it.
	AgentName    string `json:"agentName,omitempty"`
	DefaultModel string `json:"defaultModel,omitempty"`
	// AgentFingerprint identifies the agent's configuration; results are
	// only resumed for the same agent configuration.
	AgentFingerprint string    `json:"agentFingerprint"`
	Started          time.Time `json:"started"`
	Finished         time.Time `json:"finished,omitzero"`
	// Planned is how many runs the suite asked for (with --only applied);
	// fewer Results means the run was interrupted.
	Planned int      `json:"planned"`
	Results []Result `json:"results"`
}

// reportVersion is the JSON report's format version.
const reportVersion = 1

// Passed reports whether every planned run finished and passed.
func (r *Report) Passed() bool {
	if len(r.Results) < r.Planned {
		return false
	}
	for _, res := range r.Results {
		if res.Status != StatusPass {
			return false
		}
	}
	return true
}

// Count returns how many results have the status.
func (r *Report) Count(s Status) int {
	n := 0
	for _, res := range r.Results {
		if res.Status == s {
			n++
		}
	}
	return n
}

// ModelLabel is how reports name a result's model: the override, or the
// agent's default model when the run sent none.
func (r *Report) ModelLabel(model string) string {
	switch {
	case model != "":
		return model
	case r.DefaultModel != "":
		return r.DefaultModel + " (default)"
	}
	return "(agent default)"
}

// Progress is reported after each run finishes.
type Progress struct {
	Result Result
	Done   int // runs finished so far, resumed ones included
	Total  int // runs planned
	// ModelLabel is how reports name the result's model.
	ModelLabel string

	snapshot func() *Report
}

// Snapshot returns the report so far: the results finished, in suite
// order, a copy the caller may keep. Call it during the WithOnResult call
// that received p.
func (p Progress) Snapshot() *Report { return p.snapshot() }

// Option configures Run and RunTests.
type Option func(*settings)

type settings struct {
	agentID     string
	only        []string
	concurrency int
	previous    *Report
	teamID      int64
	now         func() time.Time
	onResult    func(Progress)
	redact      func(string) string
}

// WithAgent runs the suite against this agent id, whatever the suite names.
func WithAgent(id string) Option { return func(s *settings) { s.agentID = id } }

// WithOnly runs only the cases with these names; a name may be a
// path.Match pattern (greets*). A name that matches no case is an error.
func WithOnly(names ...string) Option {
	return func(s *settings) { s.only = append(s.only, names...) }
}

// WithConcurrency overrides the suite's concurrency.
func WithConcurrency(n int) Option { return func(s *settings) { s.concurrency = n } }

// WithResume keeps the results of an earlier report of the same suite and
// agent: a case whose result is there (passed or failed, for the same case
// fingerprint and agent configuration) is not run again. Errors are run
// again.
func WithResume(previous *Report) Option { return func(s *settings) { s.previous = previous } }

// WithTeamID runs in this team instead of the client's default.
func WithTeamID(id int64) Option { return func(s *settings) { s.teamID = id } }

// WithRedact passes every text the server sends (answers, structured
// answers, tool names, call errors) through redact before it is judged or
// kept, so a secret the server echoes (the API token) reaches no report,
// not even cut in half by an excerpt.
func WithRedact(redact func(string) string) Option { return func(s *settings) { s.redact = redact } }

// WithClock sets the clock latency is measured with (tests).
func WithClock(now func() time.Time) Option { return func(s *settings) { s.now = now } }

// WithOnResult calls f after each run finishes, one call at a time, with
// the progress; p.Snapshot() is the report so far, for writing it as the
// run goes, so a killed run can be resumed.
func WithOnResult(f func(p Progress)) Option {
	return func(s *settings) { s.onResult = f }
}

// job is one planned run.
type job struct {
	index  int // position in the suite's matrix
	c      *Case
	model  string
	repeat int
}

// Plan returns how many runs Run would make (cases x models x repeat,
// after WithOnly), or a *SuiteError for an --only name that matches nothing.
func Plan(s *Suite, opts ...Option) (int, error) {
	st := newSettings(opts)
	jobs, err := plan(s, st)
	return len(jobs), err
}

func newSettings(opts []Option) *settings {
	st := &settings{now: time.Now, redact: func(s string) string { return s }}
	for _, o := range opts {
		o(st)
	}
	return st
}

func plan(s *Suite, st *settings) ([]job, error) {
	cases, err := selectCases(s, st.only)
	if err != nil {
		return nil, err
	}
	models := s.Models
	if len(models) == 0 {
		models = []string{""}
	}
	var jobs []job
	for _, c := range cases {
		for _, m := range models {
			for r := range max(s.Repeat, 1) {
				jobs = append(jobs, job{index: len(jobs), c: c, model: m, repeat: r})
			}
		}
	}
	return jobs, nil
}

func selectCases(s *Suite, only []string) ([]*Case, error) {
	var out []*Case
	if len(only) == 0 {
		for i := range s.Cases {
			out = append(out, &s.Cases[i])
		}
		return out, nil
	}
	picked := make([]bool, len(s.Cases))
	for _, name := range only {
		hit := false
		for i, c := range s.Cases {
			ok := c.Name == name
			if !ok {
				ok, _ = path.Match(name, c.Name)
			}
			if ok {
				picked[i], hit = true, true
			}
		}
		if !hit {
			var names []string
			for _, c := range s.Cases {
				names = append(names, fmt.Sprintf("%q", c.Name))
			}
			return nil, &SuiteError{Problems: []Problem{{File: s.File, Key: "--only", Msg: fmt.Sprintf("no case is named %q (cases: %s)", name, strings.Join(names, ", "))}}}
		}
	}
	for i := range s.Cases {
		if picked[i] {
			out = append(out, &s.Cases[i])
		}
	}
	return out, nil
}

// Run runs every case of the suite (per model, per repeat) against the
// agent, at most the suite's concurrency at once, and judges each last
// answer by the case's assertions. A call that fails makes that run a
// StatusError; the others go on.
//
// The error is a *SuiteError when the suite cannot run as asked (no agent
// named, a name no agent has, an --only that matches nothing): then no run
// was sent. A failure to look the agent up is returned as it is. When ctx
// is cancelled, no new run starts, the runs in flight stop, and Run returns
// the finished results with ctx's error.
func Run(ctx context.Context, c Client, s *Suite, opts ...Option) (*Report, error) {
	st := newSettings(opts)
	jobs, err := plan(s, st)
	if err != nil {
		return nil, err
	}
	agent, err := resolveAgent(ctx, c, s, st)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Version: reportVersion, Suite: s.File, AgentID: agent.ID, AgentName: agent.Name,
		DefaultModel: agent.DefaultModel, AgentFingerprint: agentFingerprint(agent),
		Started: st.now().UTC(), Planned: len(jobs),
	}
	results := make([]*Result, len(jobs))
	kept := resumable(st.previous, rep)
	var todo []job
	for _, j := range jobs {
		if prev, ok := kept[resultKey{j.c.Name, j.model, j.repeat}]; ok && prev.Fingerprint == j.c.fingerprint {
			prev.Resumed = true
			results[j.index] = &prev
			continue
		}
		todo = append(todo, j)
	}

	var mu sync.Mutex
	done := len(jobs) - len(todo)
	snapshot := func() *Report {
		cp := *rep
		cp.Results = nil
		for _, r := range results {
			if r != nil {
				cp.Results = append(cp.Results, *r)
			}
		}
		return &cp
	}
	finish := func(j job, r Result) {
		mu.Lock()
		defer mu.Unlock()
		results[j.index] = &r
		done++
		if st.onResult != nil {
			st.onResult(Progress{Result: r, Done: done, Total: len(jobs), ModelLabel: rep.ModelLabel(r.Model), snapshot: snapshot})
		}
	}

	concurrency := s.Concurrency
	if st.concurrency > 0 {
		concurrency = st.concurrency
	}
	concurrency = max(concurrency, 1)
	queue := make(chan job)
	var wg sync.WaitGroup
	for range min(concurrency, max(len(todo), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				if ctx.Err() != nil {
					continue // stopped: start nothing new, not even a dial
				}
				r, ok := runCase(ctx, c, agent.ID, s, j, st)
				if ok {
					finish(j, r)
				}
			}
		}()
	}
feed:
	for _, j := range todo {
		if ctx.Err() != nil {
			break
		}
		select {
		case queue <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	out := snapshot()
	out.Finished = st.now().UTC()
	return out, ctx.Err()
}

type resultKey struct {
	name   string
	model  string
	repeat int
}

// resumable returns the results of prev that may stand in for runs of rep:
// same suite agent and configuration, judged (not errors).
func resumable(prev, rep *Report) map[resultKey]Result {
	out := map[resultKey]Result{}
	if prev == nil || prev.AgentID != rep.AgentID || prev.AgentFingerprint != rep.AgentFingerprint {
		return out
	}
	for _, r := range prev.Results {
		if r.Status == StatusPass || r.Status == StatusFail {
			out[resultKey{r.Case, r.Model, r.Repeat}] = r
		}
	}
	return out
}

// agentFingerprint identifies an agent's configuration as Make returned
// it, so a result of an earlier run is not reused once the agent changed
// (its prompt, model, tools or knowledge).
func agentFingerprint(a *api.Agent) string {
	cp := *a
	cp.PastConfigurations = nil // history, not configuration
	b, _ := json.Marshal(cp)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func resolveAgent(ctx context.Context, c Client, s *Suite, st *settings) (*api.Agent, error) {
	id := st.agentID
	if id == "" {
		id = s.Agent
	}
	if id == "" && s.AgentName == "" {
		return nil, &SuiteError{Problems: []Problem{{File: s.File, Key: "agent", Msg: "the suite names no agent: set agent (an id) or name, or pass --agent ID"}}}
	}
	opts := st.callOpts()
	if id == "" {
		agents, err := c.ListAgents(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("find the agent named %q: %w", s.AgentName, err)
		}
		var ids []string
		for _, a := range agents {
			if a.Name == s.AgentName {
				ids = append(ids, a.ID)
			}
		}
		switch len(ids) {
		case 0:
			return nil, &SuiteError{Problems: []Problem{{File: s.File, Key: "name", Msg: fmt.Sprintf("no agent of the team is named %q", s.AgentName)}}}
		case 1:
			id = ids[0]
		default:
			return nil, &SuiteError{Problems: []Problem{{File: s.File, Key: "name", Msg: fmt.Sprintf("%d agents are named %q (%s): give the id as agent", len(ids), s.AgentName, strings.Join(ids, ", "))}}}
		}
	}
	a, err := c.GetAgent(ctx, id, opts...)
	if err != nil {
		return nil, fmt.Errorf("get agent %s: %w", id, err)
	}
	if a.ID == "" {
		a.ID = id
	}
	return a, nil
}

// redacted is res with every server text passed through st.redact.
func (st *settings) redacted(res *api.RunAgentResult) *api.RunAgentResult {
	cp := *res
	cp.Response = st.redact(res.Response)
	if res.JSONResponse != nil {
		if b, err := json.Marshal(res.JSONResponse); err == nil {
			var m map[string]any
			if json.Unmarshal([]byte(st.redact(string(b))), &m) == nil {
				cp.JSONResponse = m
			}
		}
	}
	cp.ExecutionSteps = make([]api.Step, len(res.ExecutionSteps))
	for i, step := range res.ExecutionSteps {
		step.Content = st.redact(step.Content)
		step.ToolCalls = append([]api.ToolCall(nil), step.ToolCalls...)
		for j := range step.ToolCalls {
			step.ToolCalls[j].Name = st.redact(step.ToolCalls[j].Name)
		}
		if tr := step.ToolResponse; tr != nil {
			c := *tr
			c.Name, c.ExecutionLink = st.redact(c.Name), st.redact(c.ExecutionLink)
			step.ToolResponse = &c
		}
		cp.ExecutionSteps[i] = step
	}
	return &cp
}

func (st *settings) callOpts() []api.CallOption {
	if st.teamID != 0 {
		return []api.CallOption{api.ForTeam(st.teamID)}
	}
	return nil
}

// runCase sends the case's turns in one thread and judges the last
// answer. ok is false when ctx ended the run before it finished: such a
// run is not a result.
func runCase(ctx context.Context, c Client, agentID string, s *Suite, j job, st *settings) (Result, bool) {
	r := Result{Case: j.c.Name, Model: j.model, Repeat: j.repeat, Fingerprint: j.c.fingerprint}
	var cfg api.RunConfig
	if j.model != "" {
		cfg.LLMConfig.LLMModel = j.model
	}
	if j.c.Output != nil {
		var p api.OutputParser
		if err := p.FromOutputParserMakeSchema(api.OutputParserMakeSchema{Type: api.OutputParserMakeSchemaTypeMakeSchema, Schema: j.c.Output}); err != nil {
			r.Status, r.Error = StatusError, "build the output parser: "+err.Error()
			return r, true
		}
		cfg.OutputParser = p
	}
	convOpts := []conversation.Option{conversation.WithConfig(cfg)}
	if st.teamID != 0 {
		convOpts = append(convOpts, conversation.WithTeamID(st.teamID))
	}
	conv := conversation.New(c, agentID, convOpts...)
	var last turnView
	tokensKnown := true
	for _, msg := range j.c.Turns {
		began := st.now()
		res, err := conv.Send(ctx, msg)
		took := st.now().Sub(began)
		if err != nil {
			if ctx.Err() != nil {
				return r, false
			}
			// The SDK's errors start with its name; a report names the call.
			r.Status, r.Error = StatusError, st.redact(strings.TrimPrefix(err.Error(), "makeagents: "))
			r.Tokens, r.Latency = sumTurns(r.Turns)
			return r, true
		}
		res = st.redacted(res)
		tokens, hasTok := runTokens(res)
		tokensKnown = tokensKnown && hasTok
		t := Turn{Input: st.redact(msg), Answer: res.Response, JSON: res.JSONResponse, ThreadID: res.ThreadID, Latency: Duration(took), Tokens: -1}
		if hasTok {
			t.Tokens = tokens
		}
		t.ServerMs = res.ExecutionTimeMs
		for _, tc := range toolCalls(res.ExecutionSteps) {
			t.Tools = append(t.Tools, tc.name)
		}
		r.Turns = append(r.Turns, t)
		last = turnView{answer: res.Response, json: res.JSONResponse, steps: res.ExecutionSteps, tokens: tokens, hasTok: hasTok, latency: took, output: j.c.Output}
	}
	r.Tokens, r.Latency = sumTurns(r.Turns)
	if !tokensKnown {
		r.Tokens = -1
	}
	for _, a := range slices.Concat(s.Assert, j.c.Assert) {
		if f := a.check(last); f != nil {
			r.Failures = append(r.Failures, *f)
		}
	}
	r.Status = StatusPass
	if len(r.Failures) > 0 {
		r.Status = StatusFail
	}
	return r, true
}

func sumTurns(turns []Turn) (int64, Duration) {
	var tok int64
	var lat Duration
	for _, t := range turns {
		if t.Tokens > 0 {
			tok += t.Tokens
		}
		lat += t.Latency
	}
	return tok, lat
}

// runTokens is a run's total tokens: the summary's total, else prompt plus
// completion, else the sum over its steps; false when Make reported none.
func runTokens(res *api.RunAgentResult) (int64, bool) {
	// Make reports no zero-token run: zero is "not reported".
	u := res.TokenUsageSummary
	if u.TotalTokens != 0 {
		return u.TotalTokens, true
	}
	if n := u.PromptTokens + u.CompletionTokens; n != 0 {
		return n, true
	}
	var n int64
	for _, st := range res.ExecutionSteps {
		if su, ok := st.Usage(); ok {
			n += su.TotalTokens
		}
	}
	return n, n != 0
}

func (d Duration) std() time.Duration { return time.Duration(d) }
