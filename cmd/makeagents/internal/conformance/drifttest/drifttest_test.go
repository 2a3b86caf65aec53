package drifttest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/cmd/makeagents/internal/conformance"
	"github.com/makeagents/makeagents-go/cmd/makeagents/internal/conformance/drifttest"
	"github.com/makeagents/makeagents-go/internal/contract"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/sse"
)

func driftSpec(t *testing.T) *conformance.Spec {
	t.Helper()
	v, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	return conformance.NewSpec(v.Spec())
}

func do(t *testing.T, method, url, authorization, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", authorization)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// findings runs one operation against base (the fake, or a proxy in front
// of it) and returns what the drift detector finds in the response
// (streams: in every event too).
func findings(t *testing.T, spec *conformance.Spec, s *makeagentstest.Server, base, op, agentID string) []conformance.Finding {
	t.Helper()
	tok := "Token " + s.Token()
	agents := base + "/ai-agents/v1/agents"
	one := agents + "/" + agentID
	run := `{"messages":[{"role":"user","content":"hi"}],"config":{}}`
	var resp *http.Response
	var body []byte
	switch op {
	case "listAgents":
		resp, body = do(t, "GET", agents+"?teamId=1", tok, "")
	case "createAgent":
		resp, body = do(t, "POST", agents+"?teamId=1", tok, `{"name":"n","teamId":1,"makeConnectionId":1,"defaultModel":"m","systemPrompt":"p"}`)
	case "getAgent":
		resp, body = do(t, "GET", one+"?teamId=1", tok, "")
	case "updateAgent":
		resp, body = do(t, "PATCH", one+"?teamId=1", tok, `{"name":"renamed"}`)
	case "runAgent":
		resp, body = do(t, "POST", one+"/run?teamId=1", tok, run)
	case "runAgentStream":
		resp, body = do(t, "POST", one+"/run/stream?teamId=1", tok, run)
	case "deleteAgent":
		resp, body = do(t, "DELETE", one+"?teamId=1", tok, "")
	default:
		t.Fatalf("unknown operation %s", op)
	}
	got := spec.Response(op, resp.StatusCode, resp.Header, body)
	if op == "runAgentStream" && resp.StatusCode/100 == 2 {
		resp.StatusCode = http.StatusOK // read the events of a drifted status too
		resp.Body = io.NopCloser(bytes.NewReader(body))
		st, err := sse.NewStream(context.Background(), resp)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for st.Next() {
			n++
			ev := st.Event()
			got = append(got, spec.Event(op, n, ev.Type, ev.Data)...)
		}
		if err := st.Err(); err != nil {
			t.Fatalf("stream: %v", err)
		}
	}
	var out []conformance.Finding
	for _, f := range got {
		if !f.Kind.Informational() {
			out = append(out, f)
		}
	}
	return out
}

var allOperations = []string{"listAgents", "createAgent", "getAgent", "updateAgent", "runAgent", "runAgentStream", "deleteAgent"}

// TestFaithfulFakeHasNoDrift: the drift detector the conformance command
// uses finds nothing in any of the fake's responses.
func TestFaithfulFakeHasNoDrift(t *testing.T) {
	spec := driftSpec(t)
	s := makeagentstest.NewServer(t)
	id := s.AddAgent(1, api.Agent{Name: "faithful", SystemPrompt: "p", DefaultModel: "m"}).ID
	// Through a proxy with no drift too: the proxy itself changes nothing.
	plain := drifttest.NewProxy(t, s.URL())
	for _, op := range allOperations {
		if got := findings(t, spec, s, s.URL(), op, id); len(got) != 0 {
			t.Errorf("%s: %v", op, got)
		}
		if got := findings(t, spec, s, plain, op, id); len(got) != 0 {
			t.Errorf("%s: %v", op, got)
		}
	}
}

// TestEachDriftIsFoundWhereInjected: each drift makes exactly the
// finding it promises, at its JSON path, and nothing else.
func TestEachDriftIsFoundWhereInjected(t *testing.T) {
	spec := driftSpec(t)
	cases := []struct {
		name  string
		drift drifttest.Drift
		op    string
		kind  conformance.Kind
		path  string // of every finding
		count int    // findings expected (one per list element or step)
	}{
		{"undeclared field in get", drifttest.UndeclaredField("getAgent", "brandNew", map[string]any{"a": 1}), "getAgent", conformance.UndeclaredField, "$.brandNew", 1},
		{"undeclared field in list", drifttest.UndeclaredField("listAgents", "folderId", 7), "listAgents", conformance.UndeclaredField, "$[0].folderId", 1},
		{"undeclared field in steps", drifttest.UndeclaredField("runAgentStream", "tokens", 3), "runAgentStream", conformance.UndeclaredField, "$.tokens", 3},
		{"required field dropped", drifttest.DropField("getAgent", "createdAt"), "getAgent", conformance.MissingRequired, "$.createdAt", 1},
		{"required step field dropped", drifttest.DropField("runAgentStream", "content"), "runAgentStream", conformance.MissingRequired, "$.content", 3},
		{"type changed", drifttest.ChangeFieldType("getAgent", "teamId"), "getAgent", conformance.TypeMismatch, "$.teamId", 1},
		{"type changed in run result", drifttest.ChangeFieldType("runAgent", "executionSteps"), "runAgent", conformance.TypeMismatch, "$.executionSteps", 1},
		{"unknown event", drifttest.UnknownEvent("usage"), "runAgentStream", conformance.UnknownEvent, "event", 1},
		{"undocumented status", drifttest.UndocumentedStatus("getAgent", http.StatusAccepted), "getAgent", conformance.UndocumentedStatus, "status", 1},
		{"undocumented status of a stream", drifttest.UndocumentedStatus("runAgentStream", http.StatusAccepted), "runAgentStream", conformance.UndocumentedStatus, "status", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := makeagentstest.NewServer(t)
			base := drifttest.NewProxy(t, s.URL(), tc.drift)
			a := s.AddAgent(1, api.Agent{Name: "drifty", SystemPrompt: "p", DefaultModel: "m"})
			got := findings(t, spec, s, base, tc.op, a.ID)
			if len(got) != tc.count {
				t.Fatalf("%d findings, want %d: %v", len(got), tc.count, got)
			}
			for _, f := range got {
				if f.Kind != tc.kind || f.Path != tc.path || f.Operation != tc.op {
					t.Errorf("finding %+v, want %s at %s in %s", f, tc.kind, tc.path, tc.op)
				}
			}
			// Other operations are not touched.
			for _, op := range allOperations {
				if op == tc.op || op == "deleteAgent" || op == "updateAgent" {
					continue
				}
				if other := findings(t, spec, s, base, op, a.ID); len(other) != 0 {
					t.Errorf("drift on %s leaked into %s: %v", tc.op, op, other)
				}
			}
		})
	}
}

// TestDriftLeavesErrorsAlone: a 404 is Make's error, drift or not.
func TestDriftLeavesErrorsAlone(t *testing.T) {
	s := makeagentstest.NewServer(t)
	base := drifttest.NewProxy(t, s.URL(), drifttest.UndeclaredField("getAgent", "x", 1), drifttest.UndocumentedStatus("getAgent", 202))
	resp, body := do(t, "GET", base+"/ai-agents/v1/agents/b504aa93-0752-4bf8-887e-c2c717d525bf?teamId=1", "Token "+s.Token(), "")
	if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), `"x"`) {
		t.Errorf("status %d body %s", resp.StatusCode, body)
	}
}
