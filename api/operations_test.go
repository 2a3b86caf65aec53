package api

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestGeneratedOperationsTable: the operations table and the OperationID
// constants are generated from openapi.yaml (internal/codegen/client.tmpl).
// This checks the generator's reading of the spec, operation by operation:
// success status and body kind, the run's long wait, scopes, teamless, the
// body checks and the query parameters.
func TestGeneratedOperationsTable(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			got := lookupOperation(OperationID(op.OperationID))
			if got == nil {
				t.Errorf("%s %s (%s) has no generated operation", method, path, op.OperationID)
				continue
			}
			if got.method != method || got.path != path {
				t.Errorf("%s: generated %s %s, spec %s %s", op.OperationID, got.method, got.path, method, path)
			}
			status, json, stream := successOf(op)
			switch {
			case stream && got.kind != opStream:
				t.Errorf("%s %s streams; the table says kind %d", method, path, got.kind)
			case !stream && json && got.status != status:
				t.Errorf("%s %s: spec documents %d + JSON, table checks %d", method, path, status, got.status)
			case !stream && !json && got.status != 0:
				t.Errorf("%s %s: spec documents no JSON success body, table checks %d", method, path, got.status)
			}
			long, _ := op.Extensions["x-makeagents-long-running"].(bool)
			if long != (got.kind == opRun) {
				t.Errorf("%s: x-makeagents-long-running %v, kind %d", op.OperationID, long, got.kind)
			}
			var scopes []string
			list, _ := op.Extensions["x-makeagents-scopes"].([]any)
			for _, v := range list {
				scopes = append(scopes, v.(string))
			}
			if !slices.Equal(got.scopes, scopes) && !(len(got.scopes) == 0 && len(scopes) == 0) {
				t.Errorf("%s: scopes %q, spec %q", op.OperationID, got.scopes, scopes)
			}
			teamless, _ := op.Extensions["x-makeagents-teamless"].(bool)
			if got.teamless != teamless {
				t.Errorf("%s: teamless %v, spec %v", op.OperationID, got.teamless, teamless)
			}
			hasJSONBody := op.RequestBody != nil && op.RequestBody.Value.Content.Get("application/json") != nil
			if hasJSONBody != (got.checkBody != nil) {
				t.Errorf("%s: JSON body %v, body check %v", op.OperationID, hasJSONBody, got.checkBody != nil)
			}
			var query []string
			for _, p := range op.Parameters {
				if p.Value.In == "query" {
					query = append(query, p.Value.Name)
				}
			}
			for _, p := range item.Parameters {
				if p.Value.In == "query" {
					query = append(query, p.Value.Name)
				}
			}
			slices.Sort(query)
			gotQuery := slices.Sorted(slices.Values(got.query))
			if !slices.Equal(gotQuery, query) {
				t.Errorf("%s: query %q, spec %q", op.OperationID, gotQuery, query)
			}
		}
	}
	if n != len(operations) {
		t.Errorf("spec has %d operations, the generated table %d", n, len(operations))
	}
	// Known values, so a generator that read every field as zero fails too.
	for _, tc := range []struct {
		id       OperationID
		status   int
		kind     opKind
		teamless bool
	}{
		{OpCreateAgent, 201, opShort, false},
		{OpRunAgent, 200, opRun, false},
		{OpRunAgentStream, 0, opStream, false},
		{OpDeleteAgent, 0, opShort, false},
		{OpGetCurrentAuthorization, 200, opShort, true},
	} {
		o := lookupOperation(tc.id)
		if o == nil || o.status != tc.status || o.kind != tc.kind || o.teamless != tc.teamless {
			t.Errorf("%s = %+v, want status %d kind %d teamless %v", tc.id, o, tc.status, tc.kind, tc.teamless)
		}
	}
	if OperationID("createAgents").Valid() || OperationID("CreateAgent").Valid() || !OpCreateAgent.Valid() {
		t.Error("OperationID.Valid accepts a name the spec does not have, or refuses one it has")
	}
}

