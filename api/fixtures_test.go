package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
)

// Every example payload of Make's reference (testdata/upstream) decodes into
// the generated types with the values it shows.
func TestUpstreamExamplesDecode(t *testing.T) {
	t.Run("agent", func(t *testing.T) {
		var a api.Agent
		mustDecode(t, fixture(t, "agent.json"), &a)
		if a.ID != "b504aa93-0752-4bf8-887e-c2c717d525bf" || a.TeamID != 2 || a.InvocationConfig.RecursionLimit == nil ||
			*a.InvocationConfig.RecursionLimit != 300 || a.CreatedAt.UnixMilli() != 1750858606730 {
			t.Errorf("agent = %+v", a)
		}
		if len(a.Scenarios) != 1 || a.Scenarios[0].MakeScenarioID != 123 || *a.Scenarios[0].ApprovalMode != api.ApprovalModeAutoRun {
			t.Errorf("scenarios = %+v", a.Scenarios)
		}
		m := (*a.McpConfigs)[0]
		if m.McpConnectionID != 456 || len(*m.ToolIds) != 2 || *m.Name != "Example MCP Config" {
			t.Errorf("mcpConfigs = %+v", m)
		}
		if *a.HistoryConfig.IterationsFromHistoryCount != 10 || *a.LlmConfig.MaxTokens != 100000 {
			t.Errorf("history/llm = %+v %+v", a.HistoryConfig, a.LlmConfig)
		}
		c := (*a.Contexts)[0]
		if *c.DocumentName != "Example Document" || *c.IsTemporary || (*c.Metadata)["type"] != "csv" {
			t.Errorf("context = %+v", c)
		}
	})
	t.Run("agent-2026", func(t *testing.T) {
		var a api.Agent
		mustDecode(t, fixture(t, "agent-2026.json"), &a)
		if *a.MakeConnectionType != "openai" || len(*a.PastConfigurations) != 1 || a.OutputParserFormat.Type != api.OutputParserTypeText {
			t.Errorf("agent = %+v", a)
		}
	})
	t.Run("create-request", func(t *testing.T) {
		var r api.CreateAgentRequest
		mustDecode(t, fixture(t, "create-request.json"), &r)
		if r.Name != "Example Agent" || r.TeamID != 1 || r.MakeConnectionID != 123 || r.SystemPrompt == "" {
			t.Errorf("create request = %+v", r)
		}
	})
	t.Run("created-agent", func(t *testing.T) {
		var c api.CreatedAgent
		mustDecode(t, fixture(t, "created-agent.json"), &c)
		if c.ResolvedID() != "123e4567-e89b-12d3-a456-426614174000" || *c.MakeConnectionID != 123 {
			t.Errorf("created = %+v", c)
		}
	})
	t.Run("error-403", func(t *testing.T) {
		var e api.Error
		mustDecode(t, fixture(t, "error-403.json"), &e)
		if *e.Code != "SC403" || *e.Message != "Permission denied" || *e.Detail != "Access denied." {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("run-request", func(t *testing.T) {
		var r api.RunAgentRequest
		mustDecode(t, fixture(t, "run-request.json"), &r)
		if len(r.Messages) != 1 || r.Messages[0].Role != api.MessageRoleUser || *r.ThreadID != "a64d23ed-2580-43e4-a898-e97193d7fd5e" {
			t.Errorf("run request = %+v", r)
		}
	})
	t.Run("step", func(t *testing.T) {
		var data string
		for _, line := range strings.Split(fixture(t, "step-event.txt"), "\n") {
			if v, ok := strings.CutPrefix(line, "data: "); ok {
				data = v
			}
		}
		var s api.Step
		mustDecode(t, data, &s)
		if s.Role != api.StepRoleSystem || s.ID != "445431dd-c20e-4a58-a043-ca9c131d4010" ||
			s.AgentIterationID != "a132ced5-4afd-4444-ac9d-330cc99c4986" || !strings.HasPrefix(s.Content, "do what user says\nCurrent time") {
			t.Errorf("step = %+v", s)
		}
	})
}

// The upstream error example as published has a trailing comma; it is not
// JSON, which is why the fixture is corrected. APIError still keeps it raw.
func TestUpstreamErrorExampleAsPublishedIsNotJSON(t *testing.T) {
	published := `{"detail":"Access denied.","message":"Permission denied","code":"SC403",}`
	if json.Valid([]byte(published)) {
		t.Fatal("the published example became valid JSON; drop the fixture correction")
	}
}

// AgentList decodes the declared array, the upstream single-object example
// and wrapper objects, and always encodes as an array.
func TestAgentListShapes(t *testing.T) {
	agent := fixture(t, "agent.json")
	cases := map[string]struct {
		body string
		want int
	}{
		"array":          {"[" + agent + "," + agent + "]", 2},
		"empty array":    {"[]", 0},
		"null":           {"null", 0},
		"single object":  {agent, 1},
		"agents wrapper": {`{"agents":[` + agent + `]}`, 1},
		"data wrapper":   {`{"data":[` + agent + `,` + agent + `],"meta":{}}`, 2},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var l api.AgentList
			mustDecode(t, tc.body, &l)
			if len(l) != tc.want {
				t.Fatalf("decoded %d agents, want %d", len(l), tc.want)
			}
			if tc.want > 0 && l[0].Name != "myagent" {
				t.Errorf("first agent = %+v", l[0])
			}
			out, err := json.Marshal(l)
			if err != nil || out[0] != '[' {
				t.Errorf("encoded as %.40s (%v), want an array", out, err)
			}
		})
	}
	for _, bad := range []string{`"agents"`, `[{"teamId":"two"}]`, `{"agents":[1]}`, ``} {
		var l api.AgentList
		if err := json.Unmarshal([]byte(bad), &l); err == nil {
			t.Errorf("decoding %q succeeded; want an error", bad)
		}
	}
}

func TestCreatedAgentResolvedID(t *testing.T) {
	for body, want := range map[string]string{
		`{"agentId":"a1","id":"i1"}`:       "a1",
		`{"id":"i1"}`:                      "i1",
		`{"agent":{"id":"w1"}}`:            "w1",
		`{"name":"no id at all"}`:          "",
		`{"agentId":"","id":"fallback"}`:   "fallback",
		`{"agent":{"id":42},"name":"odd"}`: "",
	} {
		var c api.CreatedAgent
		mustDecode(t, body, &c)
		if got := c.ResolvedID(); got != want {
			t.Errorf("ResolvedID(%s) = %q, want %q", body, got, want)
		}
	}
}

func mustDecode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, body)
	}
}
