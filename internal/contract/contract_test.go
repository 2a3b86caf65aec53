package contract_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/internal/contract"
)

const agentPath = "/api/v2/ai-agents/v1/agents/b504aa93-0752-4bf8-887e-c2c717d525bf"

func newValidator(t *testing.T) *contract.Validator {
	t.Helper()
	v, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func request(method, target, body string) *http.Request {
	req := httptest.NewRequest(method, "http://make.test"+target, strings.NewReader(body))
	req.Header.Set("Authorization", "Token t")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func TestValidateRequest(t *testing.T) {
	v := newValidator(t)
	cases := []struct {
		name    string
		req     *http.Request
		wantErr string // "" means valid
	}{
		{"list", request("GET", "/api/v2/ai-agents/v1/agents?teamId=1", ""), ""},
		{"run", request("POST", agentPath+"/run?teamId=1", `{"messages":[{"role":"user","content":"hi"}],"config":{}}`), ""},
		{"any base path", request("GET", "/custom/mount/ai-agents/v1/agents?teamId=1", ""), ""},
		{"teamId zero", request("GET", "/api/v2/ai-agents/v1/agents?teamId=0", ""), "teamId"},
		{"teamId missing", request("GET", "/api/v2/ai-agents/v1/agents", ""), "teamId"},
		{"teamId fractional", request("GET", "/api/v2/ai-agents/v1/agents?teamId=1.5", ""), "teamId"},
		{"agentId not a uuid", request("GET", "/api/v2/ai-agents/v1/agents/nope?teamId=1", ""), "agentId"},
		{"run without messages", request("POST", agentPath+"/run?teamId=1", `{"config":{}}`), "messages"},
		{"run with unknown role", request("POST", agentPath+"/run?teamId=1", `{"messages":[{"role":"robot","content":"x"}],"config":{}}`), "role"},
		{"create without systemPrompt", request("POST", "/api/v2/ai-agents/v1/agents?teamId=1", `{"name":"n","teamId":1,"makeConnectionId":1,"defaultModel":"m"}`), "systemPrompt"},
		{"create with empty systemPrompt", request("POST", "/api/v2/ai-agents/v1/agents?teamId=1", `{"name":"n","teamId":1,"makeConnectionId":1,"defaultModel":"m","systemPrompt":""}`), "systemPrompt"},
		{"undocumented operation", request("PUT", agentPath+"?teamId=1", `{}`), "PUT"},
		{"outside the api", request("GET", "/api/v2/blueprints?teamId=1", ""), "outside"},
	}
	noAuth := request("GET", "/api/v2/ai-agents/v1/agents?teamId=1", "")
	noAuth.Header.Del("Authorization")
	cases = append(cases, struct {
		name    string
		req     *http.Request
		wantErr string
	}{"no authorization", noAuth, "authorization"})

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := v.ValidateRequest(context.Background(), tc.req)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("valid request rejected: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("invalid request accepted")
			case tc.wantErr != "" && !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.wantErr)):
				t.Fatalf("error %q does not mention %q", err, tc.wantErr)
			}
		})
	}
	// A rejected credential is never echoed in the error.
	wrongScheme := request("GET", "/api/v2/ai-agents/v1/agents?teamId=1", "")
	wrongScheme.Header.Set("Authorization", "Basic s3cret-credential")
	err := v.ValidateRequest(context.Background(), wrongScheme)
	if err == nil {
		t.Fatal("a Basic credential was accepted")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error echoes the credential: %v", err)
	}
}

