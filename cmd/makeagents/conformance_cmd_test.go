package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/cmd/makeagents/internal/conformance/drifttest"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

type reportJSON struct {
	Mode  string `json:"mode"`
	Calls []struct {
		Operation string `json:"operation"`
		Method    string `json:"method"`
		Status    int    `json:"status"`
		Events    int    `json:"events"`
		Findings  []struct {
			Operation, Where, Kind, Path, Spec, Got string
		} `json:"findings"`
	} `json:"calls"`
	Drift        int      `json:"drift"`
	Error        string   `json:"error"`
	ScratchAgent string   `json:"scratchAgent"`
	Observations []string `json:"observations"`
}

func TestConformanceReadOnlyAgainstFaithfulFake(t *testing.T) {
	fake, env := fakeEnv(t)
	for i := 0; i < 3; i++ {
		fake.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "s", DefaultModel: "m"})
	}
	// One agent on a provider's connection, so the report can say how the
	// agent relates to the listed providers.
	wired := fake.AddAgent(team, api.Agent{Name: "wired", SystemPrompt: "s", DefaultModel: "m", MakeConnectionID: fake.ConnectionID(1)})
	r := runCLI(t, env, "conformance", "--read-only", "--limit", "4", "--json").ok(t)
	rep := decodeJSON[reportJSON](t, r.stdout)
	var ops []string
	for _, c := range rep.Calls {
		ops = append(ops, c.Operation)
	}
	want := "listAgents" + strings.Repeat(" getAgent listContexts", 4) + " listLLMProviders" + strings.Repeat(" getLLMProvider listLLMProviderModels", len(fake.Providers())) +
		" getCurrentAuthorization listConnections listScenarios"
	if rep.Drift != 0 || strings.Join(ops, " ") != want {
		t.Fatalf("calls %v (drift %d), want %s", ops, rep.Drift, want)
	}
	wantSeen := []string{
		"agent " + wired.ID + ": llmProviderId 1 is a listed provider id",
		"agent " + wired.ID + `: makeConnectionType "openai-gpt-3" is a listed provider accountName`,
		"agent " + wired.ID + ": makeConnectionId 1001 is not a listed provider id",
	}
	if strings.Join(rep.Observations, "\n") != strings.Join(wantSeen, "\n") {
		t.Errorf("observations = %q, want %q", rep.Observations, wantSeen)
	}
	limited := decodeJSON[reportJSON](t, runCLI(t, env, "conformance", "--read-only", "--limit", "1", "--json").ok(t).stdout)
	if len(limited.Calls) != 1+2+1+2+3 {
		t.Errorf("--limit 1 made %d calls, want one agent and one provider read", len(limited.Calls))
	}
	for _, req := range fake.Requests() {
		if req.Method != "GET" {
			t.Errorf("read-only mode sent %s %s", req.Method, req.Path)
		}
	}
	text := runCLI(t, env, "conformance", "--read-only").ok(t).stdout
	if !strings.Contains(text, "listAgents") || !strings.Contains(text, "No drift.") {
		t.Errorf("text report:\n%s", text)
	}
}

func TestConformanceFullModeCleansUp(t *testing.T) {
	fake, env := fakeEnv(t)
	r := runCLI(t, env, "conformance", "--connection", "1001", "--model", "gpt-4.1-mini", "--yes", "--json").ok(t)
	rep := decodeJSON[reportJSON](t, r.stdout)
	var ops []string
	for _, c := range rep.Calls {
		ops = append(ops, c.Operation)
	}
	want := "createAgent getAgent listAgents updateAgent createContext listContexts deleteContext runAgent runAgentStream getAgent deleteAgent"
	if strings.Join(ops, " ") != want || rep.Drift != 0 {
		t.Fatalf("calls = %v (drift %d), want %s", ops, rep.Drift, want)
	}
	if rep.Calls[8].Events < 3 {
		t.Errorf("stream checked %d events", rep.Calls[8].Events)
	}
	if n := len(fake.Agents(team)); n != 0 {
		t.Errorf("%d scratch agent(s) left", n)
	}
}

