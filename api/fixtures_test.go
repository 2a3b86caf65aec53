package api_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
)

// Every example payload of Make's published spec for the agent operations
// (testdata/upstream, verbatim) decodes into the generated types with the
// values it shows.
func TestUpstreamExamplesDecode(t *testing.T) {
	t.Run("agent (get)", func(t *testing.T) {
		var a api.Agent
		mustDecode(t, fixture(t, "agent.json"), &a)
		if a.ID != "b504aa93-0752-4bf8-887e-c2c717d525bf" || a.TeamID != 2 || a.InvocationConfig.RecursionLimit != 300 ||
			a.CreatedAt.UnixMilli() != 1750858606730 || a.MakeConnectionID != 18 || a.MakeConnectionType != "openai-gpt-3" ||
			a.LLMProviderID != 9 || a.HistoryConfig.IterationsFromHistoryCount != 10 || a.LLMConfig.MaxTokens != 100000 {
			t.Errorf("agent = %+v", a)
		}
		if len(a.Scenarios) != 1 || a.Scenarios[0].MakeScenarioID != 123 || a.Scenarios[0].ApprovalMode != api.ApprovalModeAutoRun {
			t.Errorf("scenarios = %+v", a.Scenarios)
		}
		// Make's get example mixes both MCP forms: toolIds and tools.
		if len(a.MCPConfigs) != 2 || !slices.Equal(a.MCPConfigs[0].ToolIds, []string{"s1_list_inventory"}) ||
			a.MCPConfigs[1].Name != "GitMCP" || len(a.MCPConfigs[1].Tools) != 2 || a.MCPConfigs[1].Tools[1].ID != "search_generic_code" {
			t.Errorf("mcpConfigs = %+v", a.MCPConfigs)
		}
		if len(a.PastConfigurations) != 1 || a.PastConfigurations[0].MCPConfigs[0].MCPConnectionID != 19 ||
			a.PastConfigurations[0].InvocationConfig.RecursionLimit != 300 {
			t.Errorf("pastConfigurations = %+v", a.PastConfigurations)
		}
		c := a.Contexts[0]
		if c.DocumentName != "Example Document" || c.IsTemporary || c.Metadata["type"] != "csv" ||
			c.AgentID != "1b504aa93-0752-4bf8-887e-c2c717d525bf0" {
			t.Errorf("context = %+v", c)
		}
		ms, err := a.OutputParser.AsOutputParserMakeSchema()
		if kind, _ := a.OutputParser.Discriminator(); err != nil || kind != "make-schema" || len(ms.Schema) != 2 ||
			ms.Schema[1].Type != api.SchemaFieldTypeInteger || ms.Schema[0].Required != true {
			t.Errorf("outputParser = %+v (%v)", ms, err)
		}
	})
	t.Run("agent-list (one object, as Make's list example)", func(t *testing.T) {
		var l api.AgentList
		mustDecode(t, fixture(t, "agent-list.json"), &l)
		if len(l) != 1 || l[0].Name != "myagent" || l[0].MCPConfigs[0].ToolIds[1] != "tool2" || l[0].MakeConnectionID != 0 {
			t.Errorf("list = %+v", l)
		}
	})
	t.Run("create-request", func(t *testing.T) {
		var r api.CreateAgentRequest
		mustDecode(t, fixture(t, "create-request.json"), &r)
		if r.Name != "Example Agent" || r.TeamID != 1 || r.MakeConnectionID != 123 || r.SystemPrompt == "" ||
			*r.LLMConfig.MaxTokens != 100000 || *r.HistoryConfig.IterationsFromHistoryCount != 10 ||
			r.MCPConfigs[0].MCPConnectionID != 456 || r.Contexts[0].ID != "123e4567-e89b-12d3-a456-426614174000" {
			t.Errorf("create request = %+v", r)
		}
	})
	t.Run("created-agent", func(t *testing.T) {
		var c api.CreatedAgent
		mustDecode(t, fixture(t, "created-agent.json"), &c)
		if c.ID != "123e4567-e89b-12d3-a456-426614174000" || c.MakeConnectionID != 123 || c.DefaultModel != "gpt-3.5-turbo" {
			t.Errorf("created = %+v", c)
		}
	})
	t.Run("update-request", func(t *testing.T) {
		var r api.UpdateAgentRequest
		mustDecode(t, fixture(t, "update-request.json"), &r)
		if *r.Name != "Modified Agent" || *r.InvocationConfig.Timeout != 30000 || (*r.Scenarios)[0].MakeScenarioID != 345 ||
			r.OutputParserFormat == nil {
			t.Errorf("update request = %+v", r)
		}
	})
	t.Run("run-request", func(t *testing.T) {
		var r api.RunAgentRequest
		mustDecode(t, fixture(t, "run-request.json"), &r)
		if len(r.Messages) != 1 || r.Messages[0].Role != api.MessageRoleUser || r.ThreadID != "123e4567-e89b-12d3-a456-426614174000" ||
			r.Config.LLMConfig.LLMModel != "o4-mini" || *r.Config.LLMConfig.Settings.MaxTokens != 1500 ||
			*r.Config.InvocationConfig.Timeout != 60000 || r.Config.AdditionalSystemPrompt != "And you should always reply politely." {
			t.Errorf("run request = %+v", r)
		}
		if kind, err := r.Config.OutputParser.Discriminator(); err != nil || kind != "text" {
			t.Errorf("outputParser kind = %q (%v)", kind, err)
		}
	})
	t.Run("run-result", func(t *testing.T) {
		var r api.RunAgentResult
		mustDecode(t, fixture(t, "run-result.json"), &r)
		if len(r.ExecutionSteps) != 2 || r.TokenUsageSummary.TotalTokens == 0 || r.TokenUsageSummary.TotalTokens != 30 ||
			r.JSONResponse["currentStay"] != "New Zealand" || r.ExecutionTimeMs != 500 || r.ThreadID != "123e4567-e89b-12d3-a456-426614174000" ||
			r.LastAgentIterationID != "af7aa955-f0e9-499b-85de-0b3bf160c565" || !strings.HasPrefix(r.Response, `{"name":"Liz Carlson"`) {
			t.Errorf("run result = %+v", r)
		}
		st := r.ExecutionSteps[1]
		u, ok := st.Usage()
		if st.Role != api.StepRoleAssistant || st.Index != 2 || st.ExecutionTimeMs != 200 || !ok || u.PromptTokens != 10 || u.CompletionTokens != 20 {
			t.Errorf("step = %+v usage %+v %v", st, u, ok)
		}
		if _, ok := r.ExecutionSteps[0].Usage(); ok {
			t.Error("a step without tokenUsage reported usage")
		}
	})
	t.Run("error-400 with detail as a list", func(t *testing.T) {
		var e api.Error
		mustDecode(t, fixture(t, "error-400-detail-list.json"), &e)
		if e.Code != "SC400" || !slices.Equal(e.Detail.Lines(), []string{"Validation failed for 1 parameter(s).", "Missing value of required parameter 'teamId'."}) {
			t.Errorf("error = %+v lines %q", e, e.Detail.Lines())
		}
	})
	t.Run("error-403", func(t *testing.T) {
		var e api.Error
		mustDecode(t, fixture(t, "error-403.json"), &e)
		if e.Code != "SC403" || e.Message != "Permission denied" || e.Detail.Text() != "Access denied." {
			t.Errorf("error = %+v", e)
		}
	})
	t.Run("stream", func(t *testing.T) {
		// The one documented event, as Make shows it: "data:" with no space.
		var data string
		for _, line := range strings.Split(fixture(t, "stream.txt"), "\n") {
			if v, ok := strings.CutPrefix(line, "data:"); ok {
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

// No field of a Make example is lost by the generated types: each example
// is decoded, re-encoded and compared with the original, value by value.
// The only differences allowed are fields the spec does not declare (listed
// here, and still in the raw body a caller gets as res.Body).
func TestUpstreamExamplesRoundTrip(t *testing.T) {
	cases := []struct {
		file    string
		into    func() any
		unknown []string // JSON paths Make's example has that the spec does not declare
	}{
		{"agent.json", func() any { return new(api.Agent) }, nil},
		{"agent-list.json", func() any { return new(api.Agent) }, nil},
		{"create-request.json", func() any { return new(api.CreateAgentRequest) }, []string{"mcpConfigs[0].name"}},
		{"created-agent.json", func() any { return new(api.CreatedAgent) }, nil},
		{"update-request.json", func() any { return new(api.UpdateAgentRequest) }, nil},
		{"run-request.json", func() any { return new(api.RunAgentRequest) }, nil},
		{"run-result.json", func() any { return new(api.RunAgentResult) }, nil},
		{"error-400-detail-list.json", func() any { return new(api.Error) }, nil},
		{"error-403.json", func() any { return new(api.Error) }, nil},
		{"error-429.json", func() any { return new(api.Error) }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			original := fixture(t, tc.file)
			typed := tc.into()
			mustDecode(t, original, typed)
			again, err := json.Marshal(typed)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			mustDecode(t, original, &want)
			mustDecode(t, string(again), &got)
			lost := diffJSON("", want, got)
			sort.Strings(lost)
			if !slices.Equal(lost, tc.unknown) {
				t.Errorf("re-encoded example differs at %q, want only %q\nre-encoded: %s", lost, tc.unknown, again)
			}
		})
	}
}

// diffJSON lists the paths where two decoded JSON values differ.
func diffJSON(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{path}
		}
		var out []string
		for k, v := range w {
			if _, kept := g[k]; !kept && isJSONZero(v) {
				// Optional fields are values: a zero Make sent (false, 0,
				// "") reads as the field left out, and is not re-sent.
				continue
			}
			out = append(out, diffJSON(strings.TrimPrefix(path+"."+k, "."), v, g[k])...)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				out = append(out, strings.TrimPrefix(path+"."+k, ".")+" (added)")
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{path}
		}
		var out []string
		for i := range w {
			out = append(out, diffJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	case string:
		// time.Time re-encodes "…46.730Z" as "…46.73Z": the same instant.
		if g, ok := got.(string); ok && w != g {
			tw, errW := time.Parse(time.RFC3339Nano, w)
			tg, errG := time.Parse(time.RFC3339Nano, g)
			if errW == nil && errG == nil && tw.Equal(tg) {
				return nil
			}
		}
		if want != got {
			return []string{path}
		}
		return nil
	default:
		if !reflect.DeepEqual(want, got) {
			return []string{path}
		}
		return nil
	}
}

func isJSONZero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case string:
		return v == ""
	case json.Number:
		f, err := v.Float64()
		return err == nil && f == 0
	case float64:
		return v == 0
	}
	return false
}

// The error example as Make publishes it has a trailing comma; it is not
// JSON, which is why the fixture is corrected. APIError still keeps it raw.
func TestUpstreamErrorExampleAsPublishedIsNotJSON(t *testing.T) {
	published := `{"detail":"Access denied.","message":"Permission denied","code":"SC403",}`
	if json.Valid([]byte(published)) {
		t.Fatal("the published example became valid JSON; drop the fixture correction")
	}
}

// AgentList decodes the declared array, Make's single-object example and
// wrapper objects, and always encodes as an array.
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

// An output parser type Make adds later decodes; its raw JSON stays
// reachable through the union's MarshalJSON.
func TestOutputParserUnknownType(t *testing.T) {
	var p api.OutputParser
	mustDecode(t, `{"type":"json-schema","schema":{"type":"object"}}`, &p)
	if kind, err := p.Discriminator(); err != nil || kind != "json-schema" {
		t.Errorf("discriminator = %q (%v)", kind, err)
	}
	if b, _ := json.Marshal(p); string(b) != `{"type":"json-schema","schema":{"type":"object"}}` {
		t.Errorf("re-encoded as %s", b)
	}
}

// An UpdateAgentRequest tells "clear this list" ([]) from "leave it" (nil),
// which is why its lists keep a pointer while other optional lists do not.
func TestUpdateAgentRequestClearsAList(t *testing.T) {
	cleared, _ := json.Marshal(api.UpdateAgentRequest{Scenarios: &[]api.ScenarioTool{}, MCPConfigs: &[]api.MCPConfig{}})
	if string(cleared) != `{"mcpConfigs":[],"scenarios":[]}` {
		t.Errorf("clearing body = %s", cleared)
	}
	untouched, _ := json.Marshal(api.UpdateAgentRequest{Name: new("n")})
	if string(untouched) != `{"name":"n"}` {
		t.Errorf("rename body = %s", untouched)
	}
}

// A run always carries config ({} when nothing is set), as Make requires.
func TestRunRequestAlwaysSendsConfig(t *testing.T) {
	b, _ := json.Marshal(api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: "hi"}}})
	if string(b) != `{"config":{},"messages":[{"content":"hi","role":"user"}]}` {
		t.Errorf("run body = %s", b)
	}
}

func mustDecode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, body)
	}
}
