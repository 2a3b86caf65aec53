package conformance_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/cmd/makeagents/internal/conformance"
	"github.com/makeagents/makeagents-go/internal/contract"
)

func newSpec(t *testing.T) *conformance.Spec {
	t.Helper()
	v, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	return conformance.NewSpec(v.Spec())
}

const agent = `{"id":"b504aa93-0752-4bf8-887e-c2c717d525bf","name":"n","teamId":1,"createdAt":"2025-06-25T13:36:46.730Z",
"systemPrompt":"p","defaultModel":"m","invocationConfig":{"recursionLimit":3},"scenarios":[{"makeScenarioId":1,"approvalMode":"auto-run"}],
"mcpConfigs":[{"mcpConnectionId":4,"name":"Invalid MCP Connection","tools":[{"id":"t","isDeprecated":true}]}],
"historyConfig":{"iterationsFromHistoryCount":10},"llmConfig":{"maxTokens":100},
"contexts":[{"id":"c","agentId":"not-a-uuid","documentName":"d","description":"","createdAt":"2025-06-26T06:53:15.407Z","isTemporary":false,
"metadata":{"type":"csv","anything":"goes"}}]}`

var jsonHeader = http.Header{"Content-Type": {"application/json; charset=utf-8"}}

func TestFaithfulResponsesHaveNoFindings(t *testing.T) {
	s := newSpec(t)
	for name, tc := range map[string]struct {
		op     string
		status int
		body   string
	}{
		"get":     {"getAgent", 200, agent},
		"list":    {"listAgents", 200, "[" + agent + "]"},
		"created": {"createAgent", 201, `{"agentId":"x","name":"n","teamId":1,"makeConnectionId":2,"defaultModel":"m","systemPrompt":"p"}`},
		"deleted": {"deleteAgent", 204, ""},
		"error":   {"getAgent", 404, `{"message":"Not found","code":"SC404","suberrors":[{"message":"m"}]}`},
		"5xx":     {"runAgent", 502, `{"message":"Bad gateway"}`},
		"run": {"runAgent", 200, `{"response":"{\"structured\":true}","jsonResponse":{"structured":true},"threadId":"t",` +
			`"executionSteps":[{"role":"tool","content":"","tokenUsage":null,"toolResponse":{"status":"fail","toolType":"mcp","result":null}}],` +
			`"tokenUsageSummary":{"totalTokens":3}}`},
	} {
		h := jsonHeader
		if tc.body == "" {
			h = http.Header{}
		}
		if got := s.Response(tc.op, tc.status, h, []byte(tc.body)); len(got) != 0 {
			t.Errorf("%s: findings on a faithful response: %v", name, got)
		}
	}
}

