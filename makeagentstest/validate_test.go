package makeagentstest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// These tests prove that the spec check of NewServer can fail: the rest of
// the suite relies on it staying silent only because the fake is right.

// collecting starts a server whose spec violations are collected.
func collecting(t *testing.T) (*Server, func() []error) {
	t.Helper()
	var mu sync.Mutex
	var got []error
	s, err := Start(func(c *config) {
		c.report = func(err error) { mu.Lock(); got = append(got, err); mu.Unlock() }
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, func() []error {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
}

// TestCheckCatchesWrongStateOverTheWire: an agent stored without its
// required scenarios list (which AddAgent and create never do) is served
// as "scenarios": null, and the check reports it.
func TestCheckCatchesWrongStateOverTheWire(t *testing.T) {
	s, violations := collecting(t)
	s.mu.Lock()
	s.store.put(fakeapi.Agent{ID: "b504aa93-0752-4bf8-887e-c2c717d525bf", Name: "broken", TeamID: 1})
	s.mu.Unlock()
	req, _ := http.NewRequest("GET", s.URL()+"/ai-agents/v1/agents?teamId=1", nil)
	req.Header.Set("Authorization", "Token "+s.Token())
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s.Close() // the check runs when the response is complete
	got := violations()
	if len(got) != 1 || !strings.Contains(got[0].Error(), "scenarios") {
		t.Fatalf("violations %v, want one about scenarios", got)
	}
}

func TestCheckResponse(t *testing.T) {
	s, violations := collecting(t)
	respond := func(status int, ctype, body string, deliberate bool) []error {
		req := httptest.NewRequest("GET", "http://fake/api/v2/ai-agents/v1/agents/b504aa93-0752-4bf8-887e-c2c717d525bf?teamId=1", nil)
		req.Header.Set("Authorization", "Token "+s.Token())
		ex := &exchange{}
		ex.op, ex.params = s.operation(req)
		if ex.op == nil || ex.op.ID != "getAgent" {
			t.Fatalf("the router routes the request to %+v, want getAgent", ex.op)
		}
		rec := &recorder{ResponseWriter: httptest.NewRecorder(), ex: ex, check: true, s: s}
		rec.ex.deliberate.Store(deliberate)
		rec.Header().Set("Content-Type", ctype)
		rec.WriteHeader(status)
		_, _ = rec.Write([]byte(body))
		s.checkResponse(req, rec)
		return violations()
	}
	valid := `{"id":"x","name":"n","teamId":1,"createdAt":"2025-06-25T13:36:46.730Z","systemPrompt":"p","defaultModel":"m",` +
		`"invocationConfig":{"recursionLimit":3},"scenarios":[],"mcpConfigs":[],"historyConfig":{"iterationsFromHistoryCount":1},` +
		`"llmConfig":{"maxTokens":5},"contexts":[]}`
	if got := respond(200, "application/json", valid, false); len(got) != 0 {
		t.Errorf("valid agent reported: %v", got)
	}
	if got := respond(200, "application/json", `{"id":5}`, false); len(got) != 1 {
		t.Errorf("agent with a numeric id and no required fields: %v, want one violation", got)
	}
	if got := respond(http.StatusTeapot, "application/json", `{}`, false); len(got) != 1 {
		t.Errorf("undocumented status: %v, want one violation", got)
	}
	if got := respond(http.StatusTeapot, "application/json", `{}`, true); len(got) != 0 {
		t.Errorf("a deliberate fault was reported: %v", got)
	}
}

func TestEventChecker(t *testing.T) {
	s, violations := collecting(t)
	c := &eventChecker{s: s}
	valid := `{"role":"system","content":"c","id":"1","agentIterationId":"2"}`
	c.write([]byte("event: step\nid: a\ndata: " + valid + "\n\n"))
	if got := violations(); len(got) != 0 {
		t.Fatalf("valid step reported: %v", got)
	}
	// Split across writes, as a large event is: still checked whole.
	c.write([]byte("event: step\ndata: {\"role\":\"system\","))
	c.write([]byte("\"id\":\"1\",\"agentIterationId\":\"2\"}\n\n"))
	c.write([]byte("event: usage\ndata: {}\n\n"))
	c.write([]byte("event: step\ndata: not json\n\n"))
	got := violations()
	if len(got) != 3 {
		t.Fatalf("violations %v, want missing content, unknown event type, not JSON", got)
	}
	for i, want := range []string{"content", `"usage"`, "not JSON"} {
		if !strings.Contains(got[i].Error(), want) {
			t.Errorf("violation %d %q does not mention %s", i, got[i], want)
		}
	}
	// The last event may end without its blank line, as Make's does: it is
	// still checked.
	c.write([]byte("event: step\ndata: still not json\n"))
	if err := c.finish(); err != nil {
		t.Errorf("finish after a complete last event: %v", err)
	}
	if got := violations(); len(got) != 1 || !strings.Contains(got[0].Error(), "not JSON") {
		t.Errorf("violations %v, want the last event's data reported", got)
	}
	c.write([]byte("event: step\ndata: {"))
	if err := c.finish(); err == nil {
		t.Error("a stream ending mid-line was not reported")
	}
}

// fakeTB records what NewServer does with the test it is given.
type fakeTB struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Errorf(format string, _ ...any) { f.errors = append(f.errors, format) }
func (f *fakeTB) Cleanup(fn func())              { f.cleanups = append(f.cleanups, fn) }

// TestNewServerFailsTheTest: a violation becomes t.Errorf, and the server
// is closed by the test's cleanup.
func TestNewServerFailsTheTest(t *testing.T) {
	tb := &fakeTB{}
	s := NewServer(tb)
	s.cfg.report(errors.New("boom"))
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "violates openapi.yaml") {
		t.Fatalf("errors %v", tb.errors)
	}
	if len(tb.cleanups) != 1 {
		t.Fatalf("%d cleanups registered, want 1", len(tb.cleanups))
	}
	tb.cleanups[0]()
	select {
	case <-s.done:
	default:
		t.Fatal("cleanup did not close the server")
	}
}

// Every operation of the spec is served by the generated router under the
// pattern the fake maps back to it, so each layer of the fake knows the
// operation of a request from the router: an operation the router does not
// serve, or a pattern that names no operation, fails here.
func TestRouterPatternsNameEveryOperation(t *testing.T) {
	s, _ := collecting(t)
	ops := s.validator.Spec().Operations()
	if len(ops) == 0 || len(s.routes) != len(ops) {
		t.Fatalf("%d operations, %d routes", len(ops), len(s.routes))
	}
	for _, op := range ops {
		path := op.Path
		for {
			i := strings.Index(path, "{")
			if i < 0 {
				break
			}
			j := strings.Index(path[i:], "}")
			path = path[:i] + "1" + path[i+j+1:]
		}
		req := httptest.NewRequest(op.Method, "http://fake"+BasePath+path+"?teamId=1", nil)
		got, params := s.operation(req)
		if got != op {
			t.Errorf("%s %s: routed to %+v", op.Method, op.Path, got)
			continue
		}
		for name, v := range params {
			if v != "1" {
				t.Errorf("%s: path parameter %s = %q", op.ID, name, v)
			}
		}
	}
	for _, r := range []*http.Request{
		httptest.NewRequest("PUT", "http://fake"+BasePath+"/ai-agents/v1/agents", nil),
		httptest.NewRequest("GET", "http://fake"+BasePath+"/blueprints", nil),
		httptest.NewRequest("GET", "http://fake/other/ai-agents/v1/agents", nil),
	} {
		if op, _ := s.operation(r); op != nil {
			t.Errorf("%s %s routed to %s", r.Method, r.URL.Path, op.ID)
		}
	}
}