func TestConformanceAsksBeforeCreating(t *testing.T) {
	fake, env := fakeEnv(t)
	r := runCLIContext(context.Background(), t, env, "n\n", "conformance", "--connection", "1001", "--model", "gpt-4.1-mini")
	if r.code != exitUsage || !strings.Contains(r.stderr, "not confirmed") || len(fake.Requests()) != 0 {
		t.Fatalf("exit %d, stderr %q, %d requests", r.code, r.stderr, len(fake.Requests()))
	}
	r = runCLIContext(context.Background(), t, env, "y\n", "conformance", "--connection", "1001", "--model", "gpt-4.1-mini")
	if r.code != exitOK {
		t.Fatalf("confirmed run: exit %d, stderr %q", r.code, r.stderr)
	}
}

// A failure in the middle of full mode still deletes the scratch agent.
func TestConformanceFullModeDeletesOnFailure(t *testing.T) {
	fake, env := fakeEnv(t)
	fake.StreamFaults(makeagentstest.CutStreamMidEvent(1))
	r := runCLI(t, env, "conformance", "--connection", "1001", "--model", "gpt-4.1-mini", "--yes")
	if r.code != exitError {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Stopped early") || !strings.Contains(r.stdout, "deleteAgent") {
		t.Errorf("report does not show the early stop and the cleanup:\n%s", r.stdout)
	}
	if n := len(fake.Agents(team)); n != 0 {
		t.Errorf("%d scratch agent(s) left after a failure", n)
	}
}

// Ctrl-C in the middle of full mode (the stream is stalled) still deletes
// the scratch agent, and the CLI exits 130.
func TestConformanceCtrlCDeletesScratchAgent(t *testing.T) {
	fake, env := fakeEnv(t)
	cancel, done := startStalledFullRun(t, fake, env)
	defer cancel()
	if n := len(fake.Agents(team)); n != 1 {
		t.Fatalf("%d agents before the interrupt, want the scratch agent", n)
	}
	cancel()
	r := <-done
	if r.code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := len(fake.Agents(team)); n != 0 {
		t.Errorf("%d scratch agent(s) left after Ctrl-C", n)
	}
}

// startStalledFullRun starts a full conformance run whose stream stalls
// after one event, and returns once the run is in the stall: the fake has
// answered the stream's headers, so a fault set afterwards (FailNext) can
// only meet the requests that follow, the scratch agent's cleanup. Seeing
// runAgent in the fake's log is not enough: the log is written when a
// request ends, and under load the test could set its fault before the
// stream's request arrived. cancel plays Ctrl-C; done delivers the CLI's
// result.
func startStalledFullRun(t *testing.T, fake *makeagentstest.Server, env map[string]string) (cancel func(), done <-chan cliResult) {
	t.Helper()
	fake.StreamFaults(makeagentstest.StallStream(1))
	upstream, err := url.Parse(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	streaming := make(chan struct{})
	var once sync.Once
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: upstream.Scheme, Host: upstream.Host})
	proxy.FlushInterval = -1
	transport := &http.Transport{}
	proxy.Transport = transport
	t.Cleanup(transport.CloseIdleConnections)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if strings.HasSuffix(resp.Request.URL.Path, "/run/stream") {
			once.Do(func() { close(streaming) })
		}
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	env["MAKE_BASE_URL"] = front.URL + upstream.Path

	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan cliResult, 1)
	go func() {
		result <- runCLIContext(ctx, t, env, "", "conformance", "--connection", "1001", "--model", "gpt-4.1-mini", "--yes")
	}()
	select {
	case <-streaming:
	case r := <-result:
		cancel()
		t.Fatalf("conformance ended before its stream (exit %d): %s", r.code, r.stderr)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("conformance never reached the stream")
	}
	return cancel, result
}