// Each kind of drift is reported once, with its JSON path.
func TestDriftKindsAndPaths(t *testing.T) {
	s := newSpec(t)
	cases := []struct {
		name     string
		op       string
		status   int
		header   http.Header
		body     string
		kind     conformance.Kind
		path     string
		gotMatch string
	}{
		{"undeclared top-level field", "getAgent", 200, jsonHeader, strings.Replace(agent, `"name":"n"`, `"name":"n","brandNew":{"a":1}`, 1), conformance.UndeclaredField, "$.brandNew", `{"a":1}`},
		{"undeclared nested field", "getAgent", 200, jsonHeader, strings.Replace(agent, `"makeScenarioId":1`, `"makeScenarioId":1,"requiresReview":true`, 1), conformance.UndeclaredField, "$.scenarios[0].requiresReview", "true"},
		{"missing required field", "getAgent", 200, jsonHeader, strings.Replace(agent, `"defaultModel":"m",`, "", 1), conformance.MissingRequired, "$.defaultModel", "absent"},
		{"type changed", "getAgent", 200, jsonHeader, strings.Replace(agent, `"teamId":1`, `"teamId":"1"`, 1), conformance.TypeMismatch, "$.teamId", `"1"`},
		{"integer became fractional", "listAgents", 200, jsonHeader, "[" + strings.Replace(agent, `"recursionLimit":3`, `"recursionLimit":3.5`, 1) + "]", conformance.TypeMismatch, "$[0].invocationConfig.recursionLimit", "3.5"},
		{"list is one object", "listAgents", 200, jsonHeader, agent, conformance.TypeMismatch, "$", "object"},
		{"format broken", "getAgent", 200, jsonHeader, strings.Replace(agent, `"2025-06-25T13:36:46.730Z"`, `"yesterday"`, 1), conformance.SchemaViolation, "$.createdAt", "yesterday"},
		{"undocumented status", "getAgent", 418, jsonHeader, `{}`, conformance.UndocumentedStatus, "status", "418"},
		{"html instead of json", "getAgent", 200, http.Header{"Content-Type": {"text/html"}}, "<html>", conformance.UnexpectedContentType, "Content-Type", "text/html"},
		{"not json", "getAgent", 200, jsonHeader, "{oops", conformance.InvalidJSON, "$", "oops"},
		{"body on 204", "deleteAgent", 204, http.Header{"Content-Type": {"application/json"}}, `{"deleted":true}`, conformance.UnexpectedContentType, "$", "deleted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Response(tc.op, tc.status, tc.header, []byte(tc.body))
			if len(got) != 1 {
				t.Fatalf("got %d findings, want exactly 1: %v", len(got), got)
			}
			f := got[0]
			if f.Kind != tc.kind || f.Path != tc.path || f.Operation != tc.op || !strings.Contains(f.Got, tc.gotMatch) {
				t.Errorf("finding = %+v\nwant kind %s path %s got~%q", f, tc.kind, tc.path, tc.gotMatch)
			}
		})
	}
}

func TestEvents(t *testing.T) {
	s := newSpec(t)
	step := `{"role":"assistant","content":"c","id":"1","agentIterationId":"i"}`
	if got := s.Event("runAgentStream", 1, "step", []byte(step)); len(got) != 0 {
		t.Errorf("documented step drifted: %v", got)
	}
	got := s.Event("runAgentStream", 4, "usage", []byte(`{"tokens":3}`))
	if len(got) != 1 || got[0].Kind != conformance.UnknownEvent || got[0].Where != "event #4 (usage)" || !strings.Contains(got[0].Spec, "step") {
		t.Errorf("unknown event: %v", got)
	}
	got = s.Event("runAgentStream", 2, "step", []byte(`{"role":"assistant","content":{"parts":[]},"id":"1","agentIterationId":"i","toolCall":{}}`))
	if len(got) != 2 || got[0].Path != "$.content" || got[0].Kind != conformance.TypeMismatch || got[1].Path != "$.toolCall" || got[1].Kind != conformance.UndeclaredField {
		t.Errorf("step drift: %v", got)
	}
}

func TestHeadersAreNotesAndSecretsWithheld(t *testing.T) {
	s := newSpec(t)
	h := http.Header{
		"Content-Type":          {"application/json"},
		"Date":                  {"Sun, 29 Nov 2026 08:00:00 GMT"},
		"X-Ratelimit-Remaining": {"59"},
		"X-Request-Id":          {"req-1"},
		"X-Session-Token":       {"s3cr3t"},
	}
	got := s.Response("getAgent", 200, h, []byte(agent))
	if len(got) != 3 {
		t.Fatalf("findings = %v, want three header notes", got)
	}
	for _, f := range got {
		if f.Kind != conformance.UndocumentedHeader || !f.Kind.Informational() {
			t.Errorf("not an informational header note: %+v", f)
		}
		if strings.Contains(f.Got, "s3cr3t") {
			t.Errorf("secret header value quoted: %+v", f)
		}
	}
	if got := s.Response("listAgents", 429, http.Header{"Retry-After": {"30"}, "Content-Type": {"application/json"}}, []byte(`{}`)); len(got) != 0 {
		t.Errorf("declared Retry-After reported: %v", got)
	}
}

func TestQuoteTruncates(t *testing.T) {
	q := conformance.Quote(strings.Repeat("x", 500))
	if len([]rune(q)) > conformance.MaxValueLen+1 || !strings.HasSuffix(q, "…") {
		t.Errorf("Quote = %q", q)
	}
}
