package sse_test

import (
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/sse"
)

// A step decodes Make's documented fields, tool calls and responses
// included; an unknown role decodes as it is, and fields the spec does not
// know stay in Data untouched.
func TestStepDecodesToolFieldsAndKeepsData(t *testing.T) {
	data := `{"role":"planner","content":"c","id":"s","index":3,"agentIterationId":"i","executionTimeMs":12.5,` +
		`"tokenUsage":{"promptTokens":1,"completionTokens":2,"totalTokens":3},` +
		`"toolCalls":[{"id":"call-1","name":"Get weather","toolType":"scenario","arguments":{"city":"Prague"}}],` +
		`"toolResponse":{"name":"Get weather","result":{"t":21},"status":"ok","toolType":"scenario","executionLink":"https://x"},"future":1}`
	e := sse.Event{Type: "step", ID: "e", Data: []byte(data)}
	st, err := e.Step()
	if err != nil {
		t.Fatal(err)
	}
	if st.Role != "planner" || st.Content != "c" || st.ID != "s" || st.AgentIterationID != "i" || st.Index != 3 || st.ExecutionTimeMs != 12.5 {
		t.Errorf("step = %+v", st)
	}
	if len(st.ToolCalls) != 1 || st.ToolCalls[0].Name != "Get weather" || st.ToolCalls[0].ToolType != api.ToolTypeScenario ||
		st.ToolCalls[0].Arguments["city"] != "Prague" {
		t.Errorf("toolCalls = %+v", st.ToolCalls)
	}
	if r := st.ToolResponse; r == nil || r.Status != api.ToolResponseStatusOk || r.ExecutionLink != "https://x" || r.Result.(map[string]any)["t"] != 21.0 {
		t.Errorf("toolResponse = %+v", st.ToolResponse)
	}
	if u, ok := st.Usage(); !ok || u.TotalTokens != 3 {
		t.Errorf("usage = %+v %v", u, ok)
	}
	if string(e.Data) != data {
		t.Error("Step changed the event's data")
	}
}

func TestStepErrors(t *testing.T) {
	for name, e := range map[string]sse.Event{
		"not a step event": {Type: "usage", Data: []byte(`{}`)},
		"bad JSON":         {Type: "step", Data: []byte(`{"role":`)},
		"wrong shape":      {Type: "step", Data: []byte(`["role"]`)},
	} {
		_, err := e.Step()
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "sse: ") || strings.ToLower(msg[:5]) != msg[:5] {
			t.Errorf("%s: error %q does not start with the lower-case package prefix", name, msg)
		}
	}
}
