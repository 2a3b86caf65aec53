package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/contract"
)

// recorded is what the test server saw of one request.
type recorded struct {
	Method, Path, RawPath, Query, Auth, ContentType, Accept string
	Body                                                    map[string]any
}

// apiRoute is one canned answer of the test server.
type apiRoute struct {
	status      int
	contentType string
	body        string
}

// newGeneratedClient starts a loopback server answering with routes (keyed
// by "METHOD /path") and returns the generated client pointed at it, with
// every request and response checked against openapi.yaml.
func newGeneratedClient(t *testing.T, routes map[string]apiRoute) (*api.ClientWithResponses, func() []recorded) {
	t.Helper()
	return newCheckedClient(t, routes, func(err error) { t.Errorf("spec violation: %v", err) })
}

// newCheckedClient is newGeneratedClient with the spec violations passed to
// report instead of failing the test.
func newCheckedClient(t *testing.T, routes map[string]apiRoute, report func(error)) (*api.ClientWithResponses, func() []recorded) {
	t.Helper()
	var (
		mu   sync.Mutex
		seen []recorded
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := recorded{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"),
		}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &rec.Body); err != nil {
				t.Errorf("request body is not a JSON object: %v: %s", err, b)
			}
		}
		mu.Lock()
		seen = append(seen, rec)
		mu.Unlock()
		route, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			http.Error(w, "no route", http.StatusTeapot)
			return
		}
		if route.contentType != "" {
			w.Header().Set("Content-Type", route.contentType)
		}
		w.WriteHeader(route.status)
		_, _ = io.WriteString(w, route.body)
	}))
	t.Cleanup(srv.Close)

	v, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	httpClient := &http.Client{Transport: v.RoundTripper(http.DefaultTransport, report)}
	c := api.NewUnvalidatedClient(srv.URL+"/api/v2", httpClient,
		func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Token test-token")
			return nil
		})
	return c, func() []recorded {
		mu.Lock()
		defer mu.Unlock()
		return append([]recorded(nil), seen...)
	}
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/upstream/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const (
	agentPath = "/api/v2/ai-agents/v1/agents/b504aa93-0752-4bf8-887e-c2c717d525bf"
	agentID   = "b504aa93-0752-4bf8-887e-c2c717d525bf"
	jsonType  = "application/json"
)

func onlyRequest(t *testing.T, seen []recorded) recorded {
	t.Helper()
	if len(seen) != 1 {
		t.Fatalf("server saw %d requests, want 1: %+v", len(seen), seen)
	}
	r := seen[0]
	if r.Auth != "Token test-token" {
		t.Errorf("Authorization = %q, want the Token scheme", r.Auth)
	}
	return r
}

func TestGeneratedListAgents(t *testing.T) {
	c, seen := newGeneratedClient(t, map[string]apiRoute{
		"GET /api/v2/ai-agents/v1/agents": {200, jsonType, "[" + fixture(t, "agent-list.json") + "," + fixture(t, "agent.json") + "]"},
	})
	res, err := c.ListAgentsWithResponse(context.Background(), &api.ListAgentsParams{TeamID: 2})
	if err != nil {
		t.Fatal(err)
	}
	r := onlyRequest(t, seen())
	if r.Method != "GET" || r.Path != "/api/v2/ai-agents/v1/agents" || r.Query != "teamId=2" {
		t.Errorf("request = %s %s?%s", r.Method, r.Path, r.Query)
	}
	if res.StatusCode() != 200 || res.JSON200 == nil || len(*res.JSON200) != 2 {
		t.Fatalf("status %d, JSON200 %v", res.StatusCode(), res.JSON200)
	}
	// The first is Make's list example, the second its get example, which
	// adds the connection and the MCP tools form.
	if first := (*res.JSON200)[0]; first.MakeConnectionID != 0 || first.MCPConfigs[0].ToolIds[0] != "tool1" {
		t.Errorf("first agent decoded as %+v", first)
	}
	if got := (*res.JSON200)[1]; got.Name != "myagent" || got.MakeConnectionID == 0 || got.MakeConnectionID != 18 || got.MCPConfigs[1].Tools[0].ID != "fetch_generic_url_content" {
		t.Errorf("second agent decoded as %+v", got)
	}
}

