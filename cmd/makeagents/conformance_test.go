package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
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
	Drift        int    `json:"drift"`
	Error        string `json:"error"`
	ScratchAgent string `json:"scratchAgent"`
}

func TestConformanceReadOnlyAgainstFaithfulFake(t *testing.T) {
	fake, env := fakeEnv(t)
	for i := 0; i < 3; i++ {
		fake.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "s", DefaultModel: "m"})
	}
	r := runCLI(t, env, "conformance", "--read-only", "--limit", "2", "--json").ok(t)
	rep := decodeJSON[reportJSON](t, r.stdout)
	if rep.Drift != 0 || len(rep.Calls) != 3 || rep.Calls[0].Operation != "listAgents" || rep.Calls[2].Operation != "getAgent" {
		t.Fatalf("report = %+v", rep)
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
	r := runCLI(t, env, "conformance", "--connection", "123", "--model", "gpt-4.1-mini", "--yes", "--json").ok(t)
	rep := decodeJSON[reportJSON](t, r.stdout)
	var ops []string
	for _, c := range rep.Calls {
		ops = append(ops, c.Operation)
	}
	want := "createAgent getAgent listAgents updateAgent runAgent runAgentStream deleteAgent"
	if strings.Join(ops, " ") != want || rep.Drift != 0 {
		t.Fatalf("calls = %v (drift %d), want %s", ops, rep.Drift, want)
	}
	if rep.Calls[5].Events < 3 {
		t.Errorf("stream checked %d events", rep.Calls[5].Events)
	}
	if n := len(fake.Agents(team)); n != 0 {
		t.Errorf("%d scratch agent(s) left", n)
	}
}

func TestConformanceAsksBeforeCreating(t *testing.T) {
	fake, env := fakeEnv(t)
	r := runCLIContext(context.Background(), t, env, "n\n", "conformance", "--connection", "123", "--model", "m")
	if r.code != exitUsage || !strings.Contains(r.stderr, "not confirmed") || len(fake.Requests()) != 0 {
		t.Fatalf("exit %d, stderr %q, %d requests", r.code, r.stderr, len(fake.Requests()))
	}
	r = runCLIContext(context.Background(), t, env, "y\n", "conformance", "--connection", "123", "--model", "m")
	if r.code != exitOK {
		t.Fatalf("confirmed run: exit %d, stderr %q", r.code, r.stderr)
	}
}

// A failure in the middle of full mode still deletes the scratch agent.
func TestConformanceFullModeDeletesOnFailure(t *testing.T) {
	fake, env := fakeEnv(t)
	fake.StreamFaults(makeagentstest.CutStreamMidEvent(1))
	r := runCLI(t, env, "conformance", "--connection", "123", "--model", "m", "--yes")
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
	fake.StreamFaults(makeagentstest.StallStream(1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan cliResult, 1)
	go func() {
		done <- runCLIContext(ctx, t, env, "", "conformance", "--connection", "123", "--model", "m", "--yes")
	}()
	// The plain run completes just before the stream starts and stalls.
	deadline := time.Now().Add(30 * time.Second)
	for !sawOperation(fake, "runAgent") {
		if time.Now().After(deadline) {
			t.Fatal("conformance never reached the run")
		}
		time.Sleep(5 * time.Millisecond)
	}
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

func sawOperation(fake *makeagentstest.Server, op string) bool {
	for _, r := range fake.Requests() {
		if r.Operation == op {
			return true
		}
	}
	return false
}