// Every query parameter any operation takes is checked before sending, or
// listed in uncheckedQuery with the reason.
func TestEveryQueryParameterIsChecked(t *testing.T) {
	for _, op := range operations {
		for _, name := range op.query {
			if queryChecks[name] == nil && uncheckedQuery[name] == "" {
				t.Errorf("%s: query parameter %q has no check and is not in uncheckedQuery", op.id, name)
			}
		}
	}
}

// Every generated method hands the pipeline its operation, by the
// generated constant, and the pipeline knows the operation from the call:
// a request editor that moves a request off its operation's path is
// refused.
func TestGeneratedCallsNameTableOperations(t *testing.T) {
	src, err := os.ReadFile("api.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`c\.send\(ctx, (Op\w+),`).FindAllStringSubmatch(string(src), -1)
	seen := map[string]bool{}
	for _, m := range calls {
		seen[m[1]] = true
	}
	if len(seen) != len(operations) {
		t.Errorf("the generated client names %d operations, the table has %d", len(seen), len(operations))
	}
	// A request editor that moves a request off its operation's path is
	// refused: the call said which operation it is.
	bottom := rtDoer(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 204, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})
	c, err := New(WithoutEnvironment(), WithToken(testToken), WithTeamID(7), WithHTTPClient(bottom), WithRetry(RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	moved := func(_ context.Context, r *http.Request) error {
		r.URL.Path = strings.Replace(r.URL.Path, "/agents/", "/contexts/", 1)
		return nil
	}
	_, err = c.Generated().DeleteAgentWithResponse(context.Background(), testAgent, nil, moved)
	if !IsValidationError(err) || !strings.Contains(err.Error(), "deleteAgent") {
		t.Errorf("a deleteAgent moved to the contexts path: err = %v, want a ValidationError naming deleteAgent", err)
	}
}

// successOf returns an operation's first documented 2xx and whether its
// body is JSON or an event stream.
func successOf(op *openapi3.Operation) (status int, json, stream bool) {
	for code := 200; code < 300; code++ {
		r := op.Responses.Value(strconv.Itoa(code))
		if r == nil || r.Value == nil {
			continue
		}
		for ct := range r.Value.Content {
			json = json || strings.Contains(ct, "json")
			stream = stream || ct == "text/event-stream"
		}
		return code, json, stream
	}
	return 0, false, false
}

func TestMatchPath(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"/ai-agents/v1/agents", "/ai-agents/v1/agents", true},
		{"/ai-agents/v1/agents", "/ai-agents/v1/agents/", false},
		{"/ai-agents/v1/agents/{agentId}", "/ai-agents/v1/agents/abc", true},
		{"/ai-agents/v1/agents/{agentId}", "/ai-agents/v1/agents/", false},
		{"/ai-agents/v1/agents/{agentId}", "/ai-agents/v1/agents/a/run", false},
		{"/ai-agents/v1/agents/{agentId}/run", "/ai-agents/v1/agents/a/run", true},
		{"/ai-agents/v1/agents/{agentId}/run", "/ai-agents/v1/agents/a/run/stream", false},
		{"/ai-agents/v1/agents/{agentId}/run/stream", "/ai-agents/v1/agents/a/run", false},
		{"/ai-agents/v1/llm-providers/{providerId}/models", "/ai-agents/v1/llm-providers/7/models", true},
		{"/ai-agents/v1/contexts", "/ai-agents/v1/context", false},
		{"/ai-agents/v1/contexts", "", false},
	} {
		if got := matchPath(tc.pattern, tc.path); got != tc.want {
			t.Errorf("matchPath(%q, %q) = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
	// It runs for every request: it must not allocate.
	if n := testing.AllocsPerRun(100, func() {
		matchPath("/ai-agents/v1/llm-providers/{providerId}/models", "/ai-agents/v1/llm-providers/7/models")
	}); n != 0 {
		t.Errorf("matchPath allocates %v times per call", n)
	}
}
