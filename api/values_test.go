package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
)

// TestResultsReadAsValues: a run result and its steps decode into value
// fields, a count Make leaves out is 0, and usages add up without nil
// checks.
func TestResultsReadAsValues(t *testing.T) {
	body := `{"response":"hi","threadId":"t","executionTimeMs":1500,"tokenUsageSummary":{"promptTokens":7},
	"executionSteps":[{"role":"user","content":"a","executionTimeMs":0.25,"tokenUsage":{"totalTokens":0}},
	{"role":"assistant","content":"b","tokenUsage":{"promptTokens":3,"completionTokens":4,"totalTokens":7}},
	{"role":"assistant","content":"c","tokenUsage":{"other":1}},
	{"role":"tool","content":"d","toolResponse":{"status":"ok","toolType":"scenario"}}]}`
	var r api.RunAgentResult
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	u := r.TokenUsageSummary
	if u.PromptTokens != 7 || u.CompletionTokens != 0 || u.TotalTokens != 0 {
		t.Errorf("summary %+v", u)
	}
	if r.ExecutionTime() != 1500*time.Millisecond || r.ExecutionSteps[0].ExecutionTime() != 250*time.Microsecond {
		t.Errorf("execution times %v, %v", r.ExecutionTime(), r.ExecutionSteps[0].ExecutionTime())
	}
	var sum api.TokenUsage
	var with []int
	for i, st := range r.ExecutionSteps {
		if su, ok := st.Usage(); ok {
			sum = sum.Add(su)
			with = append(with, i)
		}
	}
	// {"totalTokens":0} is a usage (of nothing); {"other":1} is not one.
	if len(with) != 2 || with[0] != 0 || with[1] != 1 {
		t.Errorf("steps with a usage: %v, want [0 1]", with)
	}
	if sum != (api.TokenUsage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 7}) {
		t.Errorf("sum %+v", sum)
	}
	if r.ExecutionSteps[1].ToolResponse != nil || r.ExecutionSteps[3].ToolResponse == nil {
		t.Error("ToolResponse should be set on the tool step only")
	}
}

// TestCreatedAgentID: the create answer's agentId and a listed agent's id
// are both read as ID.
func TestCreatedAgentID(t *testing.T) {
	var c api.CreatedAgent
	if err := json.Unmarshal([]byte(`{"agentId":"a1","name":"n","teamId":1,"makeConnectionId":2,"defaultModel":"m","systemPrompt":"p"}`), &c); err != nil {
		t.Fatal(err)
	}
	var a api.Agent
	if err := json.Unmarshal([]byte(`{"id":"a1"}`), &a); err != nil {
		t.Fatal(err)
	}
	if c.ID != "a1" || a.ID != c.ID {
		t.Errorf("created %q, listed %q", c.ID, a.ID)
	}
	// The wire keeps Make's key.
	b, _ := json.Marshal(c)
	if string(b) != `{"agentId":"a1","defaultModel":"m","makeConnectionId":2,"name":"n","systemPrompt":"p","teamId":1}` {
		t.Errorf("encoded %s", b)
	}
}

// TestRequestZeroValuesLeftOut: a zero optional field is not sent, a set
// pointer is sent even when it points at zero.
func TestRequestZeroValuesLeftOut(t *testing.T) {
	run := api.NewRunRequest("x")
	b, _ := json.Marshal(run)
	if string(b) != `{"config":{},"messages":[{"content":"x","role":"user"}]}` {
		t.Errorf("zero run encoded as %s", b)
	}
	run.Config.HistoryConfig = &api.HistoryConfig{IterationsFromHistoryCount: new(int64(0))}
	run.Config.InvocationConfig.RecursionLimit = new(int64(0))
	b, _ = json.Marshal(run.Config)
	if string(b) != `{"historyConfig":{"iterationsFromHistoryCount":0},"invocationConfig":{"recursionLimit":0}}` {
		t.Errorf("config encoded as %s", b)
	}
	b, _ = json.Marshal(api.UpdateAgentRequest{Name: new(""), MCPConfigs: &[]api.MCPConfig{}})
	if string(b) != `{"mcpConfigs":[],"name":""}` {
		t.Errorf("update encoded as %s", b)
	}
}
