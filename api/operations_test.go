package api

import (
	"context"
	"net/http"
	"os"
	"regexp"
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
			got, ok := tableOperation(method, strings.NewReplacer("{", "", "}", "").Replace(path))
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

// Every generated method hands the pipeline its operationId, and every one
// of those names an operation of the table: the pipeline knows each call's
// operation from the call.
func TestGeneratedCallsNameTableOperations(t *testing.T) {
	src, err := os.ReadFile("api.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`c\.send\(ctx, "([^"]+)"`).FindAllStringSubmatch(string(src), -1)
	seen := map[string]bool{}
	for _, m := range calls {
		if lookupOperation(m[1]) == nil {
			t.Errorf("the generated client sends %q, which is not in the operations table", m[1])
		}
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

// tableOperation finds the operation of a method and path in the table.
func tableOperation(method, path string) (operation, bool) {
	for _, op := range operations {
		if op.method == method && matchPath(op.path, path) {
			return op, true
		}
	}
	return operation{}, false
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
