package spec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/makeagents/makeagents-go/internal/spec"
)

// The embedded copy is openapi.yaml as written, not as the generator
// rewrites it for itself (it renames operationIds and prunes components
// unless told not to): loaded from disk and from the embedded copy, the two
// documents marshal to the same JSON.
func TestEmbeddedSpecIsOpenAPIYAML(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatal(err)
	}
	fromFile.Servers = nil // Load clears them
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(fromFile)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(s.Doc())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the embedded spec differs from openapi.yaml (%d vs %d bytes of JSON); run go generate ./...", len(got), len(want))
	}
}

func TestLoadIsShared(t *testing.T) {
	a, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := spec.Load()
	if a != b {
		t.Fatal("Load returned two different specs")
	}
}

// Every operation is indexed by operationId and by method and path
// template, the two agree, and the stream's step event has a schema.
func TestIndex(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	ops := s.Operations()
	if len(ops) == 0 {
		t.Fatal("no operations")
	}
	for _, op := range ops {
		if op.ID == "" {
			t.Errorf("%s %s has no operationId", op.Method, op.Path)
			continue
		}
		byID, ok := s.Operation(op.ID)
		byRoute, ok2 := s.Route(op.Method, op.Path)
		if !ok || !ok2 || byID != op || byRoute != op {
			t.Errorf("%s: index by id (%v) and by route (%v) disagree", op.ID, ok, ok2)
		}
	}
	get, ok := s.Operation("getAgent")
	if !ok || get.Method != "GET" || get.Path != "/ai-agents/v1/agents/{agentId}" || get.Op == nil {
		t.Fatalf("getAgent = %+v", get)
	}
	stream, ok := s.Operation("runAgentStream")
	if !ok || stream.Events["step"] == nil || s.Event("step") != stream.Events["step"] {
		t.Fatalf("runAgentStream events = %v", stream.Events)
	}
	if s.Event("usage") != nil {
		t.Fatal("an undocumented event type has a schema")
	}
}

func TestMatch(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	const id = "b504aa93-0752-4bf8-887e-c2c717d525bf"
	for _, tc := range []struct {
		method, path, wantOp, wantID string
		wantErr                      error
	}{
		{"GET", "/api/v2/ai-agents/v1/agents", "listAgents", "", nil},
		{"get", "/custom/mount/ai-agents/v1/agents", "listAgents", "", nil},
		{"POST", "/api/v2/ai-agents/v1/agents/" + id + "/run", "runAgent", id, nil},
		{"POST", "/api/v2/ai-agents/v1/agents/" + id + "/run/stream", "runAgentStream", id, nil},
		{"PATCH", "/api/v2/ai-agents/v1/agents/" + id, "updateAgent", id, nil},
		// An escaped slash stays inside the one segment, unescaped in the result.
		{"GET", "/api/v2/ai-agents/v1/agents/a%2Fb", "getAgent", "a/b", nil},
		{"PUT", "/api/v2/ai-agents/v1/agents/" + id, "", "", spec.ErrMethodNotAllowed},
		{"GET", "/api/v2/ai-agents/v1/agents/a/b", "", "", spec.ErrNotFound},
		{"GET", "/api/v2/ai-agents/v1/agents/", "", "", spec.ErrNotFound},
		{"GET", "/api/v2/blueprints", "", "", spec.ErrNotFound},
		// The discovery operations start at their own first segment; the
		// earliest first segment in the path is where the base URL ends.
		{"GET", "/api/v2/scenarios", "listScenarios", "", nil},
		{"GET", "/api/v2/connections", "listConnections", "", nil},
		{"GET", "/api/v2/users/me/current-authorization", "getCurrentAuthorization", "", nil},
		{"POST", "/api/v2/connections", "", "", spec.ErrMethodNotAllowed},
		{"GET", "/api/v2/connectionsx", "", "", spec.ErrNotFound},
		{"GET", "/api/v2/ai-agents/v1/agents/connections", "getAgent", "connections", nil},
	} {
		op, params, err := s.Match(tc.method, tc.path)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) || op != nil {
				t.Errorf("%s %s: %v, %v; want %v", tc.method, tc.path, op, err, tc.wantErr)
			}
			continue
		}
		if err != nil || op.ID != tc.wantOp || params["agentId"] != tc.wantID {
			t.Errorf("%s %s: %+v %v %v; want %s with agentId %q", tc.method, tc.path, op, params, err, tc.wantOp, tc.wantID)
		}
	}
}
