package api

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOperationsMatchSpec: every operation of openapi.yaml is in the
// operations table with the same success status and body kind, so the
// "no nil typed result" check and the header timeouts cover a new
// operation the day it is added to the spec.
func TestOperationsMatchSpec(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			seen = append(seen, method+" "+path)
			got, ok := findOperation(method, strings.NewReplacer("{", "", "}", "").Replace(path), "")
			if !ok {
				t.Errorf("%s %s (%s) is not in the operations table", method, path, op.OperationID)
				continue
			}
			if got.id != op.OperationID {
				t.Errorf("%s %s: spec says operationId %q, the table %q", method, path, op.OperationID, got.id)
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
			if op.OperationID == "runAgent" && got.kind != opRun {
				t.Errorf("runAgent must have the run header timeout")
			}
		}
	}
	sort.Strings(seen)
	if len(seen) != len(operations) {
		t.Fatalf("spec has %d operations %v, the table %d", len(seen), seen, len(operations))
	}
}

// Every generated method names its operation on the request's context (the
// client template's change), and that name is the one the request is
// checked as: validation knows the operation from the call.
func TestOperationNamedByTheCall(t *testing.T) {
	var named []string
	bottom := rtDoer(func(r *http.Request) (*http.Response, error) {
		id, _ := operationFromContext(r.Context())
		named = append(named, id)
		return &http.Response{StatusCode: 204, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})
	c, err := New(WithoutEnvironment(), WithToken(testToken), WithTeamID(7), WithHTTPClient(bottom), WithRetry(RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, _ = c.UpdateAgentWithResponse(ctx, testAgent, nil, UpdateAgentRequest{Name: ptrTo("n")})
	_, _ = c.DeleteContextWithResponse(ctx, testAgent, nil)
	if strings.Join(named, " ") != "updateAgent deleteContext" {
		t.Errorf("operations named on the calls' requests: %q", named)
	}
	// A request editor that moves a request off its operation's path is
	// refused: the call said which operation it is.
	moved := func(_ context.Context, r *http.Request) error {
		r.URL.Path = strings.Replace(r.URL.Path, "/agents/", "/contexts/", 1)
		return nil
	}
	_, err = c.DeleteAgentWithResponse(ctx, testAgent, nil, moved)
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

func TestFindOperation(t *testing.T) {
	base := "/api/v2"
	for path, want := range map[string]string{
		"/api/v2/ai-agents/v1/agents":                           "GET 200",
		"/api/v2/ai-agents/v1/agents/x/run":                     "GET -",
		"/api/v2/ai-agents/v1/llm-providers/3/models":           "GET 200",
		"/elsewhere/ai-agents/v1/agents":                        "GET -",
		"/api/v2/ai-agents/v1/agents//run":                      "GET -",
		"/api/v2/ai-agents/v1/contexts/0f8fad5b-d9cb-469f-a165": "GET -",
	} {
		op, ok := findOperation(http.MethodGet, path, base)
		got := "GET -"
		if ok {
			got = "GET " + strconv.Itoa(op.status)
		}
		if got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
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
	// It runs in several layers of every request: it must not allocate.
	if n := testing.AllocsPerRun(100, func() {
		findOperation("GET", "/api/v2/ai-agents/v1/llm-providers/7/models", "/api/v2")
	}); n != 0 {
		t.Errorf("findOperation allocates %v times per call", n)
	}
}