func TestGeneratedCreateAgentSendsOnlySetFields(t *testing.T) {
	c, seen := newGeneratedClient(t, map[string]apiRoute{
		"POST /api/v2/ai-agents/v1/agents": {201, jsonType, fixture(t, "created-agent.json")},
	})
	res, err := c.CreateAgentWithResponse(context.Background(), &api.CreateAgentParams{TeamID: 1}, api.CreateAgentRequest{
		Name: "Example Agent", TeamID: 1, MakeConnectionID: 123, DefaultModel: "gpt-3.5-turbo",
		SystemPrompt:  "You are a helpful assistant.",
		HistoryConfig: &api.HistoryConfig{IterationsFromHistoryCount: new(int64(10))},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := onlyRequest(t, seen())
	if r.Method != "POST" || r.Query != "teamId=1" || r.ContentType != jsonType {
		t.Errorf("request = %s ?%s (%s)", r.Method, r.Query, r.ContentType)
	}
	want := map[string]any{
		"name": "Example Agent", "teamId": 1.0, "makeConnectionId": 123.0, "defaultModel": "gpt-3.5-turbo",
		"systemPrompt": "You are a helpful assistant.", "historyConfig": map[string]any{"iterationsFromHistoryCount": 10.0},
	}
	if !reflect.DeepEqual(r.Body, want) {
		t.Errorf("body = %v\nwant   %v", r.Body, want)
	}
	if res.JSON201 == nil || res.JSON201.ID != "123e4567-e89b-12d3-a456-426614174000" {
		t.Fatalf("created agent = %+v", res.JSON201)
	}
}

func TestGeneratedGetAgentKeepsUnknownFieldsInTheBody(t *testing.T) {
	// Fields the spec does not know are not in the struct (a plain struct
	// decodes several times faster), but they are never lost: res.Body is
	// the response as it came. Unknown enum values decode as they are.
	body := `{"id":"` + agentID + `","name":"a","teamId":2,"createdAt":"2025-06-25T13:36:46.730Z","systemPrompt":"p",
		"defaultModel":"m","invocationConfig":{"recursionLimit":3,"newLimit":7},"scenarios":[{"makeScenarioId":1,"approvalMode":"brand-new-mode"}],
		"mcpConfigs":[],"historyConfig":{"iterationsFromHistoryCount":1},"llmConfig":{"maxTokens":5},"contexts":[],
		"futureField":{"x":1}}`
	c, seen := newGeneratedClient(t, map[string]apiRoute{"GET " + agentPath: {200, jsonType, body}})
	res, err := c.GetAgentWithResponse(context.Background(), agentID, &api.GetAgentParams{TeamID: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r := onlyRequest(t, seen()); r.Method != "GET" || r.Query != "teamId=2" {
		t.Errorf("request = %s ?%s", r.Method, r.Query)
	}
	a := res.JSON200
	if a == nil || a.ID != agentID || a.InvocationConfig.RecursionLimit != 3 {
		t.Fatalf("agent = %+v", a)
	}
	if got := a.Scenarios[0].ApprovalMode; got != "brand-new-mode" {
		t.Errorf("unknown approvalMode decoded as %q", got)
	}
	var raw map[string]any
	if err := json.Unmarshal(res.Body, &raw); err != nil || raw["futureField"] == nil ||
		raw["invocationConfig"].(map[string]any)["newLimit"] != 7.0 {
		t.Errorf("res.Body lost the unknown fields: %s", res.Body)
	}
}

func TestGeneratedUpdateAgentSendsOnlySetFields(t *testing.T) {
	c, seen := newGeneratedClient(t, map[string]apiRoute{"PATCH " + agentPath: {204, "", ""}})
	res, err := c.UpdateAgentWithResponse(context.Background(), agentID, &api.UpdateAgentParams{TeamID: 2},
		api.UpdateAgentRequest{Name: new("Renamed")})
	if err != nil {
		t.Fatal(err)
	}
	r := onlyRequest(t, seen())
	if r.Method != "PATCH" || r.Query != "teamId=2" {
		t.Errorf("request = %s ?%s", r.Method, r.Query)
	}
	if want := map[string]any{"name": "Renamed"}; !reflect.DeepEqual(r.Body, want) {
		t.Errorf("body = %v, want %v", r.Body, want)
	}
	if res.StatusCode() != 204 {
		t.Errorf("status = %d", res.StatusCode())
	}
}

func TestGeneratedDeleteAgent(t *testing.T) {
	c, seen := newGeneratedClient(t, map[string]apiRoute{"DELETE " + agentPath: {204, "", ""}})
	res, err := c.DeleteAgentWithResponse(context.Background(), agentID, &api.DeleteAgentParams{TeamID: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r := onlyRequest(t, seen()); r.Method != "DELETE" || r.Query != "teamId=2" || r.Body != nil {
		t.Errorf("request = %s ?%s body %v", r.Method, r.Query, r.Body)
	}
	if res.StatusCode() != 204 {
		t.Errorf("status = %d", res.StatusCode())
	}
}

func TestGeneratedRunAgent(t *testing.T) {
	c, seen := newGeneratedClient(t, map[string]apiRoute{"POST " + agentPath + "/run": {200, jsonType, fixture(t, "run-result.json")}})
	res, err := c.RunAgentWithResponse(context.Background(), agentID, &api.RunAgentParams{TeamID: 2}, api.RunAgentRequest{
		Messages:    []api.Message{{Role: api.MessageRoleUser, Content: "Weather?"}},
		ThreadID:    "t-1",
		CallbackURL: "https://example.invalid/done",
	})
	if err != nil {
		t.Fatal(err)
	}
	r := onlyRequest(t, seen())
	want := map[string]any{
		"messages": []any{map[string]any{"role": "user", "content": "Weather?"}},
		"threadId": "t-1", "config": map[string]any{}, "callbackUrl": "https://example.invalid/done",
	}
	if r.Method != "POST" || r.Path != agentPath+"/run" || !reflect.DeepEqual(r.Body, want) {
		t.Errorf("request = %s %s %v\nwant body %v", r.Method, r.Path, r.Body, want)
	}
	out := res.JSON200
	if out == nil || len(out.ExecutionSteps) != 2 || out.TokenUsageSummary.TotalTokens != 30 || out.JSONResponse["name"] != "Liz Carlson" {
		t.Fatalf("run result = %+v", out)
	}
}

func TestGeneratedRunAgentStreamRequest(t *testing.T) {
	// The generated client only sends the stream request; reading the stream
	// is package sse's job. Check the request and that the body is intact.
	c, seen := newGeneratedClient(t, map[string]apiRoute{
		"POST " + agentPath + "/run/stream": {200, "text/event-stream", fixture(t, "stream.txt")},
	})
	resp, err := c.ClientInterface.RunAgentStream(context.Background(), agentID, &api.RunAgentStreamParams{TeamID: 2},
		api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: "hi"}}},
		func(_ context.Context, req *http.Request) error {
			req.Header.Set("Accept", "text/event-stream")
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	r := onlyRequest(t, seen())
	if r.Method != "POST" || r.Path != agentPath+"/run/stream" || r.Query != "teamId=2" || r.Accept != "text/event-stream" {
		t.Errorf("request = %s %s ?%s Accept %q", r.Method, r.Path, r.Query, r.Accept)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != fixture(t, "stream.txt") {
		t.Errorf("stream body = %q", b)
	}
}

func TestGeneratedErrorResponsesDecode(t *testing.T) {
	c, _ := newGeneratedClient(t, map[string]apiRoute{
		"GET " + agentPath: {403, jsonType, fixture(t, "error-403.json")},
	})
	res, err := c.GetAgentWithResponse(context.Background(), agentID, &api.GetAgentParams{TeamID: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON403 == nil || res.JSON403.Code != "SC403" || res.JSON403.Detail.Text() != "Access denied." {
		t.Fatalf("403 decoded as %+v", res.JSON403)
	}
}

func TestGeneratedPathParameterIsEscaped(t *testing.T) {
	// Even the bare generated client keeps a hostile id inside one path
	// segment (api.New additionally refuses it before sending), and the
	// contract check flags it as a malformed agentId.
	var violations []error
	c, seen := newCheckedClient(t, map[string]apiRoute{
		"GET /api/v2/ai-agents/v1/agents/../../x": {404, jsonType, `{"message":"Not found"}`},
	}, func(err error) { violations = append(violations, err) })
	_, _ = c.GetAgentWithResponse(context.Background(), "../../x", &api.GetAgentParams{TeamID: 2})
	r := onlyRequest(t, seen())
	if r.RawPath != "/api/v2/ai-agents/v1/agents/..%2F..%2Fx" {
		t.Errorf("escaped path = %q", r.RawPath)
	}
	if len(violations) == 0 || !strings.Contains(violations[0].Error(), "agentId") {
		t.Errorf("contract check did not flag the malformed agentId: %v", violations)
	}
}