// Each kind of drift the fake can inject is reported with its path and
// kind, and the command exits 3.
func TestConformanceReportsInjectedDrift(t *testing.T) {
	cases := []struct {
		name     string
		drift    drifttest.Drift
		readOnly bool
		op, kind string
		path     string
	}{
		{"undeclared field on get", drifttest.UndeclaredField("getAgent", "brandNew", map[string]any{"x": 1}), true, "getAgent", "undeclared-field", "$.brandNew"},
		{"undeclared field in list items", drifttest.UndeclaredField("listAgents", "folderId", 9), true, "listAgents", "undeclared-field", "$[0].folderId"},
		{"required field dropped", drifttest.DropField("getAgent", "defaultModel"), true, "getAgent", "missing-required", "$.defaultModel"},
		{"type changed", drifttest.ChangeFieldType("listAgents", "teamId"), true, "listAgents", "type-mismatch", "$[0].teamId"},
		{"undocumented status", drifttest.UndocumentedStatus("getAgent", 202), true, "getAgent", "undocumented-status", "status"},
		{"unknown event type", drifttest.UnknownEvent("usage"), false, "runAgentStream", "unknown-event", "event"},
		{"step field dropped", drifttest.DropField("runAgentStream", "content"), false, "runAgentStream", "missing-required", "$.content"},
		{"created agent type changed", drifttest.ChangeFieldType("createAgent", "name"), false, "createAgent", "type-mismatch", "$.name"},
		{"undeclared field on connections", drifttest.UndeclaredField("listConnections", "total", 3), true, "listConnections", "undeclared-field", "$.total"},
		{"scenarios dropped", drifttest.DropField("listScenarios", "scenarios"), true, "listScenarios", "missing-required", "$.scenarios"},
		{"authorization type changed", drifttest.ChangeFieldType("getCurrentAuthorization", "authorization"), true, "getCurrentAuthorization", "type-mismatch", "$.authorization"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake, env := fakeEnv(t)
			env["MAKE_BASE_URL"] = drifttest.NewProxy(t, fake.URL(), tc.drift)
			fake.AddAgent(team, api.Agent{Name: "seed", SystemPrompt: "s", DefaultModel: "m"})
			args := []string{"conformance", "--json"}
			if tc.readOnly {
				args = append(args, "--read-only")
			} else {
				args = append(args, "--connection", "1001", "--model", "gpt-4.1-mini", "--yes")
			}
			r := runCLI(t, env, args...)
			if r.code != exitDrift {
				t.Fatalf("exit %d, want 3\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			rep := decodeJSON[reportJSON](t, r.stdout)
			var found []string
			for _, c := range rep.Calls {
				for _, f := range c.Findings {
					if f.Kind == "undocumented-header" {
						continue
					}
					found = append(found, f.Operation+" "+f.Kind+" "+f.Path)
				}
			}
			want := tc.op + " " + tc.kind + " " + tc.path
			if len(found) == 0 {
				t.Fatalf("no findings; want %s", want)
			}
			for _, f := range found {
				if f != want {
					t.Errorf("finding %q, want only %q (all: %v)", f, want, found)
				}
			}
			if !tc.readOnly && len(fake.Agents(team)) != 1 {
				t.Errorf("scratch agent not deleted: %d agents", len(fake.Agents(team)))
			}
		})
	}
}

// When the cleanup itself fails, the scratch agent's id and the command to
// remove it are printed.
func TestConformancePrintsScratchAgentWhenCleanupFails(t *testing.T) {
	fake, env := fakeEnv(t)
	cancel, done := startStalledFullRun(t, fake, env)
	defer cancel()
	fake.FailNext(10, 500, 0) // every delete attempt fails
	cancel()
	r := <-done
	agents := fake.Agents(team)
	if r.code != exitInterrupted || len(agents) != 1 {
		t.Fatalf("exit %d, %d agents left; want 130 and the scratch agent kept", r.code, len(agents))
	}
	id := agents[0].ID
	if !strings.Contains(r.stderr, "could not delete scratch agent "+id) || !strings.Contains(r.stderr, "makeagents agents delete "+id) {
		t.Errorf("stderr does not name the agent to remove:\n%s", r.stderr)
	}
}

// A token without the discovery scopes: their 403s are noted and the
// check still ends without drift.
func TestConformanceNotesMissingDiscoveryScopes(t *testing.T) {
	_, env := fakeEnv(t, makeagentstest.WithScopes("ai-agents:read"))
	rep := decodeJSON[reportJSON](t, runCLI(t, env, "conformance", "--read-only", "--json").ok(t).stdout)
	want := []string{
		"listConnections not checked: 403 (the token may lack connections:read)",
		"listScenarios not checked: 403 (the token may lack scenarios:read)",
	}
	if rep.Drift != 0 || strings.Join(rep.Observations, "\n") != strings.Join(want, "\n") {
		t.Errorf("drift %d, observations %q, want %q", rep.Drift, rep.Observations, want)
	}
}