func TestValidateResponse(t *testing.T) {
	v := newValidator(t)
	agent := `{"id":"x","name":"n","teamId":1,"createdAt":"2025-06-25T13:36:46.730Z","systemPrompt":"p","defaultModel":"m",` +
		`"invocationConfig":{"recursionLimit":1},"scenarios":[],"mcpConfigs":[],"historyConfig":{"iterationsFromHistoryCount":1},` +
		`"llmConfig":{"maxTokens":1},"contexts":[]}`
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	get := request("GET", agentPath+"?teamId=1", "")
	cases := []struct {
		name    string
		status  int
		body    string
		wantErr string
	}{
		{"agent", 200, agent, ""},
		{"agent with unknown field", 200, strings.Replace(agent, `"name"`, `"brandNew":1,"name"`, 1), ""},
		{"agent missing required field", 200, strings.Replace(agent, `"name":"n",`, "", 1), "name"},
		{"agent with wrong type", 200, strings.Replace(agent, `"teamId":1`, `"teamId":"1"`, 1), "teamId"},
		{"documented error", 404, `{"message":"Not found","code":"SC404"}`, ""},
		{"server error range", 503, `{"message":"Service unavailable"}`, ""},
		{"undocumented status", 418, `{}`, "418"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := v.ValidateResponse(context.Background(), get, tc.status, jsonHeader, []byte(tc.body))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("valid response rejected: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("invalid response accepted")
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("error %q does not mention %q", err, tc.wantErr)
			}
		})
	}
}

func TestValidateEvent(t *testing.T) {
	v := newValidator(t)
	if got := v.EventTypes(); len(got) != 1 || got[0] != "step" {
		t.Fatalf("documented event types = %v, want [step]", got)
	}
	step := `{"role":"system","content":"c","id":"445431dd-c20e-4a58-a043-ca9c131d4010","agentIterationId":"a132ced5-4afd-4444-ac9d-330cc99c4986"}`
	if err := v.ValidateEvent("step", []byte(step)); err != nil {
		t.Errorf("documented step rejected: %v", err)
	}
	for name, tc := range map[string]struct{ event, data, want string }{
		"unknown type":     {"usage", step, "not documented"},
		"not JSON":         {"step", "{oops", "not JSON"},
		"missing field":    {"step", `{"role":"user","id":"1"}`, "content"},
		"wrong field type": {"step", strings.Replace(step, `"content":"c"`, `"content":7`, 1), "content"},
	} {
		if err := v.ValidateEvent(tc.event, []byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want one mentioning %q", name, err, tc.want)
		}
	}
}

// The RoundTripper reports violations in both directions and still hands the
// caller the response, body intact.
func TestRoundTripperReportsAndPassesThrough(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"unexpected":"shape"}`))
	}))
	defer srv.Close()
	var reported []error
	client := &http.Client{Transport: newValidator(t).RoundTripper(nil, func(err error) { reported = append(reported, err) })}
	req, _ := http.NewRequest("GET", srv.URL+agentPath+"?teamId=0", nil)
	req.Header.Set("Authorization", "Token t")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != `{"unexpected":"shape"}` {
		t.Errorf("body = %q", body)
	}
	if len(reported) != 2 || !strings.Contains(reported[0].Error(), "request") || !strings.Contains(reported[1].Error(), "response") {
		t.Fatalf("reported = %v, want one request and one response violation", reported)
	}
}

func TestOperationID(t *testing.T) {
	v := newValidator(t)
	for target, want := range map[string]string{
		"GET /api/v2/ai-agents/v1/agents?teamId=1":   "listAgents",
		"POST /api/v2/ai-agents/v1/agents?teamId=1":  "createAgent",
		"GET " + agentPath + "?teamId=1":             "getAgent",
		"PATCH " + agentPath + "?teamId=1":           "updateAgent",
		"DELETE " + agentPath + "?teamId=1":          "deleteAgent",
		"POST " + agentPath + "/run?teamId=1":        "runAgent",
		"POST " + agentPath + "/run/stream?teamId=1": "runAgentStream",
	} {
		method, path, _ := strings.Cut(target, " ")
		got, err := v.OperationID(request(method, path, ""))
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", target, got, err, want)
		}
	}
	if _, err := v.OperationID(request("GET", "/api/v2/blueprints", "")); err == nil {
		t.Error("a path outside the API has an operation")
	}
}
