package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/redact"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

const agentFileYAML = `agents:
  - name: Support bot
    systemPrompt: You answer questions about orders.
    provider: openAi
    model: gpt-4.1-mini
    scenarios: ["Tool 101: look up an order"]
    knowledge:
      - file: faq.md
      - text: "Returns are free within 30 days."
        name: returns-policy
  - name: Sales bot
    systemPrompt: You sell.
    provider: anthropic
    model: claude-3-5-haiku-latest
`

func writeAgentFile(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "agents.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func nonGETs(fake *makeagentstest.Server) []string {
	var out []string
	for _, r := range fake.Requests() {
		if r.Method != http.MethodGet {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// TestPlanApplyExport runs the scenario through the commands: exit
// statuses 0/2/1, apply's refusal without a terminal, --prune, export.
func TestPlanApplyExport(t *testing.T) {
	fake, env := fakeEnv(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "faq.md"), []byte("# FAQ\nOrders ship in two days.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := writeAgentFile(t, dir, agentFileYAML)

	r := runCLI(t, env, "plan", "-f", path)
	if r.code != exitPlanChanges || !strings.Contains(r.stdout, `+ create "Support bot"`) || !strings.Contains(r.stdout, "Plan: 2 to create") {
		t.Fatalf("first plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Not a terminal and no --yes: refused, nothing written.
	r = runCLIContext(t.Context(), t, env, "yes\n", "apply", "-f", path)
	if r.code != exitError || !strings.Contains(r.stderr, "not a terminal") || len(nonGETs(fake)) != 0 {
		t.Fatalf("apply without --yes: exit %d, writes %v\n%s", r.code, nonGETs(fake), r.stderr)
	}

	r = runCLI(t, env, "apply", "-f", path, "--yes").ok(t)
	if !strings.Contains(r.stdout, "Applied: 2 created") || strings.Count(r.stdout, "done: ") != 4 {
		t.Fatalf("apply:\n%s", r.stdout)
	}
	if r := runCLI(t, env, "plan", "-f", path); r.code != exitOK {
		t.Fatalf("second plan: exit %d\n%s", r.code, r.stdout)
	}
	fake.ResetRequests()
	if r := runCLI(t, env, "apply", "-f", path); r.code != exitOK || len(nonGETs(fake)) != 0 {
		t.Fatalf("second apply (no changes needs no --yes): exit %d, writes %v\n%s", r.code, nonGETs(fake), r.stderr)
	}

	writeAgentFile(t, dir, strings.Replace(agentFileYAML, "You sell.", "You sell politely.", 1))
	r = runCLI(t, env, "plan", "-f", path)
	if r.code != exitPlanChanges || !strings.Contains(r.stdout, `systemPrompt: "You sell." -> "You sell politely."`) || strings.Count(r.stdout, "~ update") != 1 {
		t.Fatalf("plan after edit: exit %d\n%s", r.code, r.stdout)
	}
	r = runCLI(t, env, "plan", "-f", path, "--json")
	cs := decodeJSON[map[string]any](t, r.stdout)
	if r.code != exitPlanChanges || len(cs["agents"].([]any)) != 2 {
		t.Fatalf("plan --json: exit %d\n%s", r.code, r.stdout)
	}
	runCLI(t, env, "apply", "-f", path, "--yes").ok(t)
	if r := runCLI(t, env, "plan", "-f", path); r.code != exitOK {
		t.Fatalf("plan after apply: exit %d\n%s", r.code, r.stdout)
	}

	// Removed from the file: kept without --prune, deleted with it.
	writeAgentFile(t, dir, agentFileYAML[:strings.Index(agentFileYAML, "  - name: Sales bot")])
	runCLI(t, env, "apply", "-f", path, "--yes").ok(t)
	if n := len(fake.Agents(7)); n != 2 {
		t.Fatalf("apply without --prune: %d agents, want 2", n)
	}
	r = runCLI(t, env, "apply", "-f", path, "--yes", "--prune").ok(t)
	if n := len(fake.Agents(7)); n != 1 {
		t.Fatalf("apply --prune: %d agents, want 1", n)
	}
	if !strings.Contains(r.stdout, "1 deleted (1 write).") {
		t.Errorf("apply --prune:\n%s", r.stdout)
	}

	// Export, then plan of the export: no change.
	r = runCLI(t, env, "export").ok(t)
	exported := filepath.Join(dir, "exported.yaml")
	if err := os.WriteFile(exported, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, env, "plan", "-f", exported, "--prune"); r.code != exitOK {
		t.Fatalf("plan of the export: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestPlanUnknownNamesWriteNothing: an unknown model or scenario exits 1
// naming it and what the team has, before any write; so does a usage
// error (2 would read as "changes").
func TestPlanUnknownNamesWriteNothing(t *testing.T) {
	fake, env := fakeEnv(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "faq.md"), []byte("faq"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := writeAgentFile(t, dir, strings.Replace(agentFileYAML, "Tool 101: look up an order", "Tool 1: nothing", 1))
	for _, args := range [][]string{{"plan"}, {"apply", "--yes"}} {
		r := runCLI(t, env, append(args, "-f", path)...)
		cmd := args[0]
		if r.code != exitError {
			t.Fatalf("%s: exit %d, want 1", cmd, r.code)
		}
		assertOneErrorLine(t, r.stderr, `scenario "Tool 1: nothing"`, `"Tool 122: look up an order" (id 122)`)
	}
	writeAgentFile(t, dir, strings.Replace(agentFileYAML, "gpt-4.1-mini", "gpt-9", 1))
	r := runCLI(t, env, "apply", "-f", path, "--yes")
	assertOneErrorLine(t, r.stderr, `model "gpt-9"`, "gpt-4.1-mini, gpt-4o, o4-mini")
	if w := nonGETs(fake); len(w) != 0 || r.code != exitError {
		t.Fatalf("exit %d, writes %v", r.code, w)
	}
	// Several names the team lacks: every one found at once, one a line
	// with its file and line, not run together on one line.
	writeAgentFile(t, dir, strings.Replace(strings.Replace(agentFileYAML, "Tool 101: look up an order", "Tool 1: nothing", 1), "claude-3-5-haiku-latest", "gpt-9", 1))
	r = runCLI(t, env, "plan", "-f", path)
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if r.code != exitError || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "makeagents: "+path+":6: ") || !strings.Contains(lines[0], `scenario "Tool 1: nothing"`) ||
		!strings.HasPrefix(lines[1], "makeagents: "+path+":14: ") || !strings.Contains(lines[1], `model "gpt-9"`) {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, args := range [][]string{{"plan"}, {"plan", "-f", path, "--bogus"}, {"plan", "--bogus"}, {"plan", "-f", filepath.Join(dir, "missing.yaml")}} {
		if r := runCLI(t, env, args...); r.code != exitError {
			t.Errorf("%v: exit %d, want 1\n%s", args, r.code, r.stderr)
		}
	}
	if len(fake.Requests()) > 0 && len(nonGETs(fake)) != 0 {
		t.Errorf("writes %v", nonGETs(fake))
	}
}

// TestPlanFromStdin: -f - reads the file from stdin; apply cannot also
// ask there, so it needs --yes.
func TestPlanFromStdin(t *testing.T) {
	_, env := fakeEnv(t)
	text := strings.Replace(agentFileYAML, "    knowledge:\n      - file: faq.md\n", "    knowledge:\n", 1)
	r := runCLIContext(t.Context(), t, env, text, "plan", "-f", "-")
	if r.code != exitPlanChanges || !strings.Contains(r.stdout, "Plan: 2 to create") {
		t.Fatalf("plan -f -: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLIContext(t.Context(), t, env, text, "apply", "-f", "-", "--yes")
	if r.code != exitOK {
		t.Fatalf("apply -f - --yes: exit %d\n%s", r.code, r.stderr)
	}
	r = runCLIContext(t.Context(), t, env, "agents: [\n", "plan", "-f", "-")
	if r.code != exitError || !strings.Contains(r.stderr, "<stdin>") {
		t.Fatalf("bad stdin: exit %d %s", r.code, r.stderr)
	}
}

// TestPlanApplySeam: the flags of plan and apply reach their options.
func TestPlanApplySeam(t *testing.T) {
	f := &factory{env: func(string) string { return "" }}
	var got *planOptions
	cmd := newApplyCmd(f, func(_ context.Context, o *planOptions) error { got = o; return nil })
	cmd.Args = exactArgs
	cmd.SetArgs([]string{"-f", "agents.yaml", "--prune", "--yes", "--replace"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.file != "agents.yaml" || !got.prune || !got.yes || !got.replace || got.json {
		t.Errorf("apply options: %+v", got)
	}
	var exp *exportOptions
	cmd = newExportCmd(f, func(_ context.Context, o *exportOptions) error { exp = o; return nil })
	cmd.Args = exactArgs
	cmd.SetArgs([]string{"--name", "A b", "--name", "C"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if exp == nil || len(exp.names) != 2 || exp.names[0] != "A b" {
		t.Errorf("export options: %+v", exp)
	}
}

// TestPlanNeverPrintsTheToken: a server that echoes the token in an
// agent's name or prompt does not get it printed by plan or export.
func TestPlanNeverPrintsTheToken(t *testing.T) {
	fake, env := fakeEnv(t)
	token := env["MAKE_API_TOKEN"]
	fake.AddAgent(7, api.Agent{Name: "Leak " + token, SystemPrompt: "the token is " + token, DefaultModel: "gpt-4o", MakeConnectionID: 1001})
	dir := t.TempDir()
	path := writeAgentFile(t, dir, "agents:\n  - {name: \"Leak "+token+"\", systemPrompt: other, provider: openAi, model: gpt-4o}\n")
	for _, args := range [][]string{{"plan", "-f", path, "--prune"}, {"plan", "-f", path, "--json"}, {"export"}} {
		r := runCLI(t, env, args...)
		if strings.Contains(r.stdout+r.stderr, token) {
			t.Errorf("%v printed the token:\n%s%s", args, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, redact.Mark) {
			t.Errorf("%v printed no redacted name (exit %d):\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
}

// TestApplyFailureLine: a write that fails stops apply with one error line
// that names the write and Make's answer once, with one "makeagents:" (the
// SDK's own prefix inside agentfile's wrapping is not printed again).
func TestApplyFailureLine(t *testing.T) {
	_, env := fakeEnv(t, makeagentstest.WithLimits(func() makeagentstest.Limits {
		l := makeagentstest.DefaultLimits()
		l.Agents = 1
		return l
	}()))
	dir := t.TempDir()
	text := strings.Replace(agentFileYAML, "    knowledge:\n      - file: faq.md\n      - text: \"Returns are free within 30 days.\"\n        name: returns-policy\n", "", 1)
	path := writeAgentFile(t, dir, text)
	r := runCLI(t, env, "apply", "-f", path, "--yes")
	if r.code != exitError {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	var errLines []string
	for line := range strings.Lines(r.stderr) {
		if strings.HasPrefix(line, "makeagents: ") {
			errLines = append(errLines, line)
		}
	}
	if len(errLines) != 1 || strings.Count(errLines[0], "makeagents: ") != 1 ||
		!strings.Contains(errLines[0], `makeagents: create agent "Sales bot": POST /api/v2/ai-agents/v1/agents: 400`) {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}
