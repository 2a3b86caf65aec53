package sse_test

import (
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/sse"
)

func TestStepKeepsUnknownFields(t *testing.T) {
	e := sse.Event{Type: "step", ID: "e", Data: []byte(`{"role":"planner","content":"c","id":"s","agentIterationId":"i","toolCalls":[{"name":"x"}]}`)}
	st, err := e.Step()
	if err != nil {
		t.Fatal(err)
	}
	if st.Role != "planner" || st.Content != "c" || st.ID != "s" || st.AgentIterationID != "i" {
		t.Errorf("step = %+v", st)
	}
	if _, ok := st.AdditionalProperties["toolCalls"]; !ok {
		t.Errorf("unknown field dropped: %+v", st.AdditionalProperties)
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
